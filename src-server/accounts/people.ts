import type { ServiceContext } from '../context.js';
import { isSeparated } from './sessions.js';

/** One person as IT staff see them: who, where, whether they still work here, their cards, their last login. */
export interface PersonRecord {
  account: string;
  name: string;
  unitId: string;
  unit: string;
  title: string;
  /** 在職 or 離職 (separated: logins and sends refused from `separatedAt`). */
  state: 'active' | 'separated';
  separatedAt: string | null;
  /** Cards registered and not retired: those that still log in and sign. */
  cards: number;
  retiredCards: number;
  /** The last session opened (password or card); null when they never logged in. */
  lastLoginAt: string | null;
}

export interface PeopleQuery {
  unitId?: string;
  state?: 'active' | 'separated';
  /** Paged in the database, in unit and account order. */
  offset?: number;
  limit?: number;
}

/**
 * The people of the agency, for `list-users` and the console's 人員 page: one query, counted and
 * paged in the database (a list of people is never read whole to be cut in memory).
 */
export async function listPeople(ctx: ServiceContext, query: PeopleQuery = {}): Promise<PersonRecord[]> {
  const now = ctx.now().toISOString();
  let select = ctx.storage.db
    .selectFrom('users')
    .innerJoin('units', 'units.id', 'users.unit_id')
    .select((eb) => [
      'users.account',
      'users.name',
      'users.title',
      'users.separated_at',
      'units.id as unitId',
      'units.name as unit',
      eb
        .selectFrom('card_certificates')
        .select((c) => c.fn.countAll<number | string>().as('n'))
        .whereRef('card_certificates.user_id', '=', 'users.id')
        .where('card_certificates.retired_at', 'is', null)
        .as('cards'),
      eb
        .selectFrom('card_certificates')
        .select((c) => c.fn.countAll<number | string>().as('n'))
        .whereRef('card_certificates.user_id', '=', 'users.id')
        .where('card_certificates.retired_at', 'is not', null)
        .as('retiredCards'),
      eb
        .selectFrom('sessions')
        .select((s) => s.fn.max('sessions.created_at').as('at'))
        .whereRef('sessions.user_id', '=', 'users.id')
        .as('lastLoginAt'),
    ]);
  if (query.unitId !== undefined) select = select.where('users.unit_id', '=', query.unitId);
  // Separated from a moment up to now; separateUser never records a later one.
  if (query.state === 'separated') select = select.where('users.separated_at', '<=', now);
  if (query.state === 'active') select = select.where((eb) => eb.or([eb('users.separated_at', 'is', null), eb('users.separated_at', '>', now)]));
  select = select.orderBy('units.id').orderBy('users.account');
  if (query.limit !== undefined) select = select.limit(query.limit).offset(query.offset ?? 0);
  const rows = await select.execute();
  return rows.map((r) => ({
    account: r.account,
    name: r.name,
    unitId: r.unitId,
    unit: r.unit,
    title: r.title,
    state: isSeparated(r.separated_at, ctx.now()) ? 'separated' : 'active',
    separatedAt: r.separated_at,
    cards: Number(r.cards ?? 0),
    retiredCards: Number(r.retiredCards ?? 0),
    lastLoginAt: r.lastLoginAt ?? null,
  }));
}
