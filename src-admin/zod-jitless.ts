import { z } from 'zod';

// zod compiles fast parsers with new Function where it may; under the console's CSP it may not,
// and even its probe for that (made when a schema is defined) is reported as a violation. Imported
// first by main.tsx, before any module defines a schema, so zod parses without it.
z.config({ jitless: true });
