import { readFile } from 'node:fs/promises';
import { AgencyPolicy, DEFAULT_AGENCY_POLICY } from '../../src-shared/common/api/policy.js';
import { OperatorError } from '../operations/operator-error.js';

/**
 * The agency's policy from the JSON file GONGWEN_POLICY names (unset: the defaults, which are the
 * seed's rules). A value the service cannot use stops the start with a sentence naming the field:
 * an agency must never run under a rule it did not write.
 */
export async function loadAgencyPolicy(path: string | undefined): Promise<AgencyPolicy> {
  if (!path) return DEFAULT_AGENCY_POLICY;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new OperatorError(`GONGWEN_POLICY names ${path}, which cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}).`, 2);
  }
  return parseAgencyPolicy(text, path);
}

export function parseAgencyPolicy(text: string, source: string): AgencyPolicy {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new OperatorError(`The policy file ${source} is not JSON: ${(error as Error).message}.`, 2);
  }
  const parsed = AgencyPolicy.safeParse(json);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field = issue.path.join('.') || '(the whole file)';
  throw new OperatorError(`The policy file ${source} has a value the service cannot use at "${field}": ${issue.message}.`, 2);
}
