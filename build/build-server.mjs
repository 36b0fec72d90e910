// Bundles the document service (its CLI, every migration with it) into one ES module,
// out/server/gongwen-server.mjs, started with plain `node` in production: no tsx, no TypeScript,
// no source tree. Only the native modules stay outside the bundle (they are compiled for the
// machine's Node and are installed beside it: `npm ci --omit=dev` on the server, see README
// "Deployment"); every other package is bundled, so a version the tests passed with is the one run.
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';

export const serverExternals = [
  'better-sqlite3', // native (SQLite)
  'pg-native', // pg's optional native binding: not used, never bundled
];
const installed = ['better-sqlite3']; // what the server installs beside the bundle

await build({
  entryPoints: ['src-server/cli.ts'],
  outfile: 'out/server/gongwen-server.mjs',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  external: serverExternals,
  sourcemap: false,
  legalComments: 'linked',
  logLevel: 'warning',
  // Bundled CommonJS packages call require(); give the ES module output one.
  banner: { js: "#!/usr/bin/env node\nimport { createRequire as __gongwenRequire } from 'node:module'; const require = __gongwenRequire(import.meta.url);" },
});
chmodSync('out/server/gongwen-server.mjs', 0o755);

// Beside the bundle, a package.json naming only what stays outside it, at the version the tests ran
// with: `npm install --omit=dev` in out/server installs that and nothing else.
const project = JSON.parse(readFileSync('package.json', 'utf8'));
const dependencies = Object.fromEntries(installed.map((name) => [name, project.dependencies[name]]));
writeFileSync(
  'out/server/package.json',
  `${JSON.stringify(
    {
      name: 'gongwen-server',
      version: project.version,
      private: true,
      type: 'module',
      engines: project.engines,
      bin: { 'gongwen-server': 'gongwen-server.mjs' },
      dependencies,
    },
    null,
    2,
  )}\n`,
);
