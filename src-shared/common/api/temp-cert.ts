import { z } from 'zod';
import { base64, bytesField, text } from './text.js';

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
});

export const TempCertStatus = z.object({
  /** none: not applied · applied: may be enabled on a PC · disabled: 臨時憑證停用, enable again to use */
  state: z.enum(['none', 'applied', 'disabled']),
  reason: z.string().nullable(),
  appliedAt: z.string().nullable(),
  certificates: z.array(TempCertificateInfo),
  /** The latest changes, newest first. */
  changes: z.array(TempCertChange).default([]),
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
