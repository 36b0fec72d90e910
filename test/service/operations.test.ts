import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../helpers/databases.js';
import { startServiceProcess } from '../helpers/http-service.js';
import { startPrivatePostgres } from '../helpers/private-postgres.js';
import { Clerk, call, startTestService, type TestService } from '../helpers/service.js';

/** The value of one sample in Prometheus text, or undefined when the series is absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe.each(databaseKinds())('health, readiness and metrics on %s', (kind) => {
  let service: TestService;
  let drafter: Clerk;

  beforeAll(async () => {
    service = await startTestService(kind);
    drafter = await Clerk.login(service, 'chen.chiming');
  });
  afterAll(() => service.close());

  it('/healthz answers while the process is up; /readyz names every check', async () => {
    expect((await call(service, { method: 'GET', url: '/healthz' })).status).toBe(200);
    const ready = await call(service, { method: 'GET', url: '/readyz' });
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ ready: true, checks: { database: true, migrations: true, tempCa: true } });
  });

  it('/metrics counts requests by route pattern and status, and sends accepted and refused by code', async () => {
    const doc = await drafter.createDocument();
    const sent = await drafter.act(doc.id, '送請簽核', 'yeh.yenchih', await drafter.card());
    expect(sent.status).toBe(200);
    // The same signed body again after the step moved on, under a new idempotency key: refused.
    const stale = await drafter.call(
      'POST',
      `/api/documents/${doc.id}/actions`,
      await drafter.signedAction(doc, '送請簽核', 'yeh.yenchih', await drafter.card()),
    );
    expect(stale.status).toBe(409);
    const staleCode = (stale.body as { code: string }).code;

    const r = await call(service, { method: 'GET', url: '/metrics' });
    expect(r.status).toBe(200);
    const text = r.body as string;
    expect(sample(text, 'gongwen_signed_requests_total{kind="send",outcome="accepted",code=""}')).toBe(1);
    expect(sample(text, `gongwen_signed_requests_total{kind="send",outcome="refused",code="${staleCode}"}`)).toBe(1);
    expect(sample(text, 'gongwen_http_requests_total{method="POST",route="/api/documents/:id/actions",status="200"}')).toBe(1);
    expect(sample(text, 'gongwen_http_requests_total{method="POST",route="/api/documents",status="200"}')).toBe(1);
    expect(sample(text, 'gongwen_http_request_duration_seconds_count{method="POST",route="/api/documents/:id/actions"}')).toBe(2);
    expect(text).toContain('# TYPE gongwen_http_request_duration_seconds histogram');
    if (kind === 'sqlite') {
      // The send and the login before it were written through group commit.
      expect(sample(text, 'gongwen_group_commit_units_count')).toBeGreaterThan(0);
    } else {
      expect(sample(text, 'gongwen_db_pool_connections{state="total"}')).toBeGreaterThan(0);
    }
  });

  it('an unknown address is counted under one label, not its own', async () => {
    await call(service, { method: 'GET', url: '/no/such/place/12345' });
    const text = (await call(service, { method: 'GET', url: '/metrics' })).body as string;
    expect(sample(text, 'gongwen_http_requests_total{method="GET",route="unmatched",status="404"}')).toBeGreaterThanOrEqual(1);
    expect(text).not.toContain('12345');
  });
});

describe('readiness when the schema is behind', () => {
  it('is 503 and names the migration not applied', async () => {
    const service = await startTestService('sqlite');
    try {
      // Forget the last migration, as if this build were newer than the database.
      await service.ctx.storage.db
        .deleteFrom('kysely_migration' as never)
        .where('name' as never, '=', '20261127-0005-signature-value' as never)
        .execute();
      const r = await call(service, { method: 'GET', url: '/readyz' });
      expect(r.status).toBe(503);
      expect(r.body).toMatchObject({ ready: false, checks: { database: true, migrations: false, tempCa: true } });
      expect((r.body as { reason: string }).reason).toContain('20261127-0005-signature-value');
    } finally {
      await service.close();
    }
  });
});

describe.skipIf(!process.env.GONGWEN_TEST_POSTGRES_URL)('readiness when PostgreSQL is gone (needs PostgreSQL)', () => {
  it('/readyz turns 503 with the reason while /healthz stays up', { timeout: 120_000 }, async () => {
    const pg = await startPrivatePostgres();
    let pgRunning = true;
    const service = await startServiceProcess('postgres', { postgresUrl: pg.url });
    try {
      expect((await fetch(`${service.url}/readyz`)).status).toBe(200);
      pg.stop();
      pgRunning = false;
      const r = await fetch(`${service.url}/readyz`);
      expect(r.status).toBe(503);
      const body = (await r.json()) as { ready: boolean; reason: string; checks: { database: boolean } };
      expect(body.ready).toBe(false);
      expect(body.checks.database).toBe(false);
      expect(body.reason).toMatch(/^database unreachable: /);
      expect((await fetch(`${service.url}/healthz`)).status).toBe(200);
    } finally {
      await service.kill();
      if (pgRunning) pg.stop();
    }
  });
});
