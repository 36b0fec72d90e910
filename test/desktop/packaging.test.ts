import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';

/**
 * Packaging downloads Electron and cannot run here, so the configuration itself is checked, and
 * the bundle that would be packed.
 */
describe('the installers’ configuration (build/electron-builder.json)', () => {
  let config: Record<string, any>;
  beforeAll(async () => {
    config = JSON.parse(await readFile('build/electron-builder.json', 'utf8'));
  });

  it('sets the Electron fuses: no run-as-node, NODE_OPTIONS or inspect; asar integrity and asar-only; cookie encryption', () => {
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      enableCookieEncryption: true,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it('builds NSIS (the clerk chooses per-user or per-machine), deb, AppImage and dmg', () => {
    expect(config.win.target.map((t: { target: string }) => t.target)).toEqual(['nsis']);
    expect(config.nsis).toMatchObject({ oneClick: false, perMachine: false, allowElevation: true });
    expect(config.linux.target).toEqual(['deb', 'AppImage']);
    expect(config.mac.target).toEqual(['dmg']);
  });

  it('packs the built app and unpacks every native module from the asar', async () => {
    const { nativeModules } = (await import('../../build/build-desktop.mjs' as string)) as { nativeModules: string[] };
    expect(config.asar).toBe(true);
    for (const module of nativeModules.filter((m) => m !== 'electron')) {
      expect(config.asarUnpack.some((p: string) => p.includes(module))).toBe(true);
      expect(config.files.some((p: string) => p.includes(module))).toBe(true);
    }
    expect(config.files).toEqual(expect.arrayContaining(['out/main/**', 'out/renderer/**', '!node_modules/**']));
    expect(config.extraMetadata.main).toBe('out/main/main.js');
  });

  it('bundles a main process that carries only the client: none of the service’s packages', async () => {
    execFileSync('node', ['build/build-desktop.mjs']);
    const main = await readFile('out/main/main.js', 'utf8');
    for (const serverOnly of ['fastify', 'better-sqlite3', 'kysely', "from 'pg'", 'src-server']) expect(main).not.toContain(serverOnly);
    expect(main).toContain('gongwen:'); // the IPC prefix the preload uses
    const preload = await readFile('out/main/preload.cjs', 'utf8');
    expect(preload).toMatch(/require\("electron"\)/);
  });
});
