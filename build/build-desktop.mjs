// Bundles the Electron main process, the card worker and the preload into out/main with esbuild.
// Everything is bundled but the native modules, which electron-builder unpacks from the asar:
// the installed app carries only the client (none of the service's packages).
import { build } from 'esbuild';

export const nativeModules = ['electron', 'pkcs11js', '@napi-rs/keyring'];
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  external: nativeModules,
  sourcemap: false,
  logLevel: 'warning',
  // Bundled CommonJS packages call require(); give the ES module output one.
  banner: { js: "import { createRequire as __gongwenRequire } from 'node:module'; const require = __gongwenRequire(import.meta.url);" },
};
await Promise.all([
  build({ ...common, entryPoints: ['src-main/shell/main.ts'], outfile: 'out/main/main.js', format: 'esm' }),
  build({ ...common, entryPoints: ['src-main/card/card-worker.ts'], outfile: 'out/main/card-worker.js', format: 'esm' }),
  // A sandboxed preload must be CommonJS and may require only 'electron'.
  build({ ...common, banner: {}, entryPoints: ['src-main/shell/preload.ts'], outfile: 'out/main/preload.cjs', format: 'cjs' }),
]);
