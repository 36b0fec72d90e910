import { chmodSync, closeSync, mkdirSync, openSync, statSync } from 'node:fs';

/**
 * The service's data (database, temp CA key, backups) is readable only by the service's user:
 * folders 0700, files 0600, whatever the umask. A folder or file made by an earlier version (the
 * database was 0644 in a 0755 folder) is closed at start; one owned by another user is left as it
 * is (chmod would fail, and its owner chose).
 */
export function ensurePrivateFolder(path: string): void {
  mkdirSync(path, { recursive: true, mode: 0o700 });
  tighten(path, 0o700);
}

/** Creates `path` empty if missing (so that it is born 0600), or closes an existing one to 0600. */
export function ensurePrivateFile(path: string): void {
  try {
    closeSync(openSync(path, 'a', 0o600));
  } catch {
    return; // unwritable here: opening the database will say so in its own words
  }
  tighten(path, 0o600);
}

function tighten(path: string, mode: number): void {
  const stat = statSync(path);
  if ((stat.mode & 0o777) === mode) return;
  if (typeof process.getuid === 'function' && stat.uid !== process.getuid()) return;
  chmodSync(path, mode);
}
