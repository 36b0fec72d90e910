import type { Transaction } from 'kysely';
import type { z } from 'zod';
import type {
  ApplyTempCertRequest,
  DeleteTempCertRequest,
  EnableTempCertRequest,
  EnableTempCertResponse,
  TempCertStatus,
} from '../../src-shared/common/api/temp-cert.js';
import { GongwenError } from '../../src-shared/common/errors.js';
import { hashPassword, verifyPassword } from '../accounts/password-hash.js';
import { confirmLoginPassword } from '../accounts/sessions.js';
import { appendAudit } from '../audit/audit-log.js';
import type { Actor, ServiceContext } from '../context.js';
import { isUniqueViolation } from '../storage/database.js';
import type { Database } from '../storage/schema.js';
import { tempCertChangesSince } from './changes.js';
import { issueTempCaCrl } from './crl.js';

/** Where a change came from: the PC's name as its app gives it, and the network address. */
export interface ChangeOrigin {
  pcLabel: string | null;
  address: string | null;
}

/**
 * The temp-cert lifecycle on the service's side (IFT930 and IFT940):
 *   none ─apply→ applied ─enable on a PC→ (a certificate per PC) ─disable→ disabled ─enable→ …
 *   delete (from applied or disabled) → none, every certificate revoked.
 */
export const MIN_TEMP_PASSWORD = 8;

export async function tempCertStatus(ctx: ServiceContext, actor: Actor): Promise<TempCertStatus> {
  const { db } = ctx.storage;
  const application = await db.selectFrom('temp_cert_applications').selectAll().where('user_id', '=', actor.id).executeTakeFirst();
  const certificates = await db
    .selectFrom('temp_certificates')
    .select(['serial', 'pc_label', 'issued_at', 'not_after', 'revoked_at'])
    .where('user_id', '=', actor.id)
    .orderBy('issued_at', 'desc')
    .execute();
  return {
    state: application ? (application.state as 'applied' | 'disabled') : 'none',
    reason: application?.reason ?? null,
    appliedAt: application?.applied_at ?? null,
    certificates: certificates.map((c) => ({ serial: c.serial, pcLabel: c.pc_label, issuedAt: c.issued_at, notAfter: c.not_after, revokedAt: c.revoked_at })),
    changes: await tempCertChangesSince(db, actor.account, null, 5),
  };
}

