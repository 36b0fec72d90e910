import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DesktopApp } from '../../src-main/app/desktop-app.js';
import { dispatchIpc } from '../../src-main/ipc/dispatch.js';
import type { OutboxEntry } from '../../src-main/outbox/outbox.js';
import { startServiceProcess, type ServiceProcess } from '../helpers/http-service.js';
import { queuedEntry } from '../helpers/outbox-entry.js';

// Two clerks share a PC (and its outbox). What one page can see and do of the other's queued steps,
// and what a failed login leaves behind. The real service, the app's own IPC dispatch.

const entry = (key: string, account: string): OutboxEntry => queuedEntry(key, { account, documentId: '6f1c0a59-3d1e-4a43-9f55-2f4c1e7d0b11' });

describe('the outbox channels and the session', () => {
  let service: ServiceProcess;
  let app: DesktopApp;
  beforeAll(async () => {
    service = await startServiceProcess('sqlite');
    const dataDir = await mkdtemp(join(tmpdir(), 'gongwen-boundary-'));
    app = await DesktopApp.start({ dataDir, defaultServiceUrl: service.url, adminConfig: join(dataDir, 'none.json'), card: { pollMs: 60_000 } });
    // The other clerk's steps: one waiting for their login, one the service refused.
    await app.core.outbox.put(entry('theirs-waiting', 'yeh.yenchih'));
    await app.core.outbox.put(entry('theirs-refused', 'yeh.yenchih'));
    await app.core.outbox.refuse('theirs-refused', 'STEP_TOKEN_STALE');
    await app.core.outbox.put(entry('mine-refused', 'vendor'));
    await app.core.outbox.refuse('mine-refused', 'STEP_TOKEN_STALE');
  });
  afterAll(async () => {
    await app?.close();
    await service?.stop();
  });

  it('with nobody logged in, lists nothing and dismisses nothing', async () => {
    expect(await dispatchIpc(app, 'outbox:state', {})).toMatchObject({ ok: false, error: { code: 'UNAUTHENTICATED' } });
    expect(await dispatchIpc(app, 'outbox:dismiss', { key: 'theirs-refused' })).toMatchObject({ ok: false, error: { code: 'UNAUTHENTICATED' } });
    expect(app.core.outbox.refused().map((e) => e.key)).toEqual(['theirs-refused', 'mine-refused']);
  });

  it('a clerk sees and dismisses only their own steps', async () => {
    expect(await dispatchIpc(app, 'session:login', { account: 'vendor', password: 'gongwen-demo' })).toMatchObject({ ok: true });
    const state = await dispatchIpc(app, 'outbox:state', {});
    expect(state).toMatchObject({ ok: true, value: { pending: [], refused: [{ key: 'mine-refused' }] } });
    expect(await dispatchIpc(app, 'outbox:dismiss', { key: 'theirs-refused' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await dispatchIpc(app, 'outbox:dismiss', { key: 'mine-refused' })).toMatchObject({ ok: true, value: { refused: [] } });
    expect(app.core.outbox.refused().map((e) => e.key)).toEqual(['theirs-refused']);
    expect(app.core.outbox.pending().map((e) => e.key)).toEqual(['theirs-waiting']);
  });

  it('a failed login leaves nobody logged in, not the previous clerk', async () => {
    expect(await dispatchIpc(app, 'session:state', {})).toMatchObject({ ok: true, value: { user: { account: 'vendor' } } });
    expect(await dispatchIpc(app, 'session:login', { account: 'yeh.yenchih', password: 'not-the-password' })).toMatchObject({
      ok: false,
      error: { code: 'LOGIN_FAILED' },
    });
    expect(await dispatchIpc(app, 'session:state', {})).toMatchObject({ ok: true, value: { user: null } });
    expect(await dispatchIpc(app, 'outbox:state', {})).toMatchObject({ ok: false, error: { code: 'UNAUTHENTICATED' } });
    expect(await dispatchIpc(app, 'documents:list', {})).toMatchObject({ ok: false, error: { code: 'UNAUTHENTICATED' } });
  });
});
