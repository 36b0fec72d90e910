import { spawnSync } from 'node:child_process';
import { X509Certificate, createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GongwenError } from '../../src-shared/common/errors.js';
import type { CmsSigner } from '../../src-shared/node/cms/signer.js';
import { toPem, x509 } from '../../src-shared/node/pki/x509.js';
import { enableTempCert, loginClerk, signedSend, type BenchClerk } from '../../bench/lib/world.js';
import { createTestDatabase } from '../helpers/databases.js';
import { freePort, launchServiceProcess, startServiceProcess, type ServiceProcess } from '../helpers/http-service.js';
import { opensslVerifies } from '../helpers/openssl-tsa.js';
import { writeSealKeyFile } from '../helpers/seal-key.js';

/**
 * Issue 18, "several instances are one service": on PostgreSQL the temp CA and the built-in TSA are
 * kept in the database sealed under GONGWEN_SEAL_KEY_FILE, so two servers with data folders of
 * their own are one temp CA and one TSA. Real processes over HTTP, as the desktop app reaches them.
 */
const needsPostgres = !process.env.GONGWEN_TEST_POSTGRES_URL;
const sha256Hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

interface SealedRow {
  purpose: string;
  certificate: Buffer;
  sealed_key: Buffer;
  seal_key_id: string;
}

async function sealedRows(db: pg.Client): Promise<SealedRow[]> {
  return (await db.query<SealedRow>('select purpose, certificate, sealed_key, seal_key_id from sealed_service_keys order by purpose')).rows;
}

const caPemAt = async (service: ServiceProcess) => (await fetch(`${service.url}/api/temp-ca/certificate`)).text();

/** `serve` with `env`, expected to refuse to start: its exit code and what it said. */
async function refusedStart(env: NodeJS.ProcessEnv): Promise<{ status: number | null; stderr: string; stdout: string }> {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src-server/cli.ts', 'serve', '--port', String(await freePort())], {
    env: { ...env, GONGWEN_DEBUG: '' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, stderr: r.stderr, stdout: r.stdout };
}

/** A refusal is one sentence and an exit code, never a stack, and the service never listened. */
function expectSentence(r: { status: number | null; stderr: string; stdout: string }, status: number, sentence: RegExp): void {
  expect(r.stderr).toMatch(sentence);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stdout).not.toMatch(/document service on/);
  expect(r.status).toBe(status);
}

const freshDataFolder = () => mkdtempSync(join(tmpdir(), 'gongwen-third-'));
const keysOnDisk = (dataDir: string) => ['temp-ca', 'tsa'].filter((f) => existsSync(join(dataDir, f)));

