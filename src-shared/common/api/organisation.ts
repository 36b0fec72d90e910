import { z } from 'zod';
import { account } from './text.js';

/** A calendar day in Taiwan's time, as the API writes it: `2026-12-01` (the app shows `115/12/01`). */
export const isoDay = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, { message: '日期格式應為 YYYY-MM-DD (a day is YYYY-MM-DD)' })
  // zod runs this also when the pattern failed: a value that is no date at all must not throw here.
  .refine((s) => isCalendarDay(s), { message: '沒有這一天 (no such day)' });

function isCalendarDay(s: string): boolean {
  const at = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(at.getTime()) && at.toISOString().slice(0, 10) === s;
}

/** A person as the deputy screens name them. */
export const PersonRef = z.object({ account: z.string(), name: z.string(), title: z.string(), unit: z.string() });
export type PersonRef = z.infer<typeof PersonRef>;

/** One deputy (職務代理人) of one person, for a range of days (both ends included). */
export const Deputy = z.object({
  id: z.string(),
  /** The person acted for. */
  person: PersonRef,
  deputy: PersonRef,
  startsOn: z.string(),
  endsOn: z.string(),
  namedBy: z.string(),
  namedAt: z.string(),
});
export type Deputy = z.infer<typeof Deputy>;

export const DeputyList = z.object({
  /** My deputies, current and upcoming (withdrawn and ended ones are left out). */
  mine: z.array(Deputy),
  /** Those I am deputy for, current and upcoming. */
  actingFor: z.array(Deputy),
  /** For a unit head: the people of their unit who have named no deputy (the head may name one). */
  staffWithoutDeputy: z.array(PersonRef),
});
export type DeputyList = z.infer<typeof DeputyList>;

export const NameDeputyRequest = z.strictObject({
  deputy: account,
  startsOn: isoDay,
  endsOn: isoDay,
  /** A unit head naming one for a person of their unit; left out: for oneself. */
  for: account.optional(),
  /** The login password again: a deputy may re-sign on the person's behalf, so a borrowed session is not enough. */
  loginPassword: z.string().min(1).max(256),
});
export type NameDeputyRequest = z.infer<typeof NameDeputyRequest>;

export const SeparateUserRequest = z.strictObject({
  /** The day the person left, in Taiwan's time (today or earlier); left out: now. */
  on: isoDay.optional(),
});
export type SeparateUserRequest = z.infer<typeof SeparateUserRequest>;

export const Separation = z.object({
  account: z.string(),
  separatedAt: z.string(),
  sessionsEnded: z.number(),
  tempCertsRevoked: z.number(),
  /** Their temp-signed steps not yet re-signed: due on their behalf from now on. */
  pendingResign: z.number(),
  /** Units they were head of: each needs a new head (set-unit-head). */
  headOf: z.array(z.string()),
});
export type Separation = z.infer<typeof Separation>;

/** What the app tells a person at login, and on asking again (GET /api/reminders). */
export const Reminders = z.object({
  /** My temp-signed steps not yet re-signed (IFT940). */
  pendingResign: z.number(),
  /** When the earliest of them was sent (ISO instant); null when none. */
  earliestPendingAt: z.string().nullable(),
  /** For a unit head: the pending steps of their unit's people older than the policy's overdue days; null for others. */
  unitOverdue: z.number().nullable(),
});
export type Reminders = z.infer<typeof Reminders>;
export const NO_REMINDERS: Reminders = { pendingResign: 0, earliestPendingAt: null, unitOverdue: null };

/** A month in Taiwan's time, ISO style: `2026-11`. */
export const FiguresQuery = z.strictObject({
  month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, { message: '月份格式應為 YYYY-MM (a month is YYYY-MM)' }),
});
export type FiguresQuery = z.infer<typeof FiguresQuery>;

/**
 * The monthly figures of a unit (the management report): the steps its people temp-signed in the
 * month (Taiwan time), and what has become of them as of `asOf`.
 */
export const MonthlyFigures = z.object({
  unitId: z.string(),
  month: z.string(),
  asOf: z.string(),
  tempSigned: z.number(),
  resigned: z.object({ self: z.number(), onBehalf: z.number(), paper: z.number() }),
  pending: z.number(),
  /** Pending for more than the policy's overdueAfterDays. */
  overdue: z.number(),
  /** Days from sending to 補簽 over the re-signed steps (nearest-rank, one decimal); null when none. */
  daysToResign: z.object({ median: z.number().nullable(), p90: z.number().nullable() }),
});
export type MonthlyFigures = z.infer<typeof MonthlyFigures>;
