import type { Kysely } from 'kysely';
import type { ResignPolicy } from '../../src-shared/common/api/policy.js';
import { taiwanDay } from '../../src-shared/common/roc-date.js';
import type { Database } from '../storage/schema.js';

/**
 * Why someone may re-sign on another's behalf (代為補簽): as the signer's unit head (權責主管), or
 * as their deputy (職務代理人) on that day. Agencies' rules name both; the policy may allow one.
 */
export type OnBehalfRight = 'unit-head' | 'deputy';

/**
 * The right `actorId` has, at `at`, to re-sign `signerId`'s steps on their behalf; null for none.
 * Checked at the moment of the re-sign, never cached: a deputy's range ends, a head changes, a
 * person leaves. A unit head's right is named first when someone holds both (the stronger one,
 * and the one the flow table shows).
 */
export async function onBehalfRight(
  db: Kysely<Database>,
  policy: Pick<ResignPolicy, 'onBehalfBy'>,
  actorId: string,
  signerId: string,
  at: Date,
): Promise<OnBehalfRight | null> {
  if (actorId === signerId) return null; // one's own steps are re-signed, not re-signed on behalf
  const actor = await db.selectFrom('users').select(['separated_at']).where('id', '=', actorId).executeTakeFirst();
  if (!actor || (actor.separated_at !== null && actor.separated_at <= at.toISOString())) return null;

  if (policy.onBehalfBy !== 'deputies') {
    const head = await db
      .selectFrom('users')
      .innerJoin('units', 'units.id', 'users.unit_id')
      .select('units.head_user_id')
      .where('users.id', '=', signerId)
      .executeTakeFirst();
    if (head?.head_user_id === actorId) return 'unit-head';
  }
  if (policy.onBehalfBy !== 'unit-head') {
    const day = taiwanDay(at);
    const deputy = await db
      .selectFrom('deputies')
      .select('id')
      .where('user_id', '=', signerId)
      .where('deputy_user_id', '=', actorId)
      .where('withdrawn_at', 'is', null)
      .where('starts_on', '<=', day)
      .where('ends_on', '>=', day)
      .executeTakeFirst();
    if (deputy) return 'deputy';
  }
  return null;
}
