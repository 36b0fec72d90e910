import type { z } from 'zod';

/**
 * Response fields renamed to the glossary's words (docs/glossary.md, issue 15) are still answered
 * under their old names for one version, so desktop clients of 0.1 keep reading them; they go
 * away in this version.
 */
export const DEPRECATED_NAMES_REMOVED_IN = '0.3.0';

/**
 * An old name kept readable: marked deprecated in the OpenAPI document, naming its replacement.
 * The service always answers it; it is optional so that new code need not make or read it.
 */
export function deprecatedName<S extends z.ZodType>(schema: S, replacement: string, meaning = '') {
  return schema.optional().meta({
    deprecated: true,
    description: `Deprecated: read \`${replacement}\`${meaning ? ` (${meaning})` : ''}. Removed in version ${DEPRECATED_NAMES_REMOVED_IN}.`,
  });
}
