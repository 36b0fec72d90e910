import { z } from 'zod';
import { AdminMe } from './admin.js';
import { cardProof, challenge } from './cards.js';

/**
 * Console login by card (主控台登入, issue 18). A browser cannot reach a PKCS#11 card, so the
 * console logs in by device approval, in the manner of RFC 8628:
 * 1. The console page asks for a login request (`start`): the service answers with a short code
 *    and sets a secret cookie that binds the request to this browser.
 * 2. The person, in GongwenDesk on their PC, types the code (`lookup`: where the request came
 *    from, and a card challenge for it) and approves with the card (`approve`: the card statement
 *    for purpose `console-login`, checked as a card login is).
 * 3. The page polls (`poll`, with its secret cookie) and receives its console session.
 * The code alone logs nobody in: only the browser holding the secret can pick up the session, and
 * only the card can approve it.
 */
export const CONSOLE_CARD_LOGIN_API = {
  start: '/admin/api/card-login',
  poll: '/admin/api/card-login/poll',
  lookup: '/api/console-login/lookup',
  approve: '/api/console-login/approve',
} as const;

/** The cookie that binds a login request to the browser that made it (HttpOnly, SameSite=Strict). */
export const CONSOLE_CARD_LOGIN_COOKIE = 'gongwen_admin_card';

/** How long a login request waits for its approval. */
export const CONSOLE_CARD_LOGIN_SECONDS = 120;
/** How often the page asks whether it was approved. */
export const CONSOLE_CARD_LOGIN_POLL_SECONDS = 2;

/** The code's letters: consonants only (RFC 8628 section 6.1), so no word is spelled and no 0/O or 1/I is confused. */
export const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';
export const USER_CODE_LENGTH = 8;

/** A code as typed: case, spaces and dashes do not matter. */
export const userCode = z
  .string()
  .max(32)
  .transform((s) => s.toUpperCase().replace(/[\s-]/g, ''))
  .pipe(
    z.string().regex(new RegExp(`^[${USER_CODE_ALPHABET}]{${USER_CODE_LENGTH}}$`), { message: '代碼應為 8 個英文字母，如 BCDF-GHJK (a code is 8 letters)' }),
  );

/** The code as shown: two groups of four. */
export function displayUserCode(code: string): string {
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}

/** Where a login request came from, as the service saw it. */
const origin = {
  fromAddress: z.string().describe('the address the console page’s request came from'),
  fromAgent: z.string().describe('the browser’s User-Agent, as it said (up to 200 characters)'),
  requestedAt: z.string(),
  expiresAt: z.string(),
};

export const ConsoleCardLoginStarted = z.object({
  userCode: z.string().describe('the code to type in GongwenDesk, as shown (XXXX-XXXX)'),
  intervalSeconds: z.number(),
  ...origin,
});
export type ConsoleCardLoginStarted = z.infer<typeof ConsoleCardLoginStarted>;

export const ConsoleCardLoginPoll = z.discriminatedUnion('state', [
  z.object({ state: z.literal('pending'), expiresAt: z.string(), intervalSeconds: z.number() }),
  z.object({ state: z.literal('approved'), me: AdminMe }),
]);
export type ConsoleCardLoginPoll = z.infer<typeof ConsoleCardLoginPoll>;

export const ConsoleLoginLookupRequest = z.strictObject({ userCode });
export type ConsoleLoginLookupRequest = z.input<typeof ConsoleLoginLookupRequest>;

export const ConsoleLoginLookup = z.object({
  userCode: z.string(),
  ...origin,
  sameAddress: z.boolean().describe('whether the request came from the address this desktop’s request comes from'),
  challenge,
  challengeExpiresAt: z.string(),
});
export type ConsoleLoginLookup = z.infer<typeof ConsoleLoginLookup>;

/** 主控台登入核准: the code and the card's proof over the statement for `console-login`. */
export const ConsoleLoginApproveRequest = z.strictObject({ userCode, ...cardProof });
export type ConsoleLoginApproveRequest = z.input<typeof ConsoleLoginApproveRequest>;

export const ConsoleLoginApproved = z.object({ userCode: z.string(), fromAddress: z.string(), fromAgent: z.string() });
export type ConsoleLoginApproved = z.infer<typeof ConsoleLoginApproved>;
