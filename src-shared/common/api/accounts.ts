import { z } from 'zod';
import { NO_REMINDERS, Reminders } from './organisation.js';
import { TempCertChange } from './temp-cert.js';
import { account, text } from './text.js';

export const LoginRequest = z.strictObject({
  account,
  password: z.string().min(1).max(256),
});
export type LoginRequest = z.infer<typeof LoginRequest>;

export const UserSummary = z.object({
  account: z.string(),
  name: z.string(),
  unit: z.string(),
  unitId: z.string(),
  title: z.string(),
});
export type UserSummary = z.infer<typeof UserSummary>;

export const LoginResponse = z.object({
  token: z.string(),
  expiresAt: z.string(),
  user: UserSummary,
  /** Changes to this person's temp certificate since their previous login (from any PC): show them. */
  tempCertChanges: z.array(TempCertChange).default([]),
  /** How this session was opened: 密碼 or 憑證卡 (an older service says nothing: the password). */
  loginMethod: z.enum(['password', 'card']).default('password'),
  /** Pending 補簽 and, for a unit head, their people's overdue steps: shown after login (GET /api/reminders refreshes it). */
  reminders: Reminders.default(NO_REMINDERS),
});
export type LoginResponse = z.infer<typeof LoginResponse>;

export const UserDirectory = z.object({ users: z.array(UserSummary) });
export type UserDirectory = z.infer<typeof UserDirectory>;

export const RegisterUserInput = z.strictObject({
  account,
  name: text({ min: 1, max: 64 }),
  unitId: z.string().min(1).max(64),
  title: text({ max: 64 }),
  password: z.string().min(8).max(256),
});
