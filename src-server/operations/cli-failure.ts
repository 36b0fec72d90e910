import { GongwenError } from '../../src-shared/common/errors.js';
import { isUniqueViolation } from '../storage/database.js';
import { OperatorError } from './operator-error.js';

/** How a failed CLI command ends: one sentence on stderr and an exit code. */
export interface CliFailure {
  message: string;
  exitCode: 1 | 2;
}

interface SystemError {
  code?: string;
  path?: string;
  address?: string;
  port?: number;
  syscall?: string;
}

/**
 * Turns whatever a command threw into a sentence an operator can act on. Stacks are for the
 * developer: `GONGWEN_DEBUG=1` adds one (the CLI prints it after the sentence). Connection strings
 * are never repeated (they may hold a password).
 */
export function describeFailure(error: unknown): CliFailure {
  if (error instanceof OperatorError) return { message: error.message, exitCode: error.exitCode };
  if (error instanceof GongwenError) return { message: `${error.code}: ${error.message}${error.detail ? ` (${error.detail})` : ''}`, exitCode: 1 };
  const e = (error ?? {}) as SystemError & { message?: string };
  const text = typeof e.message === 'string' ? e.message : String(error);
  if (typeof e.code === 'string' && e.code.startsWith('ERR_PARSE_ARGS_'))
    return { message: `${text}. Run without arguments for the commands and their options.`, exitCode: 2 };
  switch (e.code) {
    case 'ENOENT':
      return { message: `${e.path ?? 'A file'} does not exist (no such file or folder).`, exitCode: 1 };
    case 'EACCES':
    case 'EPERM':
      if (e.syscall === 'listen' || e.syscall === 'bind')
        return {
          message: `Not allowed to listen on port ${e.port ?? '?'} of ${e.address ?? '?'} (ports below 1024 need privileges; use --port 8380 behind a proxy).`,
          exitCode: 1,
        };
      return {
        message: `Permission denied on ${e.path ?? 'a file'}: the service's user must be able to read (and for the data folder, write) it.`,
        exitCode: 1,
      };
    case 'EISDIR':
      return { message: `${e.path ?? 'That path'} is a folder, not a file.`, exitCode: 1 };
    case 'EADDRINUSE':
      return {
        message: `port ${e.port ?? '?'} on ${e.address ?? '?'} is already in use (another service, or this one already running); choose another with --port.`,
        exitCode: 1,
      };
    case 'EADDRNOTAVAIL':
      return { message: `${e.address ?? 'That address'} is not an address of this machine; give --host one of its addresses (0.0.0.0 for all).`, exitCode: 1 };
    case 'ECONNREFUSED':
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENOTFOUND':
      return {
        message: `Cannot reach the database at ${e.address ?? 'its host'}${e.port ? `:${e.port}` : ''} (${e.code}): is PostgreSQL running, and is DATABASE_URL right?`,
        exitCode: 1,
      };
    case 'SQLITE_CANTOPEN':
      return { message: "Cannot open the SQLite database: check GONGWEN_DATA_DIR (or DATABASE_URL) and that the service's user may write there.", exitCode: 1 };
    case '28P01':
    case '28000':
      return { message: 'PostgreSQL refused the login: check the user and password in DATABASE_URL.', exitCode: 1 };
    case '3D000':
      return { message: 'The database named in DATABASE_URL does not exist: create it (createdb) first.', exitCode: 1 };
    default:
      break; // no code of its own: the sentences below
  }
  if (isUniqueViolation(error)) return { message: `That already exists (${text.replace(/^.*constraint failed: /, '')}); nothing was changed.`, exitCode: 1 };
  return { message: `Unexpected failure: ${text.split('\n')[0]} (GONGWEN_DEBUG=1 shows where).`, exitCode: 1 };
}