describe.skipIf(needsPostgres)('two instances on one PostgreSQL with data folders of their own (needs PostgreSQL)', () => {
  let a: ServiceProcess;
  let b: ServiceProcess;
  let db: pg.Client;

  beforeAll(async () => {
    a = await startServiceProcess('postgres', { sealedKeys: true });
    b = await startServiceProcess('postgres', { sharing: a, ownDataFolder: true });
    db = new pg.Client({ connectionString: a.env.DATABASE_URL });
    await db.connect();
  }, 120_000);

  afterAll(async () => {
    await db?.end();
    await b?.stop();
    await a?.stop();
  });

  it('have one temp CA and one TSA, sealed in the database and in neither data folder', async () => {
    expect(a.env.GONGWEN_DATA_DIR).not.toBe(b.env.GONGWEN_DATA_DIR);
    expect(a.env.GONGWEN_TEMP_CA_CERT).toBe('');
    expect(keysOnDisk(a.env.GONGWEN_DATA_DIR!)).toEqual([]);
    expect(keysOnDisk(b.env.GONGWEN_DATA_DIR!)).toEqual([]);
    const rows = await sealedRows(db);
    expect(rows.map((r) => r.purpose)).toEqual(['temp-ca', 'tsa']);
    // The key is not in the row in the clear (PKCS#8 DER would begin with a SEQUENCE).
    for (const r of rows) expect(r.sealed_key[0]).toBe(1);
    const caPem = await caPemAt(a);
    expect(await caPemAt(b)).toBe(caPem);
    expect(caPem).toBe(toPem(rows[0]!.certificate, 'CERTIFICATE'));
    // Each instance records its TSA certificate at start: one row, the sealed one.
    const tsa = (await db.query<{ der: Buffer }>('select der from tsa_certificates')).rows;
    expect(tsa.map((t) => sha256Hex(t.der))).toEqual([sha256Hex(rows[1]!.certificate)]);
  });

  describe('a temp cert enabled through one instance', () => {
    let chenA: BenchClerk;
    let chenB: BenchClerk;
    let signer: CmsSigner;

    /** A new document of chen's through `clerk`'s instance, sent to yeh with the temp cert. */
    const sendThrough = async (clerk: BenchClerk) => {
      const created = await clerk.client.createDocument({ subject: `多台服務 ${randomBytes(3).toString('hex')}`, body: '' });
      const doc = await clerk.client.document(created.id);
      return { id: doc.id, sent: await clerk.client.act(doc.id, await signedSend('chen.chiming', doc, 'yeh.yenchih', signer)) };
    };

    beforeAll(async () => {
      chenA = await loginClerk(a.url, 'chen.chiming');
      chenB = await loginClerk(b.url, 'chen.chiming');
      signer = await enableTempCert(chenA); // IFT930 through A
    }, 60_000);

    it('signs a step the other instance accepts, time-stamped under the one TSA certificate both use', async () => {
      const throughB = await sendThrough(chenB);
      expect(throughB.sent.step.seq).toBe(1);
      const throughA = await sendThrough(chenA);
      expect(throughA.sent.step.seq).toBe(1);
      const tsaPem = toPem((await sealedRows(db))[1]!.certificate, 'CERTIFICATE');
      for (const id of [throughB.id, throughA.id]) {
        const stamp = (
          await db.query<{ token: Buffer; signature_value: Buffer }>(
            `select t.token, s.signature_value from signature_time_stamps t join steps s on s.id = t.step_id where s.document_id = $1 and t.signer = 'signature'`,
            [id],
          )
        ).rows;
        expect(stamp).toHaveLength(1);
        expect(opensslVerifies(stamp[0]!.token, sha256Hex(stamp[0]!.signature_value), tsaPem)).toBe(true);
      }
    });

    it('revoked through one, is refused by the other, whose CRL lists it under the same CA', async () => {
      await chenA.client.disableTempCert(); // 臨時憑證停用 through A
      const refused = await sendThrough(chenB).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(GongwenError);
      expect((refused as GongwenError).code).toBe('CERT_REVOKED');

      const serial = new X509Certificate(signer.certificate).serialNumber.toLowerCase();
      const ca = new x509.X509Certificate(await caPemAt(a));
      for (const service of [b, a]) {
        const crl = new x509.X509Crl(new Uint8Array(await (await fetch(`${service.url}/api/temp-ca/crl`)).arrayBuffer()));
        expect(await crl.verify({ publicKey: ca.publicKey })).toBe(true);
        expect(crl.entries.map((e) => e.serialNumber.toLowerCase().replace(/^0+/, ''))).toContain(serial.replace(/^0+/, ''));
      }
    });
  });

  it(
    'a third instance refuses to start without the seal key, with another, with one others may read, or over a sealed row that does not open; nothing new is made',
    { timeout: 180_000 },
    async () => {
      const before = await sealedRows(db);
      const third = (env: NodeJS.ProcessEnv) => ({ ...a.env, GONGWEN_DATA_DIR: freshDataFolder(), ...env });
      const attempts: [string, NodeJS.ProcessEnv, number, RegExp][] = [
        ['no seal key', third({ GONGWEN_SEAL_KEY_FILE: '' }), 2, /GONGWEN_SEAL_KEY_FILE is not set/],
        ['a missing seal key file', third({ GONGWEN_SEAL_KEY_FILE: join(freshDataFolder(), 'nope.key') }), 1, /Cannot read the seal key .*no such file/],
        ['another seal key', third({ GONGWEN_SEAL_KEY_FILE: writeSealKeyFile() }), 1, /sealed with another seal key/],
        ['a seal key others may read', third({ GONGWEN_SEAL_KEY_FILE: readableByOthers(a.env.GONGWEN_SEAL_KEY_FILE!) }), 1, /may be read by other users/],
        ['not a seal key', third({ GONGWEN_SEAL_KEY_FILE: notASealKey() }), 2, /must hold 32 random bytes in base64/],
      ];
      for (const [what, env, status, sentence] of attempts) {
        const r = await refusedStart(env);
        expect({ what, sentence: r.stderr.trim() }).toEqual({ what, sentence: expect.stringMatching(sentence) });
        expectSentence(r, status, sentence);
        expect(keysOnDisk(env.GONGWEN_DATA_DIR!)).toEqual([]);
      }
      // A sealed temp CA altered in the database (one octet of the ciphertext).
      const damaged = Buffer.from(before[0]!.sealed_key);
      damaged[damaged.length - 1]! ^= 0x01;
      await db.query(`update sealed_service_keys set sealed_key = $1 where purpose = 'temp-ca'`, [damaged]);
      try {
        const env = third({});
        expectSentence(await refusedStart(env), 1, /temp CA sealed in the database .* does not open with the seal key/);
        expect(keysOnDisk(env.GONGWEN_DATA_DIR!)).toEqual([]);
      } finally {
        await db.query(`update sealed_service_keys set sealed_key = $1 where purpose = 'temp-ca'`, [before[0]!.sealed_key]);
      }
      expect(await sealedRows(db)).toEqual(before);
      expect(await caPemAt(b)).toBe(toPem(before[0]!.certificate, 'CERTIFICATE')); // and the two running carry on
    },
  );
});

