import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

/**
 * The service's tables. Instants are ISO 8601 UTC text (sortable, identical in SQLite and
 * PostgreSQL); flags are 0/1 integers; binary values are BLOB / bytea.
 */
export interface Database {
  units: UnitTable;
  users: UserTable;
  card_certificates: CardCertificateTable;
  carried_certificates: CarriedCertificateTable;
  sessions: SessionTable;
  password_failures: PasswordFailureTable;
  documents: DocumentTable;
  attachments: AttachmentTable;
  steps: StepTable;
  idempotency_keys: IdempotencyKeyTable;
  temp_cert_applications: TempCertApplicationTable;
  temp_certificates: TempCertificateTable;
  audit_log: AuditLogTable;
  audit_pending: AuditPendingTable;
  document_sequences: DocumentSequenceTable;
  signature_time_stamps: SignatureTimeStampTable;
  tsa_certificates: TsaCertificateTable;
  deputies: DeputyTable;
  attachment_uploads: AttachmentUploadTable;
  card_challenges: CardChallengeTable;
  temp_ca_crls: TempCaCrlTable;
  paper_resigns: PaperResignTable;
  card_crls: CardCrlTable;
  signature_crls: SignatureCrlTable;
  relied_temp_ca_crls: ReliedTempCaCrlTable;
  sealed_service_keys: SealedServiceKeyTable;
  user_roles: UserRoleTable;
  admin_sessions: AdminSessionTable;
  console_card_logins: ConsoleCardLoginTable;
}

/** The temp CA's or the TSA's key, sealed, shared by every instance on the database (migration 0090). */
export interface SealedServiceKeyTable {
  /** 'temp-ca' or 'tsa'. */
  purpose: string;
  certificate: Uint8Array;
  /** version ‖ IV ‖ GCM tag ‖ ciphertext (src-server/keys/seal.ts). */
  sealed_key: Uint8Array;
  /** Which seal key sealed it (an HMAC of that key, src-server/keys/seal.ts). */
  seal_key_id: string;
  made_at: string;
}

/** A one-time challenge for a card statement, by its SHA-256 (migration 0013). */
export interface CardChallengeTable {
  challenge_sha256: string;
  /** 'login' or 'register-card'. */
  purpose: string;
  /** The session's user a register-card challenge was issued to; null for login. */
  user_id: string | null;
  issued_at: string;
  expires_at: string;
  used_at: string | null;
}

/** A step re-signed on paper (紙本補簽): the scan and the unit head's signed record of it (migration 0050). */
export interface PaperResignTable {
  step_id: string;
  scan: Uint8Array;
  /** 'application/pdf', 'image/png' or 'image/jpeg', from the scan's first bytes. */
  scan_media_type: string;
  scan_sha256: string;
  /** The exact bytes the unit head's card signed (RFC 8785 JSON naming the step, the scan's hash and the reason). */
  record: Uint8Array;
  /** The CMS SignedData over `record`, detached. */
  signature: Uint8Array;
  certificate_sha256: string;
  recorded_by_user_id: string;
  recorded_at: string;
}

/** A CRL for a card CA the service accepted, kept once by its SHA-256 (migration 0070). */
export interface CardCrlTable {
  sha256: string;
  der: Uint8Array;
  /** The CA certificate whose key verified it. */
  issuer_sha256: string;
  this_update: string;
  next_update: string;
  fetched_at: string;
}

/** A temp CA CRL a temp-cert signature relied on, kept once by its SHA-256 (migration 0100). */
export interface ReliedTempCaCrlTable {
  sha256: string;
  der: Uint8Array;
  number: number;
  this_update: string;
  next_update: string;
}

/** What a signature's revocation check relied on, per issuer of the signer's path (migration 0070). */
export interface SignatureCrlTable {
  step_id: string;
  signer: string;
  issuer_sha256: string;
  crl_sha256: string | null;
  status: string;
}

/** An RFC 3161 token over the signature value of a step's signature or countersignature (migration 0010). */
export interface SignatureTimeStampTable {
  step_id: string;
  /** 'signature' or 'countersignature': which SignerInfo of the step the token is over. */
  signer: string;
  /** Null while pending: the external TSA was down when the signature was accepted. */
  token: Uint8Array | null;
  gen_time: string | null;
  tsa_certificate_sha256: string | null;
  /** Tries so far to fetch a pending token. */
  attempts: Generated<number>;
}

