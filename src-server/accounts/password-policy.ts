import { GongwenError } from '../../src-shared/common/errors.js';

/**
 * The password policy for accounts (README, "Password policy"). Length is what makes a password
 * hard to guess; composition rules ("a digit and a symbol") make people write `Password1!` and are
 * not asked (NIST SP 800-63B advises against them). So: at least 12 characters, at most 128 (a
 * passphrase fits; a megabyte does not reach the hash), not containing the account name, not one
 * character repeated, not a well-known password, nor the demo's.
 */
export const PASSWORD_MIN_CHARACTERS = 12;
export const PASSWORD_MAX_CHARACTERS = 128;

/** Known first guesses of 12 characters or more (lower-cased); the demo's password is public. */
const COMMON = new Set([
  'gongwen-demo',
  'gongwen-temp',
  '123456789012',
  '1234567890123',
  'password1234',
  'password12345',
  'passw0rd1234',
  'qwertyuiop12',
  'qwertyuiopas',
  'abcdefghijkl',
  '1qaz2wsx3edc',
  '1qaz@wsx3edc',
  'iloveyou1234',
  'administrator',
  'admin1234567',
]);

/** Why `password` breaks the policy for `account`, or null when it keeps it. */
export function passwordProblem(account: string, password: string): string | null {
  const characters = [...password].length;
  if (characters < PASSWORD_MIN_CHARACTERS) return `at least ${PASSWORD_MIN_CHARACTERS} characters (this one has ${characters})`;
  if (characters > PASSWORD_MAX_CHARACTERS) return `at most ${PASSWORD_MAX_CHARACTERS} characters`;
  if (account.length >= 3 && password.toLowerCase().includes(account.toLowerCase())) return 'it must not contain the account name';
  if (new Set(password).size === 1) return 'it must not be one character repeated';
  if (COMMON.has(password.toLowerCase())) return 'it is a well-known password';
  return null;
}

export function requirePasswordPolicy(account: string, password: string): void {
  const problem = passwordProblem(account, password);
  if (problem) throw new GongwenError('PASSWORD_POLICY', problem);
}
