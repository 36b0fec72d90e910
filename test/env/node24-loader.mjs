// Node 24's service suites: `better-sqlite3` resolves to the copy built for Node 24's ABI in
// .cache/node24/sqlite instead of node_modules' (built for Node 20). Passed as
// NODE_OPTIONS=--import, so the service processes the tests start use it too.
import { register } from 'node:module';

register(
  'data:text/javascript,' +
    encodeURIComponent(`
const target = ${JSON.stringify(new URL('../../.cache/node24/sqlite/node_modules/better-sqlite3/lib/index.js', import.meta.url).href)};
export async function resolve(specifier, context, next) {
  if (specifier === 'better-sqlite3') return { url: target, format: 'commonjs', shortCircuit: true };
  return next(specifier, context);
}`),
);
