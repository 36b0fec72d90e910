import { X509Certificate } from 'node:crypto';
import type { z } from 'zod';
import type { EnableTempCertResponse, RenewTempCertRequest } from '../../src-shared/common/api/temp-cert.js';
import { GongwenError } from '../../src-shared/common/errors.js';
import { verifyPassword } from '../accounts/password-hash.js';
import { appendAudit } from '../audit/audit-log.js';
import type { Actor, ServiceContext } from '../context.js';
import { insertCertificate, issuedResponse } from './applications.js';

/**
 * Renewal of a temp certificate before it expires, without a new application (the seed's 無限期:
 * no policy period). The CSR must be for the key of a live certificate of this person, so only
 * the PC that holds that key can renew it, and the temp-cert password must be right (rate-limited
 * like enabling). The new certificate names the same PC; the old one is left as it is (not
 * revoked): it still verifies what it signed, and simply expires.
 */
export async function renewTempCert(ctx: ServiceContext, actor: Actor, input: z.output<typeof RenewTempCertRequest>): Promise<EnableTempCertResponse> {
  const { db, dialect } = ctx.storage;
  const application = await db.selectFrom('temp_cert_applications').selectAll().where('user_id', '=', actor.id).executeTakeFirst();
  if (!application) throw new GongwenError('TEMP_CERT_NOT_APPLIED');
  const old = await db.selectFrom('temp_certificates').selectAll().where('serial', '=', input.serial).executeTakeFirst();
  const now = ctx.now();
  const renewable =
    old &&
    old.user_id === actor.id &&
    old.revoked_at === null &&
    old.not_after > now.toISOString() &&
    application.state === 'applied' &&
    application.period_end === null &&
    old.issued_at >= application.applied_at;
  if (!renewable) throw new GongwenError('TEMP_CERT_RENEWAL_REFUSED');
  await ctx.passwordGuard.check(`temp-cert:${actor.id}`, () => verifyPassword(input.password, application.password_hash), 'TEMP_CERT_PASSWORD_WRONG');
  const publicKey = await ctx.tempCa.checkCsr(new Uint8Array(Buffer.from(input.csr, 'base64')));
  const oldKey = new X509Certificate(old.der).publicKey.export({ type: 'spki', format: 'der' });
  if (!oldKey.equals(Buffer.from(publicKey.rawData))) throw new GongwenError('CSR_INVALID', 'a renewal is for the key of the certificate it renews');
  const issued = await ctx.tempCa.issue(publicKey, { account: actor.account, name: actor.name }, now);
  const at = now.toISOString();
  await ctx.storage.write(async (trx) => {
    // Revoked or deleted meanwhile: no new certificate.
    const still = await trx
      .selectFrom('temp_certificates')
      .select('serial')
      .where('serial', '=', old.serial)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (!still) throw new GongwenError('TEMP_CERT_RENEWAL_REFUSED');
    await insertCertificate(trx, actor.id, old.pc_label, issued, at);
    await appendAudit(trx, dialect, now, {
      actor: actor.account,
      action: 'temp-cert.renew',
      subject: actor.account,
      detail: { serial: issued.serial, renews: old.serial, pcLabel: old.pc_label },
    });
  });
  return issuedResponse(ctx, issued);
}
