import { z } from 'zod';
import { account, base64, bytesField, text } from './text.js';

/**
 * Changing who can sign as a person needs more than the session: apply, enable and delete carry
 * the login password again (checked and rate-limited like a login). `pcLabel` names the PC the
 * change came from, in the audit log and in the notice the person gets.
 */
const loginPassword = z.string().min(1).max(256);
const pcLabel = text({ min: 1, max: 64 });

/** IFT930 申請憑證: the temp-cert password and the application reason. */
export const ApplyTempCertRequest = z.strictObject({
  password: z.string().max(256),
  reason: text({ min: 1, max: 500, multiline: true }),
  loginPassword,
  pcLabel: pcLabel.optional(),
  /**
   * Where the agency's policy sets a period (`tempCert.periodDays`): the end asked for, an ISO
   * instant after now and at most that many days ahead; the certificate ends with it. Without a
   * period it must be left out.
   */
  periodEnd: z.iso.datetime({ offset: true }).optional().describe('the end of the period asked for (ISO 8601); only under a policy period'),
});
export type ApplyTempCertRequest = z.infer<typeof ApplyTempCertRequest>;

/** IFT930 啟用並下載憑證: a CSR made on this PC (the key never leaves it) and the password. */
export const EnableTempCertRequest = z.strictObject({
  password: z.string().max(256),
  pcLabel,
  csr: base64({ maxBytes: 4096, bytes: 'a PKCS#10 certificate request (RFC 2986), DER, for an ECDSA P-256 key made on this PC' }),
  loginPassword,
});
export type EnableTempCertRequest = z.infer<typeof EnableTempCertRequest>;

/** IFT930 刪除憑證. */
export const DeleteTempCertRequest = z.strictObject({ loginPassword, pcLabel: pcLabel.optional() });
export type DeleteTempCertRequest = z.infer<typeof DeleteTempCertRequest>;

/** A change to who can sign as this person with a temp cert: told at the next login and in IFT930. */
export const TempCertChange = z.object({
  action: z.enum(['apply', 'enable', 'delete', 'disable']),
  at: z.string(),
  /** The PC's name as its app gave it, when it did. */
  pcLabel: z.string().nullable(),
  /** The network address the change came from. */
  address: z.string().nullable(),
});
export type TempCertChange = z.infer<typeof TempCertChange>;

export const TempCertificateInfo = z.object({
  serial: z.string(),
  pcLabel: z.string(),
  issuedAt: z.string(),
  notAfter: z.string(),
  revokedAt: z.string().nullable(),
  /** Neither revoked nor expired: it can sign now. (Added; older services leave it out.) */
  live: z.boolean().optional(),
});

/**
 * The seed's states of a person's temp cert, as the service knows them (which PC is "this PC" is
 * the app's to say, from the certificate it holds): not-applied · pending-approval (待主管核准,
 * under a policy asking the unit head) · rejected · applied (may be enabled on a PC) · enabled
 * (a live certificate on at least one PC) · disabled (臨時憑證停用: enable again to use).
 */
export const TempCertPhase = z.enum(['not-applied', 'pending-approval', 'rejected', 'applied', 'enabled', 'disabled']);
export type TempCertPhase = z.infer<typeof TempCertPhase>;

/** The unit head's decision on an application, under a policy asking for it. */
export const TempCertDecision = z.object({
  approved: z.boolean(),
  by: z.string().describe('the unit head’s name'),
  at: z.string(),
  comment: z.string(),
});
export type TempCertDecision = z.infer<typeof TempCertDecision>;

export const TempCertStatus = z.object({
  /**
   * Kept for apps that read it: none · applied (also while pending or rejected) · disabled.
   * `phase` says the seed's state.
   */
  state: z.enum(['none', 'applied', 'disabled']),
  phase: TempCertPhase.optional(),
  reason: z.string().nullable(),
  appliedAt: z.string().nullable(),
  /** The present application's certificates only (not those of one deleted before), newest first. */
  certificates: z.array(TempCertificateInfo),
  /** The latest changes, newest first. */
  changes: z.array(TempCertChange).default([]),
  /** The end of the period asked for, under a policy period; null: no time limit. */
  periodEnd: z.string().nullable().optional(),
  /** The unit head's decision, once made (policy `approval: unit-head`). */
  decision: TempCertDecision.nullable().optional(),
});
export type TempCertStatus = z.infer<typeof TempCertStatus>;

export const EnableTempCertResponse = z.object({
  /** DER certificate, base64. */
  certificate: bytesField(z.string(), { bytes: 'the temp certificate, X.509 DER' }),
  /** The temp CA's certificate, DER base64. */
  chain: z.array(bytesField(z.string(), { bytes: 'the temp CA’s certificate, X.509 DER' })),
  serial: z.string(),
  notAfter: z.string(),
});
export type EnableTempCertResponse = z.infer<typeof EnableTempCertResponse>;

/** An application awaiting (or given) the unit head's decision, as the unit head sees it. */
export const TempCertApplicationForHead = z.object({
  account: z.string(),
  name: z.string(),
  unit: z.string(),
  reason: z.string(),
  appliedAt: z.string(),
  /** The end of the period asked for; null: no time limit. */
  periodEnd: z.string().nullable(),
});
export type TempCertApplicationForHead = z.infer<typeof TempCertApplicationForHead>;

export const TempCertApprovalsList = z.object({ applications: z.array(TempCertApplicationForHead) });
export type TempCertApprovalsList = z.infer<typeof TempCertApprovalsList>;

/** The unit head approves or rejects one application, with a comment the applicant sees. */
export const DecideTempCertRequest = z.strictObject({
  account,
  approve: z.boolean(),
  comment: text({ max: 500, multiline: true }),
});
export type DecideTempCertRequest = z.infer<typeof DecideTempCertRequest>;

/**
 * Renewal without a new application (no policy period): a CSR for the key of a live certificate
 * of this person (proof the PC holds it), and the temp-cert password. The new certificate has the
 * same key, PC and application; the old one is not revoked, so what it signed still verifies.
 */
export const RenewTempCertRequest = z.strictObject({
  password: z.string().max(256),
  serial: z.string().regex(/^[0-9a-f]{2,40}$/),
  csr: base64({ maxBytes: 4096, bytes: 'a PKCS#10 certificate request (RFC 2986), DER, for the same key as the certificate renewed' }),
});
export type RenewTempCertRequest = z.infer<typeof RenewTempCertRequest>;
