import type { LoginResponse } from '../../src-shared/common/api/accounts.js';
import type { DocumentView } from '../../src-shared/common/api/documents.js';
import { GongwenError } from '../../src-shared/common/errors.js';
import { NO_REMINDERS } from '../../src-shared/common/api/organisation.js';
import type { CardService } from '../card/card-service.js';
import type { SecretStore } from '../keychain/keychain.js';
import { Courier } from '../outbox/courier.js';
import type { Outbox } from '../outbox/outbox.js';
import { ServiceClient } from '../service-client/service-client.js';
import type { ServiceTrust } from '../service-client/service-trust.js';
import type { OnBehalfListed, ResignListed, ResignReport, SendOutcome } from '../../src-shared/common/ipc/outputs.js';
import { runResignBatch, type ResignBatchOptions, type ResignPage, type ToCountersign } from '../signing/resign-batch.js';
import { checkOnBehalfStep, checkPendingStep, toSign, type CheckedOnBehalfStep, type CheckedResignStep } from '../signing/resign-list.js';
import { checkedContentDigest } from '../signing/content-check.js';
import { sendStep, type StepInput } from '../signing/step-sender.js';
import { signCardStatement } from '../signing/card-statement.js';
import type { CardRecord, RegisterCardResponse } from '../../src-shared/common/api/cards.js';
import { displayUserCode, userCode as typedUserCode, type ConsoleLoginApproved } from '../../src-shared/common/api/console-card-login.js';
import type { ConsoleLoginRequestView } from '../../src-shared/common/ipc/outputs.js';
import { TempCertStore } from '../temp-cert/temp-cert-store.js';

/** What lives as long as the app: the card, the keychain, the data folder and the outbox. */
export interface SigningCore {
  card: CardService;
  keychain: SecretStore;
  dataDir: string;
  outbox: Outbox;
}

/** How the clerk signs this send: with the card's PIN, or with the temp cert (password the first time in a login). */
export interface SendHow {
  useTempCert?: boolean;
  tempCertPassword?: string;
  pin?: string;
}

/**
 * One login on this PC. It holds the service client, the temp cert (unlocked at most once per
 * login) and the sticky "使用軟體臨時憑證" choice: once a send used the temp cert, the next ones do
 * too until logout (the source document's step 9), unless the clerk unticks it.
 */
export class ClerkSession {
  readonly tempCerts: TempCertStore;
  readonly courier: Courier;
  private tempCertChosen = false;
  /** IFT940's list as last shown to the clerk, checked on this PC: a batch signs exactly these. */
  private shownResign: CheckedResignStep[] | null = null;
  /** IFT940's 代為補簽 list as last shown, checked on this PC: a batch signs the selected ones of these. */
  private shownOnBehalf: CheckedOnBehalfStep[] | null = null;
  /** Documents as last opened, so that a step can be signed while the service is unreachable. */
  private readonly opened = new Map<string, DocumentView>();
  /** The console login request last looked up, with the service's challenge for it (not the renderer's to see). */
  private consoleLogin: { userCode: string; challenge: string } | null = null;

  private constructor(
    readonly core: SigningCore,
    readonly client: ServiceClient,
    readonly user: LoginResponse['user'],
    /** Changes to this person's temp cert since their previous login, as the service told at login. */
    readonly tempCertChanges: LoginResponse['tempCertChanges'] = [],
    /** 密碼 or 憑證卡: how this login was made. */
    readonly loginMethod: LoginResponse['loginMethod'] = 'password',
    /** Pending 補簽 (and a unit head's overdue count): from the login answer, refreshed on asking. */
    public reminders: LoginResponse['reminders'] = NO_REMINDERS,
  ) {
    this.tempCerts = new TempCertStore(core.dataDir, core.keychain, client);
    this.courier = new Courier(core.outbox, () => ({ account: user.account, client }));
  }

  static async login(core: SigningCore, serviceUrl: string, account: string, password: string, trust?: ServiceTrust): Promise<ClerkSession> {
    const client = new ServiceClient({ baseUrl: serviceUrl, trust });
    const answer = await client.login(account, password);
    const session = new ClerkSession(core, client, answer.user, answer.tempCertChanges, answer.loginMethod, answer.reminders);
    session.courier.start(); // whatever this clerk signed before (a crash, a dead network) goes out now
    return session;
  }

  /**
   * 憑證卡登入: the service issues a challenge, the card in the reader signs this PC's statement
   * over it (`signCardStatement`: PIN, sign, log out), and the service opens a session when the card
   * is registered to `account`. The PIN goes to the card only.
   */
  static async loginWithCard(core: SigningCore, serviceUrl: string, account: string, pin: string, trust?: ServiceTrust): Promise<ClerkSession> {
    const client = new ServiceClient({ baseUrl: serviceUrl, trust });
    const { challenge } = await client.cardLoginChallenge();
    const proof = await signCardStatement(core.card, pin, { service: client.baseUrl.host, purpose: 'login', account, challenge });
    const answer = await client.cardLogin({ account, ...proof });
    const session = new ClerkSession(core, client, answer.user, answer.tempCertChanges, answer.loginMethod, answer.reminders);
    session.courier.start();
    return session;
  }

