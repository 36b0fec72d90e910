import type { Kysely } from 'kysely';
import type { AgencyPolicy } from '../../src-shared/common/api/policy.js';
import { GongwenError } from '../../src-shared/common/errors.js';
import type { Action } from '../../src-shared/common/flow.js';
import { taiwanDay } from '../../src-shared/common/roc-date.js';
import { onBehalfRight } from '../organisation/on-behalf-right.js';
import type { Database } from '../storage/schema.js';

/**
 * Whether the policy holds this closing action until every temp-signed step is re-signed:
 * `archive` holds 歸檔; `dispatch` holds 發文, and 歸檔 too, for a 存查 case (archived without
 * dispatch) has no 發文 before it. Under `archive` a dispatched document's steps stay pending
 * (and overdue, for the reminders and the 代為補簽 list) until someone re-signs them.
 */
export function isHeldForResign(policy: AgencyPolicy, action: Action): boolean {
  return action === '歸檔' || (action === '發文' && policy.resign.due === 'dispatch');
}

/**
 * The gate: refuses the closing action while any temp-signed step of the document is not
 * re-signed in one of the three ways (by the signer, on behalf, on paper — each sets
 * `resigned_at`). The refusal names each such step and who can re-sign it now, so the records
 * officer knows whom to ask: "第 1 關 公文系統廠商：待補簽（可由 王美玲 代為補簽）".
 */
export async function assertResigned(db: Kysely<Database>, policy: AgencyPolicy, documentId: string, now: Date): Promise<void> {
  const pending = await db
    .selectFrom('steps as s')
    .innerJoin('users as h', 'h.id', 's.holder_user_id')
    .select(['s.seq', 's.holder_user_id', 'h.name', 'h.separated_at'])
    .where('s.document_id', '=', documentId)
    .where('s.temp_cert_used', '=', 1)
    .where('s.resigned_at', 'is', null)
    .orderBy('s.seq')
    .execute();
  if (pending.length === 0) return;
  const sentences: string[] = [];
  for (const step of pending) {
    const left = step.separated_at !== null && step.separated_at <= now.toISOString();
    const others = await whoMayActFor(db, policy, step.holder_user_id, now);
    const onBehalf = others.length > 0 ? `可由 ${others.join('、')} 代為補簽` : '目前無人可代為補簽，請指定職務代理人或單位主管';
    const how = left ? `已離職，${onBehalf}` : others.length > 0 ? `由本人補簽，逾期後${onBehalf}` : '由本人補簽';
    sentences.push(`第 ${step.seq} 關 ${step.name}：待補簽（${how}）`);
  }
  throw new GongwenError('RESIGN_REQUIRED', sentences.join('；'));
}

/** The names of those who may re-sign the signer's steps on their behalf now, unit head first. */
async function whoMayActFor(db: Kysely<Database>, policy: AgencyPolicy, signerId: string, now: Date): Promise<string[]> {
  const head = await db
    .selectFrom('users as u')
    .innerJoin('units', 'units.id', 'u.unit_id')
    .innerJoin('users as head', 'head.id', 'units.head_user_id')
    .select(['head.id', 'head.name'])
    .where('u.id', '=', signerId)
    .execute();
  const day = taiwanDay(now);
  const deputies = await db
    .selectFrom('deputies')
    .innerJoin('users as d', 'd.id', 'deputies.deputy_user_id')
    .select(['d.id', 'd.name'])
    .where('deputies.user_id', '=', signerId)
    .where('deputies.withdrawn_at', 'is', null)
    .where('deputies.starts_on', '<=', day)
    .where('deputies.ends_on', '>=', day)
    .orderBy('deputies.starts_on')
    .execute();
  const names: string[] = [];
  for (const candidate of [...head, ...deputies]) {
    // One rule for who may: the same the re-sign itself checks (policy, dates, separation).
    const right = await onBehalfRight(db, policy.resign, candidate.id, signerId, now);
    const name = `${candidate.name}（${right === 'unit-head' ? '主管' : '代理人'}）`;
    if (right && !names.includes(name)) names.push(name);
  }
  return names;
}
