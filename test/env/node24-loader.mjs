// Node 24's service suites: `better-sqlite3` resolves to the copy built for Node 24's ABI in
// .cache/node24/sqlite instead of node_modules' (built for Node 20). Passed as
// NODE_OPTIONS=--import, so the service processes the tests start use it too. Vitest hands the
// module on as a resolved file path, not by name, so the resolved address is what is matched.
import { register } from 'node:module';

register(
  'data:text/javascript,' +
    encodeURIComponent(`
const target = ${JSON.stringify(new URL('../../.cache/node24/sqlite/node_modules/better-sqlite3/lib/index.js', import.meta.url).href)};
const node20Copy = /\\/node_modules\\/better-sqlite3\\/lib\\/index\\.js$/;
export async function resolve(specifier, context, next) {
  if (specifier === 'better-sqlite3') return { url: target, format: 'commonjs', shortCircuit: true };
  const resolved = await next(specifier, context);
  if (resolved.url !== target && node20Copy.test(resolved.url) && !resolved.url.includes('/.cache/node24/'))
    return { ...resolved, url: target, format: 'commonjs', shortCircuit: true };
  return resolved;
}`),
);