  /**
   * 註冊新憑證卡: the card now in the reader (the new one) signs a `register-card` statement over
   * a challenge issued to this login; the service registers it when it names the same person as
   * a card already registered to this account.
   */
  async registerNewCard(pin: string): Promise<RegisterCardResponse> {
    const { challenge } = await this.client.registerCardChallenge();
    const proof = await signCardStatement(this.core.card, pin, {
      service: this.client.baseUrl.host,
      purpose: 'register-card',
      account: this.account,
      challenge,
    });
    return this.client.registerCard(proof);
  }

  /**
   * 主控台登入核准, step 1: where the login request of a code the console page shows came from,
   * and the service's challenge for it, kept here (one at a time) for the approval.
   */
  async lookUpConsoleLogin(userCode: string): Promise<ConsoleLoginRequestView> {
    const { challenge, challengeExpiresAt: _expires, ...view } = await this.client.consoleLoginLookup({ userCode });
    this.consoleLogin = { userCode: view.userCode, challenge };
    return view;
  }

  /**
   * 主控台登入核准, step 2: the card signs this PC's `console-login` statement over the challenge
   * the lookup of this code got (PIN, sign, log out, as a card login does); the service checks it
   * and lets the browser that asked pick up its console session.
   */
  async approveConsoleLogin(userCode: string, pin: string): Promise<ConsoleLoginApproved> {
    const looked = this.consoleLogin;
    if (!looked || looked.userCode !== displayUserCode(typedUserCode.parse(userCode)))
      throw new GongwenError('CONSOLE_CARD_LOGIN_UNKNOWN', 'look the code up first');
    this.consoleLogin = null;
    const proof = await signCardStatement(this.core.card, pin, {
      service: this.client.baseUrl.host,
      purpose: 'console-login',
      account: this.account,
      challenge: looked.challenge,
    });
    return this.client.consoleLoginApprove({ userCode, ...proof });
  }

  async cards(): Promise<CardRecord[]> {
    return (await this.client.cards()).cards;
  }

  async retireCard(sha256: string): Promise<CardRecord[]> {
    await this.client.retireCard(sha256);
    return this.cards();
  }

  /** Asks the service again (after a 補簽 batch, or when the clerk comes back to the inbox). */
  async refreshReminders(): Promise<LoginResponse['reminders']> {
    this.reminders = await this.client.reminders();
    return this.reminders;
  }

  get account(): string {
    return this.user.account;
  }

  /** The check box's state for the next send dialog. */
  get tempCertTicked(): boolean {
    return this.tempCertChosen;
  }

  /**
   * The document with its content digest checked here (attachments downloaded and hashed), so the
   * digest the page shows, and later passes back with the send, is one the client computed.
   */
  async openDocument(id: string): Promise<DocumentView> {
    const doc = await this.client.document(id);
    await this.checkContent(doc);
    this.opened.set(id, doc);
    return doc;
  }

  private checkContent(doc: DocumentView): Promise<string> {
    return checkedContentDigest(doc, (attachmentId) => this.client.attachment(doc.id, attachmentId));
  }

  /**
   * The document as the service shows it now, or, offline, as it was last opened in this login.
   * `shownContentSha256` is the digest the page displayed: when the content is no longer that, the
   * clerk would sign something they were not shown, and the send is refused.
   */
  async documentToSign(id: string, shownContentSha256?: string): Promise<DocumentView> {
    let doc: DocumentView;
    try {
      doc = await this.openDocument(id);
    } catch (error) {
      const known = this.opened.get(id);
      if (!(known && error instanceof GongwenError && error.code === 'SERVICE_UNREACHABLE')) throw error;
      doc = known;
    }
    if (shownContentSha256 !== undefined && doc.contentSha256 !== shownContentSha256) throw new GongwenError('DOCUMENT_CHANGED_SINCE_SHOWN');
    return doc;
  }

  async send(doc: DocumentView, input: StepInput, how: SendHow): Promise<SendOutcome> {
    // Signs only a digest the client computed: a document opened here was checked then (and may be
    // signed offline); any other is checked now.
    if (this.opened.get(doc.id) !== doc) await this.checkContent(doc);
    const useTemp = how.useTempCert ?? this.tempCertChosen;
    if (useTemp) {
      if (!this.tempCerts.isUnlocked(this.account)) {
        if (!how.tempCertPassword) throw new GongwenError('TEMP_CERT_LOCKED');
        await this.tempCerts.unlock(this.account, how.tempCertPassword);
      }
      const outcome = await sendStep({ outbox: this.core.outbox, courier: this.courier }, this.account, doc, input, this.tempCerts.signer(this.account));
      this.tempCertChosen = true;
      return outcome;
    }
    this.tempCertChosen = false;
    if (!how.pin) throw new GongwenError('CARD_PIN_LENGTH', 'enter the card PIN');
    const card = await this.core.card.openSession(how.pin);
    try {
      return await sendStep({ outbox: this.core.outbox, courier: this.courier }, this.account, doc, input, card.signer);
    } finally {
      await card.close().catch(() => {});
    }
  }