function readableByOthers(sealKeyPath: string): string {
  const copy = join(freshDataFolder(), 'seal.key');
  writeFileSync(copy, readFileSync(sealKeyPath));
  chmodSync(copy, 0o644);
  return copy;
}

function notASealKey(): string {
  const path = join(freshDataFolder(), 'seal.key');
  writeFileSync(path, 'correct horse battery staple\n', { mode: 0o600 });
  return path;
}

describe.skipIf(needsPostgres)('instances starting on a new PostgreSQL database (needs PostgreSQL)', () => {
  it(
    'refuse without a seal key or shared files, making nothing; two started at the same moment end with one temp CA and one TSA',
    { timeout: 180_000 },
    async () => {
      const database = await createTestDatabase('postgres');
      const db = new pg.Client({ connectionString: database.url });
      const started: ServiceProcess[] = [];
      try {
        const sealKey = writeSealKeyFile();
        const envOf = (seal: string) => ({
          ...process.env,
          GONGWEN_DATA_DIR: freshDataFolder(),
          DATABASE_URL: database.url,
          GONGWEN_TEMP_CA_CERT: '',
          GONGWEN_TEMP_CA_KEY: '',
          GONGWEN_SEAL_KEY_FILE: seal,
        });
        const alone = envOf('');
        expectSentence(
          await refusedStart(alone),
          2,
          /With PostgreSQL every instance must use one temp CA and one time-stamping key: set GONGWEN_SEAL_KEY_FILE/,
        );
        expect(keysOnDisk(alone.GONGWEN_DATA_DIR)).toEqual([]);
        await db.connect();
        expect(await sealedRows(db)).toEqual([]);

        started.push(...(await Promise.all([launchServiceProcess(envOf(sealKey), async () => {}), launchServiceProcess(envOf(sealKey), async () => {})])));
        const rows = await sealedRows(db);
        expect(rows.map((r) => r.purpose)).toEqual(['temp-ca', 'tsa']);
        const [first, second] = started as [ServiceProcess, ServiceProcess];
        expect(await caPemAt(first)).toBe(toPem(rows[0]!.certificate, 'CERTIFICATE'));
        expect(await caPemAt(second)).toBe(await caPemAt(first));
        expect((await db.query('select sha256 from tsa_certificates')).rows).toEqual([{ sha256: sha256Hex(rows[1]!.certificate) }]);
      } finally {
        for (const s of started) await s.stop();
        await db.end().catch(() => {});
        await database.drop();
      }
    },
  );
});
