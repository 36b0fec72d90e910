import { closeSync, existsSync, openSync, renameSync, rmSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { OperatorError } from './operator-error.js';

/**
 * An online backup of the service's SQLite database, taken while the service runs, with SQLite's
 * backup API. The copy is made in one step (one read transaction): in WAL mode the service keeps
 * writing meanwhile, and the copy is the database as of one commit, never half of one. Page by
 * page (the API's default) would restart whenever the service commits between two steps, and
 * under steady load might never finish.
 *
 * The copy is written beside the destination, checked (`quick_check`), then renamed into place,
 * so a failed backup never leaves a file that looks like a good one. Mode 0600: it holds what the
 * database holds.
 */
export async function backupSqlite(sourcePath: string, destination: string): Promise<{ pages: number; path: string }> {
  const target = resolve(destination);
  if (!existsSync(sourcePath)) throw new OperatorError(`There is no database at ${sourcePath}: check GONGWEN_DATA_DIR.`);
  if (existsSync(target)) throw new OperatorError(`${target} already exists; give a new file name (a backup never overwrites).`);
  if (!existsSync(dirname(target))) throw new OperatorError(`The folder ${dirname(target)} does not exist.`);
  const partial = `${target}.partial`;
  try {
    closeSync(openSync(partial, 'wx', 0o600));
  } catch (error) {
    throw new OperatorError(`Cannot write ${partial}: ${(error as NodeJS.ErrnoException).code ?? String(error)}.`);
  }
  const source = new SqliteDatabase(sourcePath, { readonly: true, fileMustExist: true });
  source.pragma('busy_timeout = 5000');
  try {
    const progress = await source.backup(partial, { progress: () => 0x7fffffff });
    const copy = new SqliteDatabase(partial, { readonly: true });
    const check = copy.pragma('quick_check', { simple: true });
    copy.close();
    if (check !== 'ok') throw new OperatorError(`The copy failed its check (${String(check)}); nothing was kept.`);
    renameSync(partial, target);
    return { pages: progress.totalPages, path: target };
  } catch (error) {
    rmSync(partial, { force: true });
    if (error instanceof OperatorError) throw error;
    throw new OperatorError(`The backup failed: ${error instanceof Error ? error.message : String(error)}; nothing was kept.`);
  } finally {
    source.close();
  }
}
