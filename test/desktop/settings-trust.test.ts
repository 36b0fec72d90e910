import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DesktopApp } from '../../src-main/app/desktop-app.js';
import { checkModulePath } from '../../src-main/app/module-policy.js';
import { dispatchIpc } from '../../src-main/ipc/dispatch.js';

// A compromised page holds the IPC channel: what it can make the main process load, and where it
// can send the clerk's password. The module is a real shared library whose constructor leaves a
// mark: if it is ever loaded into the process, the mark is there.

let evilModule: string;
let mark: string;
const apps: DesktopApp[] = [];
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
});

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gongwen-evil-'));
  mark = join(dir, 'loaded');
  await writeFile(
    join(dir, 'evil.c'),
    `#include <stdio.h>\n__attribute__((constructor)) static void run(void) { FILE *f = fopen(${JSON.stringify(mark)}, "w"); if (f) fclose(f); }\n`,
  );
  evilModule = join(dir, 'libevil.so');
  execFileSync('gcc', ['-shared', '-fPIC', '-o', evilModule, join(dir, 'evil.c')]);
});

async function start(files: { settings?: object; admin?: object } = {}, confirmServiceUrl?: (next: string, current: string) => Promise<boolean>) {
  const dataDir = await mkdtemp(join(tmpdir(), 'gongwen-settings-'));
  if (files.settings) await writeFile(join(dataDir, 'settings.json'), JSON.stringify(files.settings));
  const adminConfig = join(dataDir, 'admin-config.json');
  if (files.admin) await writeFile(adminConfig, JSON.stringify(files.admin));
  const app = await DesktopApp.start({
    dataDir,
    defaultServiceUrl: 'https://doc.agency.gov.tw',
    adminConfig,
    card: { pollMs: 60_000 },
    ...(confirmServiceUrl ? { confirmServiceUrl } : {}),
  });
  apps.push(app);
  return { app, dataDir };
}