/** 申請憑證: the temp-cert password and the reason. */
export async function applyForTempCert(
  ctx: ServiceContext,
  actor: Actor,
  input: z.output<typeof ApplyTempCertRequest>,
  origin: ChangeOrigin,
): Promise<TempCertStatus> {
  if (input.password.length < MIN_TEMP_PASSWORD) throw new GongwenError('TEMP_CERT_PASSWORD_WEAK');
  await confirmLoginPassword(ctx, actor, input.loginPassword);
  const passwordHash = await hashPassword(input.password);
  const { dialect } = ctx.storage;
  const now = ctx.now().toISOString();
  try {
    await ctx.storage.write(async (trx) => {
      await trx
        .insertInto('temp_cert_applications')
        .values({ user_id: actor.id, password_hash: passwordHash, reason: input.reason, state: 'applied', applied_at: now, updated_at: now })
        .execute();
      await appendAudit(trx, dialect, ctx.now(), {
        actor: actor.account,
        action: 'temp-cert.apply',
        subject: actor.account,
        detail: { reason: input.reason, pcLabel: input.pcLabel ?? null, address: origin.address },
      });
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new GongwenError('TEMP_CERT_ALREADY_APPLIED');
    throw error;
  }
  return tempCertStatus(ctx, actor);
}

/** 啟用並下載憑證: checks the password, then certifies the key this PC made (from its CSR). */
export async function enableTempCert(
  ctx: ServiceContext,
  actor: Actor,
  input: z.output<typeof EnableTempCertRequest>,
  origin: ChangeOrigin,
): Promise<EnableTempCertResponse> {
  const { db, dialect } = ctx.storage;
  await confirmLoginPassword(ctx, actor, input.loginPassword);
  const application = await db.selectFrom('temp_cert_applications').selectAll().where('user_id', '=', actor.id).executeTakeFirst();
  if (!application) throw new GongwenError('TEMP_CERT_NOT_APPLIED');
  await ctx.passwordGuard.check(`temp-cert:${actor.id}`, () => verifyPassword(input.password, application.password_hash), 'TEMP_CERT_PASSWORD_WRONG');
  const publicKey = await ctx.tempCa.checkCsr(new Uint8Array(Buffer.from(input.csr, 'base64')));
  const issued = await ctx.tempCa.issue(publicKey, { account: actor.account, name: actor.name }, ctx.now());
  const now = ctx.now().toISOString();
  await ctx.storage.write(async (trx) => {
    // The application may have been deleted while the certificate was being made.
    const still = await trx.updateTable('temp_cert_applications').set({ state: 'applied', updated_at: now }).where('user_id', '=', actor.id).executeTakeFirst();
    if (still.numUpdatedRows !== 1n) throw new GongwenError('TEMP_CERT_NOT_APPLIED');
    await trx
      .insertInto('temp_certificates')
      .values({
        serial: issued.serial,
        user_id: actor.id,
        pc_label: input.pcLabel,
        sha256: issued.sha256,
        der: issued.der,
        issued_at: now,
        not_before: issued.notBefore.toISOString(),
        not_after: issued.notAfter.toISOString(),
        revoked_at: null,
        revocation_reason: null,
      })
      .execute();
    await appendAudit(trx, dialect, ctx.now(), {
      actor: actor.account,
      action: 'temp-cert.enable',
      subject: actor.account,
      detail: { serial: issued.serial, pcLabel: input.pcLabel, address: origin.address },
    });
  });
  return {
    certificate: Buffer.from(issued.der).toString('base64'),
    chain: [Buffer.from(ctx.tempCa.certificateDer).toString('base64')],
    serial: issued.serial,
    notAfter: issued.notAfter.toISOString(),
  };
}

/** 刪除憑證: withdraws the application (password and reason may then be chosen anew). */
export async function deleteTempCert(
  ctx: ServiceContext,
  actor: Actor,
  input: z.output<typeof DeleteTempCertRequest>,
  origin: ChangeOrigin,
): Promise<TempCertStatus> {
  await confirmLoginPassword(ctx, actor, input.loginPassword);
  await endTempCerts(ctx, actor, 'delete', { pcLabel: input.pcLabel ?? null, address: origin.address });
  return tempCertStatus(ctx, actor);
}

/** 臨時憑證停用: nobody can send with it any more; enabling again starts at IFT930 step 3. */
export async function disableTempCert(ctx: ServiceContext, actor: Actor, origin: ChangeOrigin): Promise<TempCertStatus> {
  await endTempCerts(ctx, actor, 'disable', origin);
  return tempCertStatus(ctx, actor);
}

async function endTempCerts(ctx: ServiceContext, actor: Actor, how: 'delete' | 'disable', origin: ChangeOrigin): Promise<void> {
  const { dialect } = ctx.storage;
  const now = ctx.now().toISOString();
  await ctx.storage.write(async (trx) => {
    const changed =
      how === 'delete'
        ? await trx
            .deleteFrom('temp_cert_applications')
            .where('user_id', '=', actor.id)
            .executeTakeFirst()
            .then((r) => r.numDeletedRows)
        : await trx
            .updateTable('temp_cert_applications')
            .set({ state: 'disabled', updated_at: now })
            .where('user_id', '=', actor.id)
            .executeTakeFirst()
            .then((r) => r.numUpdatedRows);
    if (changed !== 1n) throw new GongwenError('TEMP_CERT_NOT_APPLIED');
    const revoked = await revokeTempCertificatesIn(trx, actor.id, how === 'delete' ? 'application-deleted' : 'disabled', now);
    await appendAudit(trx, dialect, ctx.now(), {
      actor: actor.account,
      action: `temp-cert.${how}`,
      subject: actor.account,
      detail: { revoked, pcLabel: origin.pcLabel, address: origin.address },
    });
  });
  await afterRevocation(ctx);
}

/**
 * Revokes every temp certificate of one user, inside the caller's write unit (its transaction);
 * returns how many were revoked. The caller then calls `afterRevocation(ctx)` once committed.
 */
export async function revokeTempCertificatesIn(trx: Transaction<Database>, userId: string, reason: string, now: string): Promise<number> {
  const revoked = await trx
    .updateTable('temp_certificates')
    .set({ revoked_at: now, revocation_reason: reason })
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(revoked.numUpdatedRows);
}

/**
 * Revoke every temp cert of this user (a person who leaves the agency or the unit, an
 * administrator's decision): the application is kept as disabled, so nobody can send with it
 * until it is enabled again. Audited as `temp-cert.revoke` with the reason; the CRL is re-issued.
 */
export async function revokeEveryTempCertOfUser(
  ctx: ServiceContext,
  user: { id: string; account: string },
  reason: string,
  by: string | null,
): Promise<number> {
  const { dialect } = ctx.storage;
  const now = ctx.now().toISOString();
  const revoked = await ctx.storage.write(async (trx) => {
    await trx.updateTable('temp_cert_applications').set({ state: 'disabled', updated_at: now }).where('user_id', '=', user.id).execute();
    const count = await revokeTempCertificatesIn(trx, user.id, reason, now);
    await appendAudit(trx, dialect, ctx.now(), { actor: by, action: 'temp-cert.revoke', subject: user.account, detail: { revoked: count, reason } });
    return count;
  });
  await afterRevocation(ctx);
  return revoked;
}

/**
 * After a revocation has committed, a fresh CRL at once. A failure here is not the revocation's:
 * it stands, and the CRL route issues the fresh CRL when next asked (it sees the count differ).
 */
export async function afterRevocation(ctx: ServiceContext): Promise<void> {
  await issueTempCaCrl(ctx).catch(() => undefined);
}
