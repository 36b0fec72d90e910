import { X509Certificate } from 'node:crypto';
import { GongwenError } from '../../src-shared/common/errors.js';
import type { IpcChannel, IpcParsedInput } from '../../src-shared/common/ipc/contract.js';
import type { IpcOutputs, ResignProgress, SessionState } from '../../src-shared/common/ipc/outputs.js';
import { ClerkSession } from '../session/clerk-session.js';
import { checkServiceUrl } from '../service-client/service-url.js';
import { readAgencyCa } from '../service-client/service-trust.js';
import type { DesktopApp } from '../app/desktop-app.js';
import { latestEvery } from './latest-every.js';

/** How often the window hears of a 補簽 batch's progress. */
const PROGRESS_EVERY_MS = 50;

/**
 * The IPC handlers: plain async functions (input, app) → output. Inputs arrive already validated
 * against src-shared/common/ipc/contract.ts. The Electron shell registers these with ipcMain.handle; the
 * end-to-end tests bind the very same functions to the page.
 */
export type IpcHandlers = { [C in IpcChannel]: (input: IpcParsedInput<C>, app: DesktopApp) => Promise<IpcOutputs[C]> };

function sessionState(app: DesktopApp): SessionState {
  return {
    user: app.session?.user ?? null,
    tempCertTicked: app.session?.tempCertTicked ?? false,
    serviceUrl: app.settings.get().serviceUrl,
    tempCertChanges: app.session?.tempCertChanges ?? [],
    loginMethod: app.session?.loginMethod ?? null,
    ...(app.session ? { reminders: app.session.reminders } : {}),
  };
}

/**
 * A 補簽 batch (one's own or on behalf) as the window runs it: one at a time (a new one stops the
 * old), cancelled by `resign:cancel`, its progress sent at most every PROGRESS_EVERY_MS.
 */
async function asResignBatch<T>(app: DesktopApp, batch: (run: { signal: AbortSignal; onProgress: (p: ResignProgress) => void }) => Promise<T>): Promise<T> {
  app.resignAbort?.abort();
  const abort = new AbortController();
  app.resignAbort = abort;
  const progress = latestEvery(PROGRESS_EVERY_MS, (p: ResignProgress) => app.emit('resign:progress', p));
  try {
    return await batch({ signal: abort.signal, onProgress: progress.push });
  } finally {
    progress.flush();
    if (app.resignAbort === abort) app.resignAbort = null;
  }
}