  /** IFT940's list, each step checked on this PC (`checkPendingStep`), kept as the list the next batch signs. */
  async listResign(): Promise<ResignListed[]> {
    this.shownResign = await this.checkedPendingSteps();
    return this.shownResign.map((c) => c.listed);
  }

  get resignListShown(): boolean {
    return this.shownResign !== null;
  }

  /**
   * 補簽 of the list last shown (`listResign`): its steps signed here, and those signed on another
   * PC that the clerk confirmed; the refused ones, and other-PC ones not confirmed, are reported
   * refused with their reason. Without a list shown (tests, scripts), the list is fetched and
   * checked now the same way.
   */
  async resign(options: Omit<ResignBatchOptions, 'client' | 'card' | 'pages'> & { confirmOtherPc?: readonly string[] }): Promise<ResignReport> {
    const { confirmOtherPc = [], ...batch } = options;
    const checked = this.shownResign ?? (await this.checkedPendingSteps());
    const confirmed = new Set(confirmOtherPc);
    const signing = toSign(checked, confirmed);
    const report = await runResignBatch({ ...batch, client: this.client, card: this.core.card, pages: pagesOf(signing) });
    const skipped = checked
      .filter((c) => c.listed.signedWith === 'refused' || (c.listed.signedWith === 'other-pc' && !confirmed.has(c.listed.stepId)))
      .map((c) => ({ stepId: c.listed.stepId, documentNumber: c.listed.documentNumber, code: c.listed.refusal?.code ?? 'RESIGN_OTHER_PC_UNCONFIRMED' }));
    return { ...report, total: report.total + skipped.length, refused: [...skipped, ...report.refused] };
  }

  /** IFT940's 代為補簽 list, each step checked on this PC (`checkOnBehalfStep`), kept as the list the next batch signs from. */
  async listOnBehalf(): Promise<OnBehalfListed[]> {
    const checked: CheckedOnBehalfStep[] = [];
    let after: string | undefined;
    do {
      const page = await this.client.pendingOnBehalf({ limit: 250, ...(after ? { after } : {}) });
      for (const step of page.steps) checked.push(checkOnBehalfStep(step));
      after = page.next;
    } while (after);
    this.shownOnBehalf = checked;
    return checked.map((c) => c.listed);
  }

  get onBehalfListShown(): boolean {
    return this.shownOnBehalf !== null;
  }

  /**
   * 代為補簽 of the steps selected from the list last shown (`listOnBehalf`), with the reason: the
   * same batch as one's own (one PIN, progress, cancel; a re-run signs the rest). Selected steps
   * this PC refused are reported refused with their reason; unknown ids are ignored.
   */
  async resignOnBehalf(
    options: Omit<ResignBatchOptions, 'client' | 'card' | 'pages' | 'reason'> & { reason: string; stepIds: readonly string[] },
  ): Promise<ResignReport> {
    const { stepIds, ...batch } = options;
    const selected = new Set(stepIds);
    const chosen = (this.shownOnBehalf ?? []).filter((c) => selected.has(c.listed.stepId));
    const signing = chosen.filter((c) => c.toCountersign).map((c) => c.toCountersign!);
    const report = await runResignBatch({ ...batch, client: this.client, card: this.core.card, pages: pagesOf(signing) });
    const skipped = chosen
      .filter((c) => !c.toCountersign)
      .map((c) => ({ stepId: c.listed.stepId, documentNumber: c.listed.documentNumber, code: c.listed.refusal?.code ?? 'RESIGN_PAYLOAD_MISMATCH' }));
    return { ...report, total: report.total + skipped.length, refused: [...skipped, ...report.refused] };
  }

  private async checkedPendingSteps(): Promise<CheckedResignStep[]> {
    const context = { account: this.account, enabledHere: await this.tempCerts.enabledHere(this.account) };
    const checked: CheckedResignStep[] = [];
    let after: string | undefined;
    do {
      const page = await this.client.pendingResign({ limit: 250, ...(after ? { after } : {}) });
      for (const step of page.steps) checked.push(checkPendingStep(step, context));
      after = page.next;
    } while (after);
    return checked;
  }

  /** The key leaves memory, the check box clears, the courier pauses (it resumes at the next login). */
  async logout(): Promise<void> {
    this.tempCerts.lock();
    this.tempCertChosen = false;
    this.opened.clear();
    this.shownResign = null;
    this.shownOnBehalf = null;
    this.courier.stop();
    await this.client.logout().catch(() => {});
  }
}

/** A list held in memory, as the batch's pages. */
async function* pagesOf(steps: readonly ToCountersign[], size = 250): AsyncGenerator<ResignPage> {
  for (let at = 0; at < steps.length; at += size) yield { total: steps.length, steps: steps.slice(at, at + size) };
}
