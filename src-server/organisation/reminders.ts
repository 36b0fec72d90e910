import type { Kysely } from 'kysely';
import type { Reminders } from '../../src-shared/common/api/organisation.js';
import type { ResignPolicy } from '../../src-shared/common/api/policy.js';
import type { Database } from '../storage/schema.js';
import { overdueInUnitsHeadedBy, pendingResignOf } from './pending-resign.js';

const DAY_MS = 86_400_000;

/**
 * What a person is told at login (and when the app asks again): their own pending 補簽 and the
 * earliest of them, and, for a unit head, how many of their people's steps are overdue (pending
 * longer than the policy's overdueAfterDays), so that someone acts before 歸檔 is refused.
 */
export async function remindersFor(db: Kysely<Database>, policy: Pick<ResignPolicy, 'overdueAfterDays'>, userId: string, now: Date): Promise<Reminders> {
  const overdueBefore = new Date(now.getTime() - policy.overdueAfterDays * DAY_MS).toISOString();
  const [mine, unitOverdue] = await Promise.all([pendingResignOf(db, userId), overdueInUnitsHeadedBy(db, userId, overdueBefore)]);
  return { pendingResign: mine.count, earliestPendingAt: mine.earliestAt, unitOverdue };
}
