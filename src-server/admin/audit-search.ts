import type { AuditPage, AuditQuery, AuditVerification } from '../../src-shared/common/api/admin.js';
import { verifyAuditChain } from '../audit/audit-log.js';
import type { ServiceContext } from '../context.js';

/**
 * 稽核紀錄, newest first, filtered and paged in the database (indexes of migration 0080: by
 * actor, action, subject and time). An action ending in a dot is a prefix (`temp-cert.`); a
 * document's entries are those whose subject is its number.
 */
export async function searchAudit(ctx: ServiceContext, query: AuditQuery): Promise<AuditPage> {
  await ctx.storage.sealAudit();
  let base = ctx.storage.db.selectFrom('audit_log');
  if (query.actor) base = base.where('actor', '=', query.actor);
  if (query.action?.endsWith('.')) base = base.where('action', '>=', query.action).where('action', '<', query.action.slice(0, -1) + '/');
  else if (query.action) base = base.where('action', '=', query.action);
  if (query.from) base = base.where('at', '>=', new Date(query.from).toISOString());
  if (query.to) base = base.where('at', '<', new Date(query.to).toISOString());
  if (query.document) base = base.where('subject', '=', query.document);
  const total = await base.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow();
  const rows = await base
    .select(['seq', 'at', 'actor', 'action', 'subject', 'detail'])
    .orderBy('seq', 'desc')
    .limit(query.limit)
    .offset(query.offset)
    .execute();
  return {
    items: rows.map((r) => ({ ...r, detail: parseDetail(r.detail) })),
    total: Number(total.n),
    offset: query.offset,
    limit: query.limit,
  };
}

function parseDetail(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : { value };
  } catch {
    // A broken entry is shown as it is stored; 驗證稽核鏈 names it.
    return { unreadable: text };
  }
}

/** 驗證稽核鏈: the same check as `verify-audit`, naming the first broken entry with its time and action. */
export async function verifyAudit(ctx: ServiceContext): Promise<AuditVerification> {
  await ctx.storage.sealAudit();
  const verdict = await verifyAuditChain(ctx.storage.db);
  const stalePending = verdict.stalePending ?? null;
  if (!verdict.firstBroken) return { ok: verdict.ok, entries: verdict.entries, firstBroken: null, stalePending };
  const entry = await ctx.storage.db.selectFrom('audit_log').select(['at', 'action']).where('seq', '=', verdict.firstBroken.seq).executeTakeFirst();
  const firstBroken = { ...verdict.firstBroken, at: entry?.at ?? null, action: entry?.action ?? null };
  return { ok: false, entries: verdict.entries, firstBroken, stalePending };
}
