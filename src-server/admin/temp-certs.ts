import { sql } from 'kysely';
import type {
  TempCertApplicationsPage,
  TempCertApplicationsQuery,
  TempCertificatesPage,
  TempCertificatesQuery,
  TempCertRevocation,
} from '../../src-shared/common/api/admin.js';
import { GongwenError } from '../../src-shared/common/errors.js';
import { findUserByAccount } from '../accounts/users.js';
import { appendAudit } from '../audit/audit-log.js';
import type { ServiceContext } from '../context.js';
import { afterRevocation, revokeEveryTempCertOfUser } from '../temp-ca/applications.js';
import { containing } from './people.js';

const escaped = (like: string) => sql<string>`${like} escape '\\'`;

/** 臨時憑證 申請: every application, newest first, filtered and paged in the database. */
export async function listTempCertApplications(ctx: ServiceContext, query: TempCertApplicationsQuery): Promise<TempCertApplicationsPage> {
  const { db } = ctx.storage;
  const now = ctx.now().toISOString();
  let base = db.selectFrom('temp_cert_applications as a').innerJoin('users as p', 'p.id', 'a.user_id').innerJoin('units as u', 'u.id', 'p.unit_id');
  if (query.state) base = base.where('a.state', '=', query.state);
  if (query.unit) base = base.where('p.unit_id', '=', query.unit);
  if (query.text) {
    const like = escaped(containing(query.text));
    base = base.where((eb) => eb.or([eb('p.account', 'like', like), eb('p.name', 'like', like), eb('a.reason', 'like', like)]));
  }
  const total = await base.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow();
  const rows = await base
    .select(['p.account', 'p.name', 'p.unit_id', 'u.name as unitName', 'a.reason', 'a.state', 'a.applied_at', 'a.updated_at', 'a.period_end', 'a.decided_at'])
    .select((eb) =>
      eb
        .selectFrom('temp_certificates as c')
        .select((e) => e.fn.countAll<number | string>().as('n'))
        .whereRef('c.user_id', '=', 'a.user_id')
        .where('c.revoked_at', 'is', null)
        .where('c.not_after', '>', now)
        .as('live'),
    )
    .orderBy('a.applied_at', 'desc')
    .orderBy('p.account')
    .limit(query.limit)
    .offset(query.offset)
    .execute();
  return {
    items: rows.map((r) => ({
      person: { account: r.account, name: r.name },
      unit: { id: r.unit_id, name: r.unitName },
      reason: r.reason,
      state: r.state as TempCertApplicationsPage['items'][number]['state'],
      appliedAt: r.applied_at,
      updatedAt: r.updated_at,
      periodEnd: r.period_end,
      decidedAt: r.decided_at,
      certificates: Number(r.live ?? 0),
    })),
    total: Number(total.n),
    offset: query.offset,
    limit: query.limit,
  };
}

/** 臨時憑證: every certificate issued (who, PC, reason, state), newest first, paged in the database. */
export async function listTempCertificates(ctx: ServiceContext, query: TempCertificatesQuery): Promise<TempCertificatesPage> {
  const { db } = ctx.storage;
  const now = ctx.now().toISOString();
  let base = db
    .selectFrom('temp_certificates as c')
    .innerJoin('users as p', 'p.id', 'c.user_id')
    .innerJoin('units as u', 'u.id', 'p.unit_id')
    .leftJoin('temp_cert_applications as a', 'a.user_id', 'c.user_id');
  if (query.state === 'revoked') base = base.where('c.revoked_at', 'is not', null);
  if (query.state === 'valid') base = base.where('c.revoked_at', 'is', null).where('c.not_after', '>', now);
  if (query.state === 'expired') base = base.where('c.revoked_at', 'is', null).where('c.not_after', '<=', now);
  if (query.unit) base = base.where('p.unit_id', '=', query.unit);
  if (query.text) {
    const like = escaped(containing(query.text));
    base = base.where((eb) => eb.or([eb('p.account', 'like', like), eb('p.name', 'like', like), eb('c.pc_label', 'like', like), eb('c.serial', 'like', like)]));
  }
  const total = await base.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow();
  const rows = await base
    .select([
      'c.serial',
      'c.sha256',
      'p.account',
      'p.name',
      'p.unit_id',
      'u.name as unitName',
      'a.reason',
      'c.pc_label',
      'c.issued_at',
      'c.not_after',
      'c.revoked_at',
      'c.revocation_reason',
    ])
    .orderBy('c.issued_at', 'desc')
    .orderBy('c.serial')
    .limit(query.limit)
    .offset(query.offset)
    .execute();
  return {
    items: rows.map((r) => ({
      serial: r.serial,
      sha256: r.sha256,
      person: { account: r.account, name: r.name },
      unit: { id: r.unit_id, name: r.unitName },
      reason: r.reason ?? '',
      pcLabel: r.pc_label,
      state: r.revoked_at !== null ? 'revoked' : r.not_after <= now ? 'expired' : 'valid',
      issuedAt: r.issued_at,
      notAfter: r.not_after,
      revokedAt: r.revoked_at,
      revocationReason: r.revocation_reason,
    })),
    total: Number(total.n),
    offset: query.offset,
    limit: query.limit,
  };
}

/**
 * 撤銷 one temp certificate (the PC it was enabled on is lost, say): the person's application
 * stays as it is. Audited as `temp-cert.revoke` with the serial; a fresh CRL lists it at once.
 */
export async function revokeOneTempCertificate(ctx: ServiceContext, by: string, serial: string, reason: string): Promise<TempCertRevocation> {
  const { db, dialect } = ctx.storage;
  const row =
    serial.length <= 64
      ? await db
          .selectFrom('temp_certificates as c')
          .innerJoin('users as p', 'p.id', 'c.user_id')
          .select(['c.serial', 'p.account', 'c.pc_label'])
          .where('c.serial', '=', serial)
          .executeTakeFirst()
      : undefined;
  if (!row) throw new GongwenError('TEMP_CERT_UNKNOWN', serial);
  const now = ctx.now().toISOString();
  const revoked = await ctx.storage.write(async (trx) => {
    const done = await trx
      .updateTable('temp_certificates')
      .set({ revoked_at: now, revocation_reason: reason })
      .where('serial', '=', serial)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    const count = Number(done.numUpdatedRows);
    if (count > 0) {
      await appendAudit(trx, dialect, ctx.now(), {
        actor: by,
        action: 'temp-cert.revoke',
        subject: row.account,
        detail: { revoked: count, reason, serial, pcLabel: row.pc_label },
      });
    }
    return count;
  });
  if (revoked > 0) await afterRevocation(ctx);
  return { revoked };
}

/** 撤銷 every temp certificate of a person (their application is disabled), as the CLI's separation does. */
export async function revokePersonsTempCertificates(ctx: ServiceContext, by: string, account: string, reason: string): Promise<TempCertRevocation> {
  const user = await findUserByAccount(ctx.storage.db, account);
  if (!user) throw new GongwenError('USER_UNKNOWN', account);
  return { revoked: await revokeEveryTempCertOfUser(ctx, user, reason, by) };
}
