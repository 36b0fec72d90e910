import { describe, expect, it } from 'vitest';
import { ServiceClient } from '../../src-main/service-client/service-client.js';
import { createContext } from '../../src-server/service.js';
import { demoPeople } from '../../tools/demo/people.js';
import type { CmsSigner } from '../../src-shared/node/cms/signer.js';
import { GongwenError } from '../../src-shared/common/errors.js';
import { enableTempCert, loginClerk, signedSend } from '../../bench/lib/world.js';
import { verifyAuditChain } from '../../src-server/audit/audit-log.js';
import { startServiceProcess, type ServiceProcess } from '../helpers/http-service.js';

/**
 * 64 clients racing on the same documents: the demo's six people in a ring, each document passed
 * on to the next person by whoever of its holder's sessions signs first. Afterwards every flow
 * must be a valid sequence, no step applied twice, no acknowledged send lost, and the audit chain
 * intact. Two service instances on one PostgreSQL; and one on SQLite, where racing sends of a
 * step often land in the same group commit.
 */
const CLIENTS = 64;
const DOCUMENTS = 24;

describe.skipIf(!process.env.GONGWEN_TEST_POSTGRES_URL)('two service instances on one PostgreSQL (needs PostgreSQL: npm test starts one)', () => {
  it('64 clients racing for 60 s: valid flows, nothing applied twice, no acknowledged send lost', { timeout: 180_000 }, async () => {
    const a = await startServiceProcess('postgres');
    const b = await startServiceProcess('postgres', { sharing: a });
    try {
      await race([a, b], 60_000);
    } finally {
      await b.stop();
      await a.stop();
    }
  });
});

describe('one service instance on SQLite, with group commit', () => {
  it('64 clients racing for 20 s: valid flows, nothing applied twice, no acknowledged send lost', { timeout: 120_000 }, async () => {
    const a = await startServiceProcess('sqlite');
    try {
      await race([a], 20_000);
    } finally {
      await a.stop();
    }
  });
});

async function race(instances: ServiceProcess[], raceMs: number): Promise<void> {
  const [a] = instances as [ServiceProcess];
  const ring = demoPeople.map((p) => p.account);
  const next = (account: string) => ring[(ring.indexOf(account) + 1) % ring.length]!;
  // One temp cert per person, shared by that person's sessions (each "PC" of theirs).
  const signers = new Map<string, CmsSigner>();
  for (const account of ring) signers.set(account, await enableTempCert(await loginClerk(a.url, account)));
  const clients: { account: string; client: ServiceClient }[] = [];
  for (let i = 0; i < CLIENTS; i++) {
    const account = ring[i % ring.length]!;
    const client = new ServiceClient({ baseUrl: instances[i % instances.length]!.url, timeoutMs: 30_000, retries: 0 });
    await client.login(account, 'gongwen-demo');
    clients.push({ account, client });
  }
  for (let i = 0; i < DOCUMENTS; i++) await clients[i % clients.length]!.client.createDocument({ subject: `競爭測試 ${i}`, body: '' });

  const acks: { documentId: string; seq: number }[] = [];
  const unexpected: string[] = [];
  let conflicts = 0;
  const deadline = Date.now() + raceMs;
  await Promise.all(
    clients.map(async ({ account, client }) => {
      while (Date.now() < deadline) {
        const inbox = (await client.documents({ box: 'inbox', limit: 100 })).documents;
        const pick = inbox[Math.floor(Math.random() * inbox.length)];
        if (!pick) {
          await new Promise((r) => setTimeout(r, 20));
          continue;
        }
        try {
          const doc = await client.document(pick.id);
          if (!doc.stepToken) continue;
          const result = await client.act(doc.id, await signedSend(account, doc, next(account), signers.get(account)!));
          acks.push({ documentId: doc.id, seq: result.step.seq });
        } catch (error) {
          const code = error instanceof GongwenError ? error.code : String(error);
          if (code === 'STEP_CONFLICT' || code === 'STEP_TOKEN_STALE' || code === 'NOT_CURRENT_HOLDER' || code === 'DOCUMENT_NOT_FOUND') conflicts++;
          else unexpected.push(code);
        }
      }
    }),
  );
  expect(unexpected).toEqual([]);
  expect(acks.length).toBeGreaterThan(100);
  expect(conflicts).toBeGreaterThan(0); // they did race

  const ctx = await createContext({
    dataDir: a.env.GONGWEN_DATA_DIR!,
    databaseUrl: a.env.DATABASE_URL || undefined,
    tempCaCertPath: a.env.GONGWEN_TEMP_CA_CERT,
    tempCaKeyPath: a.env.GONGWEN_TEMP_CA_KEY,
    sealKeyPath: a.env.GONGWEN_SEAL_KEY_FILE || undefined,
  });
  try {
    const docs = await ctx.storage.db.selectFrom('documents').select(['id', 'current_seq', 'holder_user_id']).execute();
    const users = new Map((await ctx.storage.db.selectFrom('users').select(['id', 'account']).execute()).map((u) => [u.id, u.account]));
    let sent = 0;
    for (const doc of docs) {
      const steps = await ctx.storage.db
        .selectFrom('steps')
        .select(['seq', 'holder_user_id', 'sent_at', 'signature'])
        .where('document_id', '=', doc.id)
        .orderBy('seq')
        .execute();
      expect(steps.map((s) => s.seq)).toEqual(steps.map((_, i) => i + 1)); // 1, 2, 3 … with no gap or repeat
      expect(steps.length).toBe(doc.current_seq);
      for (let i = 0; i < steps.length - 1; i++) {
        expect(steps[i]!.sent_at).not.toBeNull();
        expect(steps[i]!.signature).not.toBeNull();
        expect(users.get(steps[i + 1]!.holder_user_id)).toBe(next(users.get(steps[i]!.holder_user_id)!)); // the ring, step by step
      }
      expect(steps[steps.length - 1]!.sent_at).toBeNull();
      expect(steps[steps.length - 1]!.holder_user_id).toBe(doc.holder_user_id);
      sent += steps.length - 1;
    }
    // Every acknowledged send is there, once; and nothing is there that was not acknowledged.
    expect(new Set(acks.map((x) => `${x.documentId}#${x.seq}`)).size).toBe(acks.length);
    expect(sent).toBe(acks.length);
    await ctx.storage.sealAudit();
    expect(await verifyAuditChain(ctx.storage.db)).toEqual({ ok: true, entries: expect.any(Number) });
  } finally {
    await ctx.storage.close();
  }
}