/** The certificates of the TSAs that issued tokens, by their SHA-256. */
export interface TsaCertificateTable {
  sha256: string;
  der: Uint8Array;
}

export interface DocumentSequenceTable {
  roc_year: number;
  last: number;
}

export interface UnitTable {
  id: string;
  name: string;
  /** The unit's head (權責主管), who may re-sign on behalf of its people (migration 0030): approves temp-cert applications and may re-sign on their behalf. */
  head_user_id: ColumnType<string | null, string | null | undefined, string | null>;
}

/** A person's deputy (職務代理人) for a range of days in Taiwan's time, both ends included (migration 0030): approves temp-cert applications and may re-sign on their behalf. */
export interface DeputyTable {
  id: string;
  /** The person acted for. */
  user_id: string;
  deputy_user_id: string;
  /** YYYY-MM-DD */
  starts_on: string;
  /** YYYY-MM-DD */
  ends_on: string;
  /** The person themself, or their unit head for someone who named no deputy. */
  named_by_user_id: string;
  named_at: string;
  withdrawn_at: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface UserTable {
  id: string;
  account: string;
  name: string;
  unit_id: string;
  title: string;
  password_hash: string;
  created_at: string;
  /** When the person left the agency (離職): from then on they neither log in nor sign (migration 0030): approves temp-cert applications and may re-sign on their behalf. */
  separated_at: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface CardCertificateTable {
  sha256: string;
  user_id: string;
  subject: string;
  serial: string;
  not_before: string;
  not_after: string;
  der: Uint8Array;
  registered_at: string;
  /** JSON array of the SHA-256 of the intermediates it was registered with (in carried_certificates); null when none. */
  intermediates: ColumnType<string | null, string | null | undefined, string | null>;
  /** Retired: signs and logs in no more; kept so what it signed still verifies (migration 0013). */
  retired_at: ColumnType<string | null, string | null | undefined, string | null>;
  retired_by: ColumnType<string | null, string | null | undefined, string | null>;
  /** The account that registered it; null when an administrator did at the command line. */
  registered_by: ColumnType<string | null, string | null | undefined, string | null>;
}

/** Certificates that came with 補簽 countersignatures (the card's and its intermediates), by their SHA-256. */
export interface CarriedCertificateTable {
  sha256: string;
  der: Uint8Array;
}

export interface SessionTable {
  token_sha256: string;
  user_id: string;
  created_at: string;
  expires_at: string;
  ended_at: string | null;
  /** 'password' or 'card' (migration 0013). */
  login_method: ColumnType<string, string | undefined, string>;
  /** The card a card login was made with. */
  card_sha256: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface PasswordFailureTable {
  id: Generated<number>;
  /** What was guessed at: 'login:<account>' or 'temp-cert:<user id>'. */
  subject: string;
  failed_at: string;
}

export interface DocumentTable {
  id: string;
  number: string;
  subject: string;
  body: string;
  content_sha256: string;
  status: string;
  created_by: string;
  created_at: string;
  updated_at: string;
  /** Current holder; null once the flow has ended. */
  holder_user_id: string | null;
  /** 序 of the current step. */
  current_seq: number;
  /** Issued for the current step; a signature must name it, so it cannot be replayed elsewhere. */
  step_token: string | null;
}

/** An attachment's bytes uploaded before the document that names it (migration 0060). */
export interface AttachmentUploadTable {
  id: string;
  user_id: string;
  size: number;
  sha256: string;
  content: Uint8Array;
  uploaded_at: string;
}

export interface AttachmentTable {
  id: string;
  document_id: string;
  position: number;
  name: string;
  media_type: string;
  size: number;
  sha256: string;
  content: Uint8Array;
}

export interface StepTable {
  id: string;
  document_id: string;
  seq: number;
  /** 公文狀態 */
  status: string;
  unit_id: string;
  holder_user_id: string;
  arrived_at: string;
  /** 公文接收時間: when the holder first opened it. */
  received_at: string | null;
  /** 公文送出時間 */
  sent_at: string | null;
  /** 異動別: how it arrived, then what the holder did. */
  change_type: string;
  opinion: string | null;
  /** 是否使用臨時憑證 */
  temp_cert_used: number;
  /** 核決者 */
  approver_user_id: string | null;
  payload: Uint8Array | null;
  signature: Uint8Array | null;
  /**
   * The signature value of `signature`'s SignerInfo, kept when the signature was verified at
   * sending: IFT940's list and 補簽 need only this (migration 0005).
   */
  signature_value: Uint8Array | null;
  signer_certificate_sha256: string | null;
  signing_time: string | null;
  resigned_at: string | null;
  resign_note: string | null;
  resign_certificate_sha256: string | null;
  /**
   * The card's countersignature (a SignerInfo) over `signature`'s signature value, kept beside the
   * signature, which 補簽 leaves as it was sent. Null for steps re-signed before migration 0004,
   * whose signature holds the countersignature itself.
   */
  countersignature: Uint8Array | null;
  /** JSON array of the SHA-256 (hex) of the certificates carried with the countersignature. */
  resign_certificates: string | null;
  /** 'self', 'on-behalf' or 'paper' once re-signed (migration 0050): the monthly figures count by it. */
  resign_kind: ColumnType<string | null, string | null | undefined, string | null>;
  /** Who re-signed: the signer, or the deputy / unit head who did it for them. */
  resign_user_id: ColumnType<string | null, string | null | undefined, string | null>;
  /** 'unit-head' or 'deputy' for a re-sign on behalf or on paper: the right as it stood then. */
  resign_right: ColumnType<string | null, string | null | undefined, string | null>;
  /** 原因: why the signer could not re-sign (on behalf and on paper). */
  resign_reason: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface IdempotencyKeyTable {
  user_id: string;
  key: string;
  request_sha256: string;
  response: string;
  created_at: string;
}

export interface TempCertApplicationTable {
  user_id: string;
  password_hash: string;
  reason: string;
  /**
   * 'applied' or 'disabled' (臨時憑證停用: kept, but every certificate revoked); with the unit
   * head's approval required, 'pending' (待主管核准) until decided, then 'applied' or 'rejected'.
   */
  state: string;
  applied_at: string;
  updated_at: string;
  /** Migration 0032: the end date asked for (policy period); null: no time limit. */
  period_end: ColumnType<string | null, string | null | undefined, string | null>;
  decided_at: ColumnType<string | null, string | null | undefined, string | null>;
  /** The deciding unit head's user id. */
  decided_by: ColumnType<string | null, string | null | undefined, string | null>;
  decision_comment: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface TempCertificateTable {
  serial: string;
  user_id: string;
  pc_label: string;
  sha256: string;
  der: Uint8Array;
  issued_at: string;
  not_before: string;
  not_after: string;
  revoked_at: string | null;
  revocation_reason: string | null;
}

/** A CRL the temp CA issued (migration 0031): the number is RFC 5280's CRL number. */
export interface TempCaCrlTable {
  number: number;
  this_update: string;
  next_update: string;
  /** How many revoked certificates it lists (fewer than on record: a fresh CRL is due). */
  revoked_count: number;
  der: Uint8Array;
}

export interface AuditLogTable {
  seq: number;
  at: string;
  actor: string | null;
  action: string;
  subject: string | null;
  detail: string;
  prev_hash: string;
  hash: string;
}

/** An audit entry committed with its change but not yet chained (migration 0130; see audit-sealer.ts). */
export interface AuditPendingTable {
  id: Generated<number>;
  at: string;
  actor: string | null;
  action: string;
  subject: string | null;
  detail: string;
}

/** A console role held by a person (migration 0080): 'it-admin' (系統管理者) or 'records' (檔案管理). */
export interface UserRoleTable {
  user_id: string;
  role: string;
  granted_at: string;
  granted_by: string | null;
}

/** A session of the admin console (migration 0080): a cookie, apart from the app's bearer sessions. */
export interface AdminSessionTable {
  token_sha256: string;
  user_id: string;
  created_at: string;
  expires_at: string;
  ended_at: string | null;
}

export type UserRow = Selectable<UserTable>;
export type DocumentRow = Selectable<DocumentTable>;
export type StepRow = Selectable<StepTable>;
export type NewStep = Insertable<StepTable>;
export type TempCertificateRow = Selectable<TempCertificateTable>;

/** A console login by card waiting for, or given, its approval (migration 0120). */
export interface ConsoleCardLoginTable {
  /** SHA-256 of the requesting browser's secret cookie. */
  browser_sha256: string;
  /** The short code the console page shows, without its dash. */
  user_code: string;
  requested_at: string;
  expires_at: string;
  from_address: string;
  from_agent: string;
  claimed_by: string | null;
  challenge_sha256: string | null;
  approved_by: string | null;
  approved_at: string | null;
  card_sha256: string | null;
  used_at: string | null;
}
