import type { UserSummary } from '../api/accounts.js';
import type { ActionResult, DocumentList, DocumentView } from '../api/documents.js';
import type { OnBehalfPendingStep, PendingResignStep } from '../api/resign.js';
import type { CardRecord } from '../api/cards.js';
import type { ConsoleLoginApproved, ConsoleLoginLookup } from '../api/console-card-login.js';
import type { TempCertPolicy } from '../api/policy.js';
import type { TempCertApplicationForHead, TempCertChange, TempCertDecision } from '../api/temp-cert.js';
import type { Deputy, DeputyList, Reminders } from '../api/organisation.js';
import type { CardDiagnostics, CardStatus } from '../card-status.js';
import type { ErrorCode } from '../errors.js';
import type { Action } from '../flow.js';
import type { IpcChannel } from './contract.js';

/** A console login request as the approval dialog shows it: where it came from (the challenge stays in the main process). */
export type ConsoleLoginRequestView = Omit<ConsoleLoginLookup, 'challenge' | 'challengeExpiresAt'>;

/** IFT930's view: the service's state joined with this PC's. */
export interface TempCertView {
  /**
   * The seed's states: none (not applied) · pending-approval (待主管核准) · rejected · applied (not
   * on this PC) · enabled-here · enabled-elsewhere (on other PCs, not this one) · disabled (臨時憑證停用)
   */
  state: 'none' | 'pending-approval' | 'rejected' | 'applied' | 'enabled-here' | 'enabled-elsewhere' | 'disabled';
  reason: string | null;
  appliedAt: string | null;
  local: { account: string; serial: string; notAfter: string; pcLabel: string; enabledAt: string } | null;
  unlocked: boolean;
  /** The end of the period the agency's policy set for this application; null: no time limit. */
  periodEnd?: string | null;
  /** The unit head's decision, once made. */
  decision?: TempCertDecision | null;
  /** The agency's temp-cert policy, so the screen can ask for an end date and say who approves. */
  policy?: TempCertPolicy;
}

export interface ResignProgress {
  done: number;
  total: number;
  current?: { documentNumber: string; seq: number };
}

/**
 * A pending 補簽 step as this PC checked it (IFT940's list): its signature verified over its
 * payload and made with a temp certificate enabled here (`this-pc`), or with one of the clerk's
 * enabled on another PC (`other-pc`: shown apart, signed only once the clerk confirms it), or
 * refused with the reason; the card countersigns only the first two.
 */
export interface ResignListed extends Omit<PendingResignStep, 'signatureValue' | 'signature' | 'payload'> {
  signedWith: 'this-pc' | 'other-pc' | 'refused';
  /** What the temp signature covers, when it verified. */
  signed?: { action: string; recipient: string | null; opinion: string; signingTime: string };
  refusal?: { code: ErrorCode; message: string };
}

/**
 * A step of IFT940's second list, 代為補簽, as this PC checked it: its signature verified over its
 * payload, which names the listed signer as sender (`listed`), or refused with the reason. What the
 * signer signed is shown, so the re-signer sees what their card will back.
 */
export interface OnBehalfListed extends Omit<OnBehalfPendingStep, 'signatureValue' | 'signature' | 'payload'> {
  checked: 'listed' | 'refused';
  signed?: { action: string; recipient: string | null; opinion: string; signingTime: string };
  refusal?: { code: ErrorCode; message: string };
}

export interface ResignReport {
  total: number;
  resigned: number;
  alreadyResigned: number;
  refused: { stepId: string; documentNumber: string; code: string }[];
}

export type SendOutcome = ({ status: 'delivered'; result: ActionResult } | { status: 'queued'; reason: ErrorCode }) & { key: string };

/** A signed step as the outbox shows it to the clerk (without its signature). */
export interface OutboxItem {
  key: string;
  documentId: string;
  documentNumber: string;
  action: Action;
  recipient: string | null;
  queuedAt: string;
  refused?: { code: string; message: string; at: string };
}

export interface DesktopSettings {
  serviceUrl: string;
  modulePath: string;
  language: 'zh-TW' | 'en';
  /** Set by an administrator's configuration file: the clerk cannot change the service URL. */
  serviceUrlLocked: boolean;
  /** The card the clerk chose among several (token serial), remembered on this PC. */
  cardSerial?: string;
  /** The agency CA (PEM file) trusted for the service's HTTPS beside the OS store; '' for none. */
  agencyCaPath: string;
  /** Set by an administrator's configuration file: the clerk cannot change the agency CA. */
  agencyCaLocked: boolean;
}

export interface SessionState {
  user: UserSummary | null;
  /** The 使用軟體臨時憑證 box, as it stands for the next send (sticky until logout). */
  tempCertTicked: boolean;
  serviceUrl: string;
  /** Changes to the temp cert since the previous login (any PC): shown at once, so one not made by the clerk is noticed. */
  tempCertChanges?: TempCertChange[];
  /** How the clerk logged in: 密碼 or 憑證卡 (null: nobody is logged in). */
  loginMethod?: 'password' | 'card' | null;
  /** Pending 補簽 and, for a unit head, their people's overdue steps: shown after login. */
  reminders?: Reminders;
}

/** What each channel answers. */
export interface IpcOutputs {
  'session:state': SessionState;
  'session:login': SessionState;
  'session:logout': SessionState;
  'session:cardLogin': SessionState;
  'cards:list': CardRecord[];
  'cards:register': { card: CardRecord; alreadyRegistered: boolean; cards: CardRecord[] };
  'cards:retire': CardRecord[];
  'consoleLogin:lookup': ConsoleLoginRequestView;
  'consoleLogin:approve': ConsoleLoginApproved;
  'users:list': UserSummary[];
  'documents:list': DocumentList;
  'documents:get': DocumentView;
  'documents:create': DocumentView;
  'step:send': SendOutcome;
  'outbox:state': { pending: OutboxItem[]; refused: OutboxItem[] };
  'outbox:retry': { pending: OutboxItem[]; refused: OutboxItem[] };
  'outbox:dismiss': { pending: OutboxItem[]; refused: OutboxItem[] };
  'tempCert:view': TempCertView;
  'tempCert:apply': TempCertView;
  'tempCert:enable': TempCertView;
  'tempCert:delete': TempCertView;
  'tempCert:disable': TempCertView;
  'tempCert:approvals': TempCertApplicationForHead[];
  'tempCert:decide': TempCertApplicationForHead[];
  'resign:pending': ResignListed[];
  'resign:start': ResignReport;
  'resign:cancel': { cancelled: boolean };
  'reminders:get': Reminders;
  'deputies:list': DeputyList;
  'deputies:name': Deputy;
  'deputies:withdraw': DeputyList;
  'resign:onBehalfPending': OnBehalfListed[];
  'resign:onBehalfStart': ResignReport;
  'card:status': CardStatus;
  'card:diagnostics': CardDiagnostics;
  'card:choose': CardStatus;
  'settings:get': DesktopSettings;
  'settings:set': DesktopSettings;
}

export type IpcOutput<C extends IpcChannel> = IpcOutputs[C];

export interface IpcEventPayloads {
  'card:status-changed': CardStatus;
  'resign:progress': ResignProgress;
  'outbox:changed': { pending: number; refused: number };
}
