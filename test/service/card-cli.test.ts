import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createUser, ensureUnit } from '../../src-server/accounts/users.js';
import { createContext } from '../../src-server/service.js';
import { makeCardIssuer } from '../helpers/card-generations.js';
import { testPki } from '../helpers/demo-pki.js';

const cli = (dataDir: string, ...args: string[]) => {
  try {
    return {
      code: 0,
      out: execFileSync('npx', ['tsx', 'src-server/cli.ts', ...args], { env: cliEnv(dataDir), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }),
    };
  } catch (error) {
    const e = error as { status: number; stdout: string; stderr: string };
    return { code: e.status, out: e.stdout + e.stderr };
  }
};
let pkiDir = '';
const cliEnv = (dataDir: string) => ({
  ...process.env,
  GONGWEN_DATA_DIR: dataDir,
  DATABASE_URL: '',
  GONGWEN_TEMP_CA_CERT: join(pkiDir, 'temp-ca.cert.pem'),
  GONGWEN_TEMP_CA_KEY: join(pkiDir, 'temp-ca.key.pem'),
});

/** The administrator's side of card replacement: register-card, list-cards, retire-card at the service's CLI. */
describe('card commands of the CLI', () => {
  it('registers a card for someone, lists it, retires it and says so; a bad SHA-256 is a usage error', async () => {
    const pki = await testPki();
    pkiDir = pki.dir;
    const issuer = await makeCardIssuer();
    const dataDir = mkdtempSync(join(tmpdir(), 'gongwen-card-cli-'));
    await mkdir(join(dataDir, 'trust'), { recursive: true });
    await writeFile(join(dataDir, 'trust', 'card-roots.pem'), issuer.rootPem);
    const ctx = await createContext({ dataDir, tempCaCertPath: join(pki.dir, 'temp-ca.cert.pem'), tempCaKeyPath: join(pki.dir, 'temp-ca.key.pem') });
    await ensureUnit(ctx.storage, 'ict', '資通建設科');
    await createUser(ctx, { account: 'chen.chiming', name: '陳志明', unitId: 'ict', title: '科員', password: 'gongwen-demo-chen-1' });
    await ctx.storage.close();
    const card = await issuer.issue({ name: '陳志明', serialNumber: '0001A123' });
    const pem = join(dataDir, 'new-card.pem');
    writeFileSync(pem, card.certPem);

    expect(cli(dataDir, 'register-card', 'chen.chiming', pem)).toMatchObject({ code: 0, out: expect.stringMatching(/registered to chen\.chiming/) });
    const listed = cli(dataDir, 'list-cards', 'chen.chiming');
    expect(listed.out).toMatch(/^active\s+陳志明 \(0001A123\), issued by MOICA-style Test Root/m);
    const sha256 = /SHA-256 ([0-9a-f]{64})/.exec(listed.out)![1]!;
    const retired = cli(dataDir, 'retire-card', 'chen.chiming', sha256);
    expect(retired).toMatchObject({ code: 0, out: expect.stringMatching(/^retired \(it signs and logs in no more/m) });
    expect(cli(dataDir, 'list-cards', 'chen.chiming').out).toMatch(/^retired\s+陳志明/m);
    expect(cli(dataDir, 'retire-card', 'chen.chiming', 'not-a-hash')).toMatchObject({ code: 2 });
    expect(cli(dataDir, 'retire-card', 'chen.chiming', '0'.repeat(64))).toMatchObject({ code: 1, out: expect.stringMatching(/CARD_UNKNOWN/) });
  }, 240_000);
});
