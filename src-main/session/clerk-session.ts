import type { LoginResponse } from '../../src-shared/api/accounts.js';
import type { DocumentView } from '../../src-shared/api/documents.js';
import { GongwenError } from '../../src-shared/errors.js';
import type { CardService } from '../card/card-service.js';
import type { SecretStore } from '../keychain/keychain.js';
import { Courier } from '../outbox/courier.js';
import type { Outbox } from '../outbox/outbox.js';
import { ServiceClient } from '../service-client/service-client.js';
import type { ResignReport, SendOutcome } from '../../src-shared/ipc/outputs.js';
import { runResignBatch, type ResignBatchOptions } from '../signing/resign-batch.js';
import { sendStep, type StepInput } from '../signing/step-sender.js';
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
  /** Documents as last opened, so that a step can be signed while the service is unreachable. */
  private readonly opened = new Map<string, DocumentView>();

  private constructor(
    readonly core: SigningCore,
    readonly client: ServiceClient,
    readonly user: LoginResponse['user'],
    /** Changes to this person's temp cert since their previous login, as the service told at login. */
    readonly tempCertChanges: LoginResponse['tempCertChanges'] = [],
  ) {
    this.tempCerts = new TempCertStore(core.dataDir, core.keychain, client);
    this.courier = new Courier(core.outbox, () => ({ account: user.account, client }));
  }

  static async login(core: SigningCore, serviceUrl: string, account: string, password: string): Promise<ClerkSession> {
    const client = new ServiceClient({ baseUrl: serviceUrl });
    const answer = await client.login(account, password);
    const session = new ClerkSession(core, client, answer.user, answer.tempCertChanges);
    session.courier.start(); // whatever this clerk signed before (a crash, a dead network) goes out now
    return session;
  }

  get account(): string {
    return this.user.account;
  }

  /** The check box's state for the next send dialog. */
  get tempCertTicked(): boolean {
    return this.tempCertChosen;
  }

  async openDocument(id: string): Promise<DocumentView> {
    const doc = await this.client.document(id);
    this.opened.set(id, doc);
    return doc;
  }

  /** The document as the service shows it now, or, offline, as it was last opened in this login. */
  async documentToSign(id: string): Promise<DocumentView> {
    try {
      return await this.openDocument(id);
    } catch (error) {
      const known = this.opened.get(id);
      if (known && error instanceof GongwenError && error.code === 'SERVICE_UNREACHABLE') return known;
      throw error;
    }
  }

  async send(doc: DocumentView, input: StepInput, how: SendHow): Promise<SendOutcome> {
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

  resign(options: Omit<ResignBatchOptions, 'client' | 'card'>): Promise<ResignReport> {
    return runResignBatch({ ...options, client: this.client, card: this.core.card });
  }

  /** The key leaves memory, the check box clears, the courier pauses (it resumes at the next login). */
  async logout(): Promise<void> {
    this.tempCerts.lock();
    this.tempCertChosen = false;
    this.opened.clear();
    this.courier.stop();
    await this.client.logout().catch(() => {});
  }
}
