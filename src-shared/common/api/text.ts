import { z } from 'zod';

/**
 * Text that people typed: subjects, opinions, notes, reasons. Control characters (but tab and
 * line breaks in long text), unpaired surrogates and the bidirectional overrides that can make a
 * flow table read differently from what was signed are refused, not silently removed: what is
 * signed must be exactly what was typed.
 */
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/;
// eslint-disable-next-line no-control-regex
const CONTROL_SINGLE_LINE = /[\u0000-\u001F\u007F-\u009F]/;
// eslint-disable-next-line no-control-regex
const CONTROL_MULTI_LINE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function text(options: { min?: number; max: number; multiline?: boolean }) {
  const control = options.multiline ? CONTROL_MULTI_LINE : CONTROL_SINGLE_LINE;
  return (
    z
      .string()
      .min(options.min ?? 0)
      // Too long ends the checks: the patterns below need not run over megabytes first.
      .max(options.max, { abort: true })
      .refine((s) => !control.test(s), { message: '含有不允許的控制字元 (control characters are not allowed)' })
      .refine((s) => !LONE_SURROGATE.test(s), { message: '含有無效的字元 (invalid Unicode)' })
      .refine((s) => !BIDI_CONTROLS.test(s), { message: '含有文字方向控制字元 (bidirectional controls are not allowed)' })
  );
}

/**
 * Strict base64 (RFC 4648 section 4, padded), so that one value has one meaning. Checked with a
 * single linear scan after the length, never a backtracking pattern: attachments run to megabytes.
 */
export function base64(options: { maxBytes: number; bytes?: string }) {
  const maxLength = Math.ceil(options.maxBytes / 3) * 4;
  return bytesField(
    z.string().superRefine((value, ctx) => {
      if (value.length > maxLength) ctx.addIssue({ code: 'custom', message: `超過 ${options.maxBytes} 位元組 (too large)` });
      else if (!isStrictBase64(value)) ctx.addIssue({ code: 'custom', message: '不是有效的 base64 (not valid base64)' });
    }),
    options,
  );
}

/**
 * Says in the OpenAPI document what a base64 field carries (`bytes`: "DER of a PKCS#10 CSR") and
 * its limit, so an integrator can build from the document alone (issue 15).
 */
export function bytesField<S extends z.ZodString>(schema: S, options: { maxBytes?: number; bytes?: string }): S {
  if (!options.bytes) return schema;
  const limit = options.maxBytes ? `, at most ${options.maxBytes} bytes` : '';
  return schema.meta({ description: `base64 of ${options.bytes}${limit}`, contentEncoding: 'base64', format: 'byte' });
}

/** Padded base64 of whole quantums, by one linear scan. */
export function isStrictBase64(value: string): boolean {
  return value.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(value);
}

export const account = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9._-]*$/, { message: '帳號格式不正確 (not an account name)' });
export const uuid = z.uuid();
export const isoInstant = z.iso.datetime();
