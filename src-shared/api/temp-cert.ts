import { z } from 'zod';
import { base64, text } from './text.js';

/** IFT930 申請憑證: the temp-cert password and the application reason. */
export const ApplyTempCertRequest = z.strictObject({
  password: z.string().max(256),
  reason: text({ min: 1, max: 500, multiline: true }),
});
export type ApplyTempCertRequest = z.infer<typeof ApplyTempCertRequest>;

/** IFT930 啟用並下載憑證: a CSR made on this PC (the key never leaves it) and the password. */
export const EnableTempCertRequest = z.strictObject({
  password: z.string().max(256),
  pcLabel: text({ min: 1, max: 64 }),
  csr: base64({ maxBytes: 4096 }),
});
export type EnableTempCertRequest = z.infer<typeof EnableTempCertRequest>;

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
});
export type TempCertStatus = z.infer<typeof TempCertStatus>;

export const EnableTempCertResponse = z.object({
  /** DER certificate, base64. */
  certificate: z.string(),
  /** The temp CA's certificate, DER base64. */
  chain: z.array(z.string()),
  serial: z.string(),
  notAfter: z.string(),
});
export type EnableTempCertResponse = z.infer<typeof EnableTempCertResponse>;
