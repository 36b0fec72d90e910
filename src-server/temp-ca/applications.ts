import type { Transaction } from 'kysely';
import type { z } from 'zod';
import type {
  ApplyTempCertRequest,
  DeleteTempCertRequest,
  EnableTempCertRequest,
  EnableTempCertResponse,
  TempCertDecision,
  TempCertPhase,
  TempCertStatus,
} from '../../src-shared/common/api/temp-cert.js';
import { GongwenError } from '../../src-shared/common/errors.js';
import { hashPassword, verifyPassword } from '../accounts/password-hash.js';
import { confirmLoginPassword } from '../accounts/sessions.js';
import { appendAudit } from '../audit/audit-log.js';
import type { Actor, ServiceContext } from '../context.js';
import { isUniqueViolation } from '../storage/database.js';
import type { Database } from '../storage/schema.js';
import type { IssuedTempCertificate } from './authority.js';
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
 *   delete (from any state) → none, every certificate revoked.
 * Under the policy `approval: unit-head`, apply leads to pending (待主管核准) and the unit head's
 * decision to applied or rejected (`approvals.ts`); only applied or disabled may be enabled.
 */
export const MIN_TEMP_PASSWORD = 8;

export async function tempCertStatus(ctx: ServiceContext, actor: Actor): Promise<TempCertStatus> {
  const { db } = ctx.storage;
  const application = await db.selectFrom('temp_cert_applications').selectAll().where('user_id', '=', actor.id).executeTakeFirst();
  // Only the present application's certificates: those of one deleted before stay on record
  // (they verify what they signed) but are not this application's.
  const certificates = application
    ? await db
        .selectFrom('temp_certificates')
        .select(['serial', 'pc_label', 'issued_at', 'not_after', 'revoked_at'])
        .where('user_id', '=', actor.id)
        .where('issued_at', '>=', application.applied_at)
        .orderBy('issued_at', 'desc')
        .execute()
    : [];
  const now = ctx.now().toISOString();
  const listed = certificates.map((c) => ({
    serial: c.serial,
    pcLabel: c.pc_label,
    issuedAt: c.issued_at,
    notAfter: c.not_after,
    revokedAt: c.revoked_at,
    live: c.revoked_at === null && c.not_after > now,
  }));
  return {
    state: !application ? 'none' : application.state === 'disabled' ? 'disabled' : 'applied',
    phase: phaseOf(
      application?.state ?? null,
      listed.some((c) => c.live),
    ),
    reason: application?.reason ?? null,
    appliedAt: application?.applied_at ?? null,
    certificates: listed,
    changes: await tempCertChangesSince(ctx.storage, actor.account, null, 5),
    periodEnd: application?.period_end ?? null,
    decision: application?.decided_at ? await decisionOf(ctx, application) : null,
  };
}

function phaseOf(state: string | null, anyLive: boolean): TempCertPhase {
  if (state === null) return 'not-applied';
  if (state === 'pending') return 'pending-approval';
  if (state === 'rejected') return 'rejected';
  if (state === 'disabled') return 'disabled';
  return anyLive ? 'enabled' : 'applied';
}

async function decisionOf(
  ctx: ServiceContext,
  application: { state: string; decided_at: string | null; decided_by: string | null; decision_comment: string | null },
): Promise<TempCertDecision> {
  const head = application.decided_by
    ? await ctx.storage.db.selectFrom('users').select('name').where('id', '=', application.decided_by).executeTakeFirst()
    : undefined;
  return { approved: application.state !== 'rejected', by: head?.name ?? '', at: application.decided_at!, comment: application.decision_comment ?? '' };
}