export const handlers: IpcHandlers = {
  'session:state': async (_input, app) => sessionState(app),
  'session:login': async ({ account, password }, app) => {
    const url = app.settings.get().serviceUrl;
    if (!url) throw new GongwenError('SERVICE_URL_MISSING', 'set the service address in Settings');
    // The previous clerk leaves first, whatever becomes of this login: a failed one must not leave their session in place.
    app.resignAbort?.abort();
    const previous = app.session;
    app.session = null;
    await previous?.logout();
    app.session = await ClerkSession.login(app.core, url, account, password, await app.settings.serviceTrust());
    return sessionState(app);
  },
  'session:cardLogin': async ({ account, pin }, app) => {
    const url = app.settings.get().serviceUrl;
    if (!url) throw new GongwenError('SERVICE_URL_MISSING', 'set the service address in Settings');
    // As for a password login: the previous clerk leaves first, whatever becomes of this one.
    app.resignAbort?.abort();
    const previous = app.session;
    app.session = null;
    await previous?.logout();
    app.session = await ClerkSession.loginWithCard(app.core, url, account, pin, await app.settings.serviceTrust());
    return sessionState(app);
  },
  'cards:list': async (_input, app) => app.requireSession().cards(),
  'cards:register': async ({ pin }, app) => {
    const session = app.requireSession();
    const registered = await session.registerNewCard(pin);
    return { ...registered, cards: await session.cards() };
  },
  'cards:retire': async ({ sha256 }, app) => app.requireSession().retireCard(sha256),
  'consoleLogin:lookup': async ({ userCode }, app) => app.requireSession().lookUpConsoleLogin(userCode),
  'consoleLogin:approve': async ({ userCode, pin }, app) => app.requireSession().approveConsoleLogin(userCode, pin),
  'session:logout': async (_input, app) => {
    app.resignAbort?.abort();
    await app.session?.logout();
    app.session = null;
    return sessionState(app);
  },
  'reminders:get': async (_input, app) => app.requireSession().refreshReminders(),
  'deputies:list': async (_input, app) => app.requireSession().client.deputies(),
  'deputies:name': async (input, app) => app.requireSession().client.nameDeputy(input),
  'deputies:withdraw': async ({ id }, app) => {
    const { client } = app.requireSession();
    await client.withdrawDeputy(id);
    return client.deputies();
  },
  'users:list': async (_input, app) => (await app.requireSession().client.users()).users,
  'documents:list': async (input, app) =>
    app.requireSession().client.documents({
      box: input.box,
      limit: input.limit,
      offset: input.offset,
      ...(input.q ? { q: input.q } : {}),
      ...(input.status ? { status: input.status } : {}),
    }),
  'documents:get': async ({ id }, app) => app.requireSession().openDocument(id),
  'documents:create': async (input, app) => app.requireSession().client.createDocument({ ...input, attachments: [] }),
  'step:send': async (input, app) => {
    const session = app.requireSession();
    const doc = await session.documentToSign(input.documentId, input.contentSha256);
    return session.send(
      doc,
      { action: input.action, recipient: input.recipient, opinion: input.opinion },
      { useTempCert: input.useTempCert, tempCertPassword: input.tempCertPassword, pin: input.pin },
    );
  },
  'outbox:state': async (_input, app) => (app.requireSession(), app.outboxItems()),
  'outbox:retry': async (_input, app) => {
    await app.requireSession().courier.flush();
    return app.outboxItems();
  },
  'outbox:dismiss': async ({ key }, app) => {
    // Only this clerk's own refused steps: another account's key is not found here.
    const session = app.requireSession();
    if (!app.core.outbox.refused(session.account).some((e) => e.key === key)) throw new GongwenError('NOT_FOUND');
    await app.core.outbox.dismiss(key);
    return app.outboxItems();
  },
  'tempCert:view': async (_input, app) => {
    const session = app.requireSession();
    return session.tempCerts.view(session.account);
  },
  'tempCert:apply': async ({ password, reason, loginPassword, periodEnd }, app) => {
    const session = app.requireSession();
    await session.tempCerts.apply(password, reason, loginPassword, app.pcLabel(), periodEnd);
    return session.tempCerts.view(session.account);
  },
  'tempCert:enable': async ({ password, pcLabel, loginPassword }, app) => {
    const session = app.requireSession();
    await session.tempCerts.enable(session.account, password, pcLabel ?? app.pcLabel(), loginPassword);
    return session.tempCerts.view(session.account);
  },
  'tempCert:delete': async ({ loginPassword }, app) => {
    const session = app.requireSession();
    await session.tempCerts.delete(session.account, loginPassword, app.pcLabel());
    return session.tempCerts.view(session.account);
  },
  'tempCert:disable': async (_input, app) => {
    const session = app.requireSession();
    await session.tempCerts.disable(session.account);
    return session.tempCerts.view(session.account);
  },
  'tempCert:approvals': async (_input, app) => (await app.requireSession().client.tempCertApprovals()).applications,
  'tempCert:decide': async (input, app) => (await app.requireSession().client.decideTempCert(input)).applications,
  'resign:pending': async (_input, app) => app.requireSession().listResign(),
  // Signs the list `resign:pending` returned and the clerk saw, never one fetched again.
  'resign:start': async ({ note, pin, confirmOtherPc }, app) => {
    const session = app.requireSession();
    if (!session.resignListShown) throw new GongwenError('RESIGN_NOT_LISTED');
    return asResignBatch(app, (run) => session.resign({ note, pin, ...run, confirmOtherPc: confirmOtherPc ?? [] }));
  },
  'resign:onBehalfPending': async (_input, app) => app.requireSession().listOnBehalf(),
  // Signs the selected steps of the list `resign:onBehalfPending` returned: one batch, as one's own.
  'resign:onBehalfStart': async ({ note, reason, pin, stepIds }, app) => {
    const session = app.requireSession();
    if (!session.onBehalfListShown) throw new GongwenError('RESIGN_NOT_LISTED');
    return asResignBatch(app, (run) => session.resignOnBehalf({ note, reason, pin, stepIds, ...run }));
  },
  'resign:cancel': async (_input, app) => {
    const running = app.resignAbort !== null;
    app.resignAbort?.abort();
    return { cancelled: running };
  },
  'card:status': async (_input, app) => app.core.card.status(),
  'card:diagnostics': async (_input, app) => app.core.card.diagnostics(),
  'card:choose': async ({ serial }, app) => app.chooseCard(serial),
  'settings:get': async (_input, app) => app.settings.get(),
  'settings:set': async (input, app) => {
    const before = app.settings.get();
    // A page could point the clerk's logins and signatures at another service: the clerk confirms it outside the page.
    if (input.serviceUrl !== undefined && input.serviceUrl !== before.serviceUrl && !before.serviceUrlLocked) {
      checkServiceUrl(input.serviceUrl);
      if (!(await app.confirmServiceUrl(input.serviceUrl, before.serviceUrl))) throw new GongwenError('SERVICE_URL_NOT_CONFIRMED');
    }
    // Trusting another CA could let a machine in the middle pose as the service: confirmed outside the page too.
    if (input.agencyCaPath && input.agencyCaPath !== before.agencyCaPath && !before.agencyCaLocked) {
      const subject = new X509Certificate(await readAgencyCa(input.agencyCaPath)).subject.replaceAll('\n', ', ');
      if (!(await app.confirmAgencyCa(input.agencyCaPath, subject))) throw new GongwenError('AGENCY_CA_NOT_CONFIRMED');
    }
    const after = await app.settings.set(input);
    if (after.modulePath !== before.modulePath) await app.replaceCard(after.modulePath);
    return after;
  },
};
