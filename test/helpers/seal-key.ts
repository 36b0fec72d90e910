import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A new seal key file (GONGWEN_SEAL_KEY_FILE: 32 random bytes in base64, mode 0600), in a folder
 * of its own: on PostgreSQL the temp CA and TSA keys are kept sealed under it in the database.
 */
export function writeSealKeyFile(folder = mkdtempSync(join(tmpdir(), 'gongwen-seal-'))): string {
  const path = join(folder, 'seal.key');
  writeFileSync(path, randomBytes(32).toString('base64') + '\n', { mode: 0o600 });
  return path;
}