/** 申請憑證: the temp-cert password and the reason (and, under a policy period, its end). */
export async function applyForTempCert(
  ctx: ServiceContext,
  actor: Actor,
  input: z.output<typeof ApplyTempCertRequest>,
  origin: ChangeOrigin,
): Promise<TempCertStatus> {
  if (input.password.length < MIN_TEMP_PASSWORD) throw new GongwenError('TEMP_CERT_PASSWORD_WEAK');
  const periodEnd = checkPeriodAsked(ctx, input.periodEnd);
  await confirmLoginPassword(ctx, actor, input.loginPassword);
  const passwordHash = await hashPassword(input.password);
  const { dialect } = ctx.storage;
  const now = ctx.now().toISOString();
  const state = ctx.policy.tempCert.approval === 'unit-head' ? 'pending' : 'applied';
  try {
    await ctx.storage.write(async (trx) => {
      await trx
        .insertInto('temp_cert_applications')
        .values({ user_id: actor.id, password_hash: passwordHash, reason: input.reason, state, applied_at: now, updated_at: now, period_end: periodEnd })
        .execute();
      await appendAudit(trx, dialect, ctx.now(), {
        actor: actor.account,
        action: 'temp-cert.apply',
        subject: actor.account,
        detail: { reason: input.reason, pcLabel: input.pcLabel ?? null, address: origin.address, periodEnd, awaitsApproval: state === 'pending' },
      });
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new GongwenError('TEMP_CERT_ALREADY_APPLIED');
    throw error;
  }
  return tempCertStatus(ctx, actor);
}

/**
 * The end asked for, as ISO UTC: required and within `periodDays` under a policy period (from
 * now; approval comes later, so it is within the days of approval too), refused without one.
 */
function checkPeriodAsked(ctx: ServiceContext, asked: string | undefined): string | null {
  const days = ctx.policy.tempCert.periodDays;
  if (days === null) {
    if (asked !== undefined) throw new GongwenError('TEMP_CERT_PERIOD_INVALID', 'the agency sets no period: leave periodEnd out');
    return null;
  }
  if (asked === undefined) throw new GongwenError('TEMP_CERT_PERIOD_INVALID', `the agency sets a period of at most ${days} days: periodEnd is required`);
  const end = new Date(asked);
  const now = ctx.now().getTime();
  if (!(end.getTime() > now)) throw new GongwenError('TEMP_CERT_PERIOD_INVALID', 'the end must be after now');
  if (end.getTime() > now + days * 24 * 3600 * 1000) throw new GongwenError('TEMP_CERT_PERIOD_INVALID', `the end must be within ${days} days`);
  return end.toISOString();
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
  if (application.state === 'pending') throw new GongwenError('TEMP_CERT_AWAITING_APPROVAL');
  if (application.state === 'rejected') throw new GongwenError('TEMP_CERT_REJECTED');
  if (application.period_end && application.period_end <= ctx.now().toISOString()) throw new GongwenError('TEMP_CERT_PERIOD_ENDED');
  await ctx.passwordGuard.check(`temp-cert:${actor.id}`, () => verifyPassword(input.password, application.password_hash), 'TEMP_CERT_PASSWORD_WRONG');
  const publicKey = await ctx.tempCa.checkCsr(new Uint8Array(Buffer.from(input.csr, 'base64')));
  const issued = await ctx.tempCa.issue(publicKey, { account: actor.account, name: actor.name }, ctx.now(), periodEndOf(application));
  const now = ctx.now().toISOString();
  await ctx.storage.write(async (trx) => {
    // The application may have been deleted (or, in principle, sent back) while the certificate was being made.
    const still = await trx
      .updateTable('temp_cert_applications')
      .set({ state: 'applied', updated_at: now })
      .where('user_id', '=', actor.id)
      .where('state', 'in', ['applied', 'disabled'])
      .executeTakeFirst();
    if (still.numUpdatedRows !== 1n) throw new GongwenError('TEMP_CERT_NOT_APPLIED');
    await insertCertificate(trx, actor.id, input.pcLabel, issued, now);
    await appendAudit(trx, dialect, ctx.now(), {
      actor: actor.account,
      action: 'temp-cert.enable',
      subject: actor.account,
      detail: { serial: issued.serial, pcLabel: input.pcLabel, address: origin.address },
    });
  });
  return issuedResponse(ctx, issued);
}

function periodEndOf(application: { period_end: string | null }): Date | undefined {
  return application.period_end ? new Date(application.period_end) : undefined;
}

/** A certificate the temp CA issued, on record for this person and PC. */
export async function insertCertificate(
  trx: Transaction<Database>,
  userId: string,
  pcLabel: string,
  issued: IssuedTempCertificate,
  now: string,
): Promise<void> {
  await trx
    .insertInto('temp_certificates')
    .values({
      serial: issued.serial,
      user_id: userId,
      pc_label: pcLabel,
      sha256: issued.sha256,
      der: issued.der,
      issued_at: now,
      not_before: issued.notBefore.toISOString(),
      not_after: issued.notAfter.toISOString(),
      revoked_at: null,
      revocation_reason: null,
    })
    .execute();
}

export function issuedResponse(ctx: ServiceContext, issued: IssuedTempCertificate): EnableTempCertResponse {
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
        : await disableApplication(trx, actor.id, now);
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
 * 臨時憑證停用 of the application: an approved one becomes disabled (enable again to use). One
 * still awaiting the unit head, or rejected, keeps its state: 'disabled' may be enabled, so it
 * must never be a way past the approval. Answers 1 when the person has an application.
 */
async function disableApplication(trx: Transaction<Database>, userId: string, now: string): Promise<bigint> {
  const disabled = await trx
    .updateTable('temp_cert_applications')
    .set({ state: 'disabled', updated_at: now })
    .where('user_id', '=', userId)
    .where('state', 'in', ['applied', 'disabled'])
    .executeTakeFirst();
  if (disabled.numUpdatedRows === 1n) return 1n;
  const exists = await trx.selectFrom('temp_cert_applications').select('user_id').where('user_id', '=', userId).executeTakeFirst();
  return exists ? 1n : 0n;
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
    await disableApplication(trx, user.id, now);
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
