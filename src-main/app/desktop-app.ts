import { hostname } from 'node:os';
import { join } from 'node:path';
import type { IpcEvent } from '../../src-shared/common/ipc/contract.js';
import type { IpcEventPayloads, OutboxItem } from '../../src-shared/common/ipc/outputs.js';
import { GongwenError, messageOf } from '../../src-shared/common/errors.js';
import type { CardStatus } from '../../src-shared/common/card-status.js';
import { CardService, type CardOptions } from '../card/card-service.js';
import { OsKeychain, type SecretStore } from '../keychain/keychain.js';
import { Outbox, type OutboxEntry, type RefusedEntry } from '../outbox/outbox.js';
import { ClerkSession, type SigningCore } from '../session/clerk-session.js';
import { SettingsStore } from './settings-store.js';

export interface DesktopAppOptions {
  dataDir: string;
  /** The demo and the tests point the app at their service; an installed app reads Settings. */
  defaultServiceUrl?: string;
  adminConfig?: string;
  keychain?: SecretStore;
  /** The module to use while Settings name none (the demo points at its virtual card). */
  defaultModulePath?: string;
  card?: Omit<CardOptions, 'modulePath'>;
  /**
   * Asks the clerk, outside the page's reach (the shell's native dialog), whether the service
   * address may change to `next`. Without it no change from the page is accepted.
   */
  confirmServiceUrl?: (next: string, current: string) => Promise<boolean>;
  /** As `confirmServiceUrl`, for a new agency CA (its file and subject). Without it none is accepted from the page. */
  confirmAgencyCa?: (path: string, subject: string) => Promise<boolean>;
}

/**
 * The desktop app's main-process state, without Electron: the signing core, the settings and the
 * current login. The IPC handlers act on it; the shell and the end-to-end tests both drive it.
 */
export class DesktopApp {
  session: ClerkSession | null = null;
  resignAbort: AbortController | null = null;
  private readonly listeners = new Set<(event: IpcEvent, payload: unknown) => void>();
  private stopCardEvents: () => void;

  private constructor(
    readonly core: SigningCore,
    readonly settings: SettingsStore,
    private readonly cardOptions: DesktopAppOptions['card'],
    readonly confirmServiceUrl: (next: string, current: string) => Promise<boolean> = async () => false,
    readonly confirmAgencyCa: (path: string, subject: string) => Promise<boolean> = async () => false,
  ) {
    this.stopCardEvents = this.watchCard();
    // Counts of the logged-in clerk's steps only; nobody logged in, nothing.
    core.outbox.onChange(() => {
      const account = this.session?.account;
      this.emit(
        'outbox:changed',
        account ? { pending: core.outbox.pending(account).length, refused: core.outbox.refused(account).length } : { pending: 0, refused: 0 },
      );
    });
  }

  static async start(options: DesktopAppOptions): Promise<DesktopApp> {
    const settings = await SettingsStore.open(options.dataDir, { adminConfig: options.adminConfig, defaultServiceUrl: options.defaultServiceUrl });
    const modulePath = settings.get().modulePath || options.defaultModulePath || undefined;
    const core: SigningCore = {
      card: new CardService({ ...options.card, modulePath, chosenSerial: settings.get().cardSerial ?? null }),
      keychain: options.keychain ?? new OsKeychain(),
      dataDir: options.dataDir,
      outbox: await Outbox.open(join(options.dataDir, 'outbox')),
    };
    return new DesktopApp(core, settings, options.card, options.confirmServiceUrl, options.confirmAgencyCa);
  }

  /** This PC's name, shown with the temp cert so a clerk knows which PCs hold one. */
  pcLabel(): string {
    return hostname();
  }

  requireSession(): ClerkSession {
    if (!this.session) throw new GongwenError('UNAUTHENTICATED');
    return this.session;
  }

  /** A new PKCS#11 module from Settings takes effect at once. */
  async replaceCard(modulePath: string): Promise<void> {
    this.stopCardEvents();
    await this.core.card.close();
    this.core.card = new CardService({ ...this.cardOptions, modulePath: modulePath || undefined, chosenSerial: this.settings.get().cardSerial ?? null });
    this.stopCardEvents = this.watchCard();
  }

  /**
   * The clerk chooses the card to use among those present; the choice is remembered on this PC.
   * Only a card present now can be chosen (the serial comes from the page). Null forgets the choice.
   */
  async chooseCard(serial: string | null): Promise<CardStatus> {
    if (serial !== null) {
      const status = await this.core.card.status();
      if (!status.cards?.some((c) => c.serial === serial)) throw new GongwenError('CARD_NOT_IN_READER');
    }
    await this.settings.set({ cardSerial: serial ?? '' });
    return this.core.card.choose(serial);
  }

  private watchCard(): () => void {
    return this.core.card.onStatus((status) => this.emit('card:status-changed', status));
  }

  on(listener: (event: IpcEvent, payload: unknown) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit<E extends IpcEvent>(event: E, payload: IpcEventPayloads[E]): void {
    for (const listener of this.listeners) listener(event, payload);
  }

  /** The logged-in clerk's queued and refused steps; nobody's when nobody is logged in. */
  outboxItems(): { pending: OutboxItem[]; refused: OutboxItem[] } {
    const account = this.session?.account;
    if (!account) return { pending: [], refused: [] };
    const item = (e: OutboxEntry | RefusedEntry): OutboxItem => ({
      key: e.key,
      documentId: e.documentId,
      documentNumber: e.documentNumber,
      action: e.request.action,
      recipient: e.request.recipient ?? null,
      queuedAt: e.queuedAt,
      ...('code' in e ? { refused: { code: e.code, message: messageOf(e.code, this.settings.get().language), at: e.refusedAt } } : {}),
    });
    return { pending: this.core.outbox.pending(account).map(item), refused: this.core.outbox.refused(account).map(item) };
  }

  async close(): Promise<void> {
    this.resignAbort?.abort();
    await this.session?.logout().catch(() => {});
    await this.core.card.close();
    await this.core.outbox.close();
  }
}

export { ClerkSession };
