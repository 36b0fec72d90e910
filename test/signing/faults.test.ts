import { spawn } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CardService } from '../../src-main/card/card-service.js';
import { ClerkSession } from '../../src-main/session/clerk-session.js';
import { CuttingProxy } from '../helpers/cutting-proxy.js';
import { databaseKinds } from '../helpers/databases.js';
import { startDesktop, type Desktop } from '../helpers/desktop.js';
import { startServiceProcess, type ServiceProcess } from '../helpers/http-service.js';

async function tempSigned(session: ClerkSession, count: number) {
  await session.tempCerts.apply('temp-pass-1234', '出差', 'gongwen-demo');
  await session.tempCerts.enable(session.account, 'temp-pass-1234', 'PC', 'gongwen-demo');
  for (let i = 0; i < count; i++) {
    const doc = await session.client.document((await session.client.createDocument({ subject: `故障測試 ${i}`, body: '' })).id);
    await session.send(doc, { action: '送請簽核', recipient: 'yeh.yenchih', opinion: '' }, { useTempCert: true, tempCertPassword: 'temp-pass-1234' });
  }
}

/** Re-sign entries in the audit log per step: exactly one each, whatever happened on the way. */
async function resignCounts(session: ClerkSession, documentIds: string[]) {
  const counts: number[] = [];
  for (const id of documentIds) {
    const doc = await session.client.document(id);
    counts.push(doc.flow.filter((r) => r.resignedAt !== null).length);
  }
  return counts;
}

describe.each(databaseKinds())('faults during 補簽 on %s', (kind) => {
  let service: ServiceProcess;
  const desktops: Desktop[] = [];
  beforeAll(async () => {
    service = await startServiceProcess(kind);
  });
  afterEach(async () => {
    await Promise.all(desktops.splice(0).map((d) => d.close()));
  });
  afterAll(() => service.stop());

  it('the service killed in the middle of a send: after its restart the step is applied exactly once', async () => {
    const d = await startDesktop('lin.shufen');
    desktops.push(d);
    const proxy = new CuttingProxy(service.port);
    await proxy.start();
    try {
      const session = await ClerkSession.login(d, proxy.url, 'lin.shufen', 'gongwen-demo');
      const doc = await session.client.document((await session.client.createDocument({ subject: '當機測試', body: '' })).id);
      // The service commits the step, starts to answer, and dies; the client hears nothing.
      proxy.cutNextAnswer(() => service.kill());
      const outcome = await session.send(doc, { action: '送請簽核', recipient: 'yeh.yenchih', opinion: '送出時服務中斷' }, { pin: d.virtualCard.pin });
      expect(outcome).toMatchObject({ status: 'queued', reason: 'SERVICE_UNREACHABLE' });
      expect(d.outbox.pending().map((e) => e.key)).toEqual([outcome.key]);

      await service.restart();
      await session.courier.flush();
      expect(d.outbox.pending()).toEqual([]);
      const flow = (await session.client.document(doc.id)).flow;
      expect(flow.map((r) => [r.seq, r.action])).toEqual([
        [1, '送請簽核'],
        [2, '送請簽核'],
      ]);
      await session.logout();
    } finally {
      await proxy.stop();
    }
  });

  it('the service killed in the middle of a re-sign batch: after its restart every step is re-signed once', async () => {
    const d = await startDesktop('wang.meiling');
    desktops.push(d);
    const proxy = new CuttingProxy(service.port);
    await proxy.start();
    try {
      const session = await ClerkSession.login(d, proxy.url, 'wang.meiling', 'gongwen-demo');
      await tempSigned(session, 12);
      const ids = (await session.client.pendingResign()).steps.map((s) => s.documentId);
      // The first upload is committed, then the service dies before the client hears of it.
      proxy.cutNextAnswerOn('/api/resign', () => service.kill());
      await expect(session.resign({ pin: d.virtualCard.pin, note: '補簽', chunkSize: 6 })).rejects.toMatchObject({ code: 'SERVICE_UNREACHABLE' });
      await service.restart();
      const rerun = await ClerkSession.login(d, proxy.url, 'wang.meiling', 'gongwen-demo');
      const report = await rerun.resign({ pin: d.virtualCard.pin, note: '補簽', chunkSize: 6 });
      expect(report.resigned + report.alreadyResigned).toBe(report.total);
      expect(await resignCounts(rerun, ids)).toEqual(ids.map(() => 1));
      expect((await rerun.client.pendingResign()).total).toBe(0);
      await rerun.logout();
    } finally {
      await proxy.stop();
    }
  });

  it('the client killed in the middle of a batch: started again, it does the rest', async () => {
    const d = await startDesktop('huang.kuowei');
    desktops.push(d);
    const session = await ClerkSession.login(d, service.url, 'huang.kuowei', 'gongwen-demo');
    await tempSigned(session, 150);
    const ids = (await session.client.pendingResign()).steps.map((s) => s.documentId);
    await d.card.close(); // the child process drives the card now
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/helpers/resign-in-child.ts', service.url, 'huang.kuowei', d.virtualCard.modulePath, d.virtualCard.pin],
      { env: process.env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    // Killed two thirds of the way through its signatures: some chunks stored, some in flight, some not signed.
    let exitInfo = '';
    const exited = new Promise<void>((resolve) => child.on('exit', (code, signal) => ((exitInfo = `exit ${code} ${signal}`), resolve())));
    let output = '';
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    let killedAt = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const done = Math.max(0, ...[...chunk.toString().matchAll(/progress (\d+)/g)].map((m) => Number(m[1])));
      if (!killedAt && done >= 100) {
        killedAt = done;
        child.kill('SIGKILL');
      }
    });
    await exited;
    expect(killedAt, `${exitInfo} ${output.slice(-2000)}`).toBeGreaterThanOrEqual(100);
    const left = (await session.client.pendingResign()).total;
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThan(150);
    const card = new CardService({ modulePath: d.virtualCard.modulePath });
    const again = await ClerkSession.login({ ...d, card }, service.url, 'huang.kuowei', 'gongwen-demo');
    const report = await again.resign({ pin: d.virtualCard.pin, note: '補簽' });
    // An upload the killed client had already sent may still land after `left` was read.
    expect(report.total).toBeLessThanOrEqual(left);
    expect(report.resigned).toBe(report.total);
    expect(await resignCounts(again, ids)).toEqual(ids.map(() => 1));
    await again.logout();
    await card.close();
  });
});

describe('secrets in the service log', () => {
  it('a whole walkthrough leaves no password, PIN or key in what the service logs', async () => {
    let log = '';
    const service = await startServiceProcess('sqlite', { log: (chunk) => (log += chunk) });
    const d = await startDesktop('vendor');
    try {
      const session = await ClerkSession.login(d, service.url, 'vendor', 'gongwen-demo');
      await tempSigned(session, 2);
      await session.resign({ pin: d.virtualCard.pin, note: '補簽' });
      await session.tempCerts.disable('vendor');
      await session.logout();
      expect(log).toContain('"statusCode":200'); // the log was captured
      for (const secret of ['gongwen-demo', 'temp-pass-1234', d.virtualCard.pin, 'PRIVATE KEY', 'Bearer ']) expect(log).not.toContain(secret);
    } finally {
      await d.close();
      await service.stop();
    }
  });
});