describe('the PKCS#11 module a page may choose', () => {
  it('a page asking to load a library outside the module table is refused: nothing stored, nothing loaded', async () => {
    const { app, dataDir } = await start();
    const answer = await dispatchIpc(app, 'settings:set', { modulePath: evilModule });
    expect(answer).toMatchObject({ ok: false, error: { code: 'CARD_MODULE_NOT_ALLOWED', message: expect.stringContaining('允許清單') } });
    await app.core.card.status(); // the card thread has done whatever it was going to do
    expect(existsSync(mark)).toBe(false);
    expect(app.core.card.modulePath).not.toBe(evilModule);
    expect(existsSync(join(dataDir, 'settings.json')) ? await readFile(join(dataDir, 'settings.json'), 'utf8') : '').not.toContain('libevil');
  });

  it('refuses relative paths, paths that climb out, and paths on another machine', async () => {
    const { app } = await start();
    for (const modulePath of ['libsofthsm2.so', './libsofthsm2.so', '/usr/lib/softhsm/../../../tmp/libsofthsm2.so', '//evil/share/libsofthsm2.so']) {
      expect(await dispatchIpc(app, 'settings:set', { modulePath })).toMatchObject({ ok: false, error: { code: 'CARD_MODULE_NOT_ALLOWED' } });
    }
    for (const path of [
      '\\\\evil\\share\\HiCOSPKCS11.dll',
      '//evil/share/HiCOSPKCS11.dll',
      '\\\\?\\UNC\\evil\\share\\HiCOSPKCS11.dll',
      'HiCOSPKCS11.dll',
      'C:\\Windows\\System32\\..\\Temp\\HiCOSPKCS11.dll',
      'C:HiCOSPKCS11.dll',
    ]) {
      expect(() => checkModulePath(path, [], 'win32')).toThrow(expect.objectContaining({ code: 'CARD_MODULE_NOT_ALLOWED' }));
    }
    expect(checkModulePath('c:\\windows\\system32\\hicospkcs11.dll', [], 'win32')).toBe('c:\\windows\\system32\\hicospkcs11.dll');
    expect(() => checkModulePath('\\\\evil\\share\\x.dll', ['\\\\evil\\share\\x.dll'], 'win32')).toThrow(); // not even when an administrator lists it
  });

  it('a module planted in settings.json (by an earlier page, or anyone) is not loaded at start', async () => {
    const { app } = await start({ settings: { modulePath: evilModule } });
    await app.core.card.status();
    expect(existsSync(mark)).toBe(false);
    expect(app.settings.get().modulePath).toBe('');
  });

  it('the administrator’s module wins over the clerk’s, and the administrator’s list widens the table', async () => {
    const opensc = '/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so';
    const admins = '/usr/lib/softhsm/libsofthsm2.so';
    const locked = await start({ settings: { modulePath: opensc }, admin: { modulePath: admins } });
    expect(locked.app.settings.get().modulePath).toBe(admins);
    expect(await dispatchIpc(locked.app, 'settings:set', { modulePath: opensc })).toMatchObject({ ok: true, value: { modulePath: admins } });

    // The administrator's module must exist, as any module set by hand: a file beside the test's data.
    const agencyModule = join(await mkdtemp(join(tmpdir(), 'gongwen-agency-')), 'libagency.so');
    await writeFile(agencyModule, '');
    const listed = await start({ admin: { allowedModulePaths: [agencyModule, '/opt/agency/pkcs11/libgone.so'] } });
    expect(await dispatchIpc(listed.app, 'settings:set', { modulePath: agencyModule })).toMatchObject({
      ok: true,
      value: { modulePath: agencyModule },
    });
    expect(await dispatchIpc(listed.app, 'settings:set', { modulePath: '/opt/agency/pkcs11/libgone.so' })).toMatchObject({
      ok: false,
      error: { code: 'CARD_MODULE_MISSING' },
    });
    expect(listed.app.settings.get().modulePath).toBe(agencyModule);
  });

  it('a card choice planted in settings.json that is no token serial is ignored; a real one is kept', async () => {
    for (const cardSerial of ['1234\n5678', '', 'A'.repeat(65), 42, { serial: '1' }]) {
      const { app } = await start({ settings: { cardSerial } });
      expect(app.settings.get().cardSerial).toBeUndefined();
    }
    const { app } = await start({ settings: { cardSerial: 'c7b516d9aef63ab7' } });
    expect(app.settings.get().cardSerial).toBe('c7b516d9aef63ab7');
  });

  it('a module path set by hand must be a file that exists, even one of the known table: refused, nothing changed', async () => {
    const { app, dataDir } = await start();
    const absent = '/usr/lib/opensc-pkcs11.so'; // in the table for Linux, not installed on this machine
    expect(existsSync(absent)).toBe(false);
    expect(await dispatchIpc(app, 'settings:set', { modulePath: absent })).toMatchObject({ ok: false, error: { code: 'CARD_MODULE_MISSING' } });
    expect(await dispatchIpc(app, 'settings:set', { modulePath: '/usr/lib/softhsm' })).toMatchObject({ ok: false, error: { code: 'CARD_MODULE_NOT_ALLOWED' } });
    expect(app.settings.get().modulePath).toBe('');
    expect(existsSync(join(dataDir, 'settings.json'))).toBe(false);
  });
});

describe('the service address a page may choose', () => {
  it('changes only when the clerk confirms it outside the page', async () => {
    const unasked = await start();
    expect(await dispatchIpc(unasked.app, 'settings:set', { serviceUrl: 'https://evil.example' })).toMatchObject({
      ok: false,
      error: { code: 'SERVICE_URL_NOT_CONFIRMED' },
    });
    expect(unasked.app.settings.get().serviceUrl).toBe('https://doc.agency.gov.tw');

    const asked: string[] = [];
    let answer = false;
    const { app } = await start({}, async (next, current) => (asked.push(`${current} → ${next}`), answer));
    expect(await dispatchIpc(app, 'settings:set', { serviceUrl: 'https://evil.example' })).toMatchObject({
      ok: false,
      error: { code: 'SERVICE_URL_NOT_CONFIRMED' },
    });
    answer = true;
    expect(await dispatchIpc(app, 'settings:set', { serviceUrl: 'https://doc2.agency.gov.tw' })).toMatchObject({
      ok: true,
      value: { serviceUrl: 'https://doc2.agency.gov.tw' },
    });
    expect(asked).toEqual(['https://doc.agency.gov.tw → https://evil.example', 'https://doc.agency.gov.tw → https://doc2.agency.gov.tw']);
    // The same address again, or only the language: nothing to confirm.
    expect(await dispatchIpc(app, 'settings:set', { serviceUrl: 'https://doc2.agency.gov.tw', language: 'en' })).toMatchObject({ ok: true });
    expect(asked).toHaveLength(2);
  });
});
