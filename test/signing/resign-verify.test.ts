import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DesktopApp } from '../../src-main/app/desktop-app.js';
import { dispatchIpc } from '../../src-main/ipc/dispatch.js';
import { OsKeychain } from '../../src-main/keychain/keychain.js';
import { ClerkSession } from '../../src-main/session/clerk-session.js';
import type { PendingResignStep, ResignRequest } from '../../src-shared/common/api/resign.js';
import { parseSignedData } from '../../src-shared/node/cms/parse.js';
import { signStep } from '../../src-shared/node/cms/sign.js';
import type { IpcResult } from '../../src-shared/common/ipc/contract.js';
import type { ResignListed, ResignReport } from '../../src-shared/common/ipc/outputs.js';
import { cardSigner } from '../helpers/demo-pki.js';
import { startDesktop, type Desktop } from '../helpers/desktop.js';
import { startServiceProcess, type ServiceProcess } from '../helpers/http-service.js';
import { virtualCardFor } from '../helpers/virtual-card.js';

// IFT940 with a service that lists more than this PC signed: the card countersigns only signatures
// made with a temp certificate enabled here, shows another PC's apart until the clerk confirms
// them, and refuses one made with a key no PC of the clerk's held. Real service, SoftHSM card,
// Secret Service; the main process driven through its IPC handlers, as the page drives it.

const send = { action: '送請簽核', recipient: 'yeh.yenchih', opinion: '' } as const;
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

async function tempSignedSteps(session: ClerkSession, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const created = await session.client.createDocument({ subject: `出差期間公文 ${i + 1}`, body: '內容' });
    const outcome = await session.send(await session.client.document(created.id), send, { useTempCert: true, tempCertPassword: 'temp-pass-1234' });
    expect(outcome.status).toBe('delivered');
    ids.push(created.id);
  }
  return ids;
}

/** What a lying service can list: a payload in the clerk's name signed with a key none of the clerk's PCs held. */
async function forgedStep(like: PendingResignStep): Promise<PendingResignStep> {
  const payload = JSON.parse(Buffer.from(like.payload, 'base64').toString('utf8')) as Record<string, unknown>;
  const forgedPayload = new TextEncoder().encode(JSON.stringify({ ...payload, action: '決行', opinion: '如擬', recipient: null }));
  const signature = await signStep(forgedPayload, await cardSigner('yeh.yenchih'), new Date(Math.floor(Date.now() / 1000) * 1000));
  return {
    ...like,
    stepId: randomUUID(),
    signature: b64(signature),
    payload: b64(forgedPayload),
    signatureValue: b64(parseSignedData(signature).signerInfos[0]!.signature),
  };
}

function value<T>(result: IpcResult<unknown>): T {
  if (!result.ok) throw new Error(`IPC failed: ${result.error.code}`);
  return result.value as T;
}

describe('IFT940 countersigns only what the clerk signed on this PC, or confirmed', () => {
  let service: ServiceProcess;
  let app: DesktopApp;
  let otherPc: Desktop;
  let pin: string;

  beforeAll(async () => {
    service = await startServiceProcess();
    const card = await virtualCardFor('vendor');
    pin = card.pin;
    const pc = await startDesktop('vendor'); // for its data folder; the app below is PC 1
    await pc.close();
    app = await DesktopApp.start({
      dataDir: pc.dataDir,
      defaultServiceUrl: service.url,
      adminConfig: join(pc.dataDir, 'none.json'),
      keychain: new OsKeychain(`GongwenDesk test ${pc.dataDir}`),
      defaultModulePath: card.modulePath,
      card: { pollMs: 200 },
    });
    otherPc = await startDesktop('vendor');
    // PC 2 never uses its card here. One card thread at a time: SoftHSM is one library per
    // process, and PC 2's idle re-initialisation (its rescan) would end PC 1's card session.
    await otherPc.card.close();
  });
  afterAll(async () => {
    await app?.close();
    await otherPc?.close();
    await service?.stop();
  });

  it('refuses a listed signature made with a key this PC never held, and signs one from another PC only when confirmed', async () => {
    value(await dispatchIpc(app, 'session:login', { account: 'vendor', password: 'gongwen-demo' }));
    const here = app.session!;
    await here.tempCerts.apply('temp-pass-1234', '出差', 'gongwen-demo');
    await here.tempCerts.enable('vendor', 'temp-pass-1234', 'PC 1', 'gongwen-demo');
    const signedHere = await tempSignedSteps(here, 2);

    // The same clerk enabled a temp cert on another PC too and signed there.
    const there = await ClerkSession.login(otherPc, service.url, 'vendor', 'gongwen-demo');
    await there.tempCerts.enable('vendor', 'temp-pass-1234', 'PC 2', 'gongwen-demo');
    const [signedThere] = await tempSignedSteps(there, 1);

    // The service lies: it lists a forged approval besides the genuine steps.
    const genuine = (await here.client.pendingResign()).steps;
    const forged = await forgedStep(genuine[0]!);
    const listing = here.client.pendingResign.bind(here.client);
    here.client.pendingResign = async (page) => {
      const list = await listing(page);
      return page?.after ? list : { ...list, steps: [...list.steps, forged], total: list.total + 1 };
    };
    const upload = here.client.resign.bind(here.client);
    const uploaded: string[] = [];
    here.client.resign = async (body: ResignRequest) => {
      uploaded.push(...body.items.map((i) => i.stepId));
      return upload(body);
    };
    const stepOf = (documentId: string) => genuine.find((s) => s.documentId === documentId)!.stepId;

    const listed = value<ResignListed[]>(await dispatchIpc(app, 'resign:pending', {}));
    const origin = new Map(listed.map((s) => [s.stepId, s.signedWith]));
    expect(signedHere.map((id) => origin.get(stepOf(id)))).toEqual(['this-pc', 'this-pc']);
    expect(origin.get(stepOf(signedThere!))).toBe('other-pc');
    expect(listed.find((s) => s.stepId === forged.stepId)).toMatchObject({ signedWith: 'refused', refusal: { code: 'RESIGN_SIGNATURE_FOREIGN' } });
    expect(listed.find((s) => s.stepId === stepOf(signedThere!))).toMatchObject({ signed: { action: '送請簽核', recipient: 'yeh.yenchih' } });

    const report = value<ResignReport>(await dispatchIpc(app, 'resign:start', { note: '出差返回補簽', pin }));
    expect(uploaded.sort()).toEqual(signedHere.map(stepOf).sort());
    expect(report).toMatchObject({ total: 4, resigned: 2 });
    expect(report.refused.map((r) => [r.stepId, r.code]).sort()).toEqual(
      [
        [stepOf(signedThere!), 'RESIGN_OTHER_PC_UNCONFIRMED'],
        [forged.stepId, 'RESIGN_SIGNATURE_FOREIGN'],
      ].sort(),
    );

    // Confirmed, the other PC's step is signed; the forged one never is.
    uploaded.length = 0;
    value(await dispatchIpc(app, 'resign:pending', {}));
    const confirmed = value<ResignReport>(await dispatchIpc(app, 'resign:start', { note: '出差返回補簽', pin, confirmOtherPc: [stepOf(signedThere!)] }));
    expect(uploaded).toEqual([stepOf(signedThere!)]);
    expect(confirmed.refused.map((r) => r.code)).toEqual(['RESIGN_SIGNATURE_FOREIGN']);
    await there.logout();
  });

  it('signs only after the list was shown: resign:start without resign:pending is refused', async () => {
    value(await dispatchIpc(app, 'session:logout', {}));
    value(await dispatchIpc(app, 'session:login', { account: 'vendor', password: 'gongwen-demo' }));
    expect(await dispatchIpc(app, 'resign:start', { note: '補簽', pin })).toMatchObject({ ok: false, error: { code: 'RESIGN_NOT_LISTED' } });
  });
});
