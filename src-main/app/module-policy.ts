import { posix, win32 } from 'node:path';
import { pkcs11Modules } from '../../native/pkcs11-modules.js';
import { GongwenError } from '../../src-shared/common/errors.js';

/**
 * Which PKCS#11 module the main process may load. A module is native code run inside the main
 * process, and the path comes from a page (Settings) or a file in the clerk's data folder: only the
 * modules of the known table (native/pkcs11-modules.ts) for this OS, or those an administrator
 * lists in the configuration file (`allowedModulePaths`), are accepted. Relative paths (resolved
 * against whatever folder the app runs in) and UNC paths (a DLL from another machine) never are.
 */
export function checkModulePath(path: string, adminAllowed: readonly string[] = [], platform: NodeJS.Platform = process.platform): string {
  if (path === '') return path; // the first module of the table found on this PC
  if (!isLocalAbsolute(path, platform)) throw new GongwenError('CARD_MODULE_NOT_ALLOWED', 'not an absolute local path');
  const same = (a: string, b: string) => (platform === 'win32' || platform === 'darwin' ? a.toLowerCase() === b.toLowerCase() : a === b);
  const known = pkcs11Modules.flatMap((m) => m.paths[platform] ?? []);
  const allowed = [...known, ...adminAllowed.filter((p) => isLocalAbsolute(p, platform))];
  if (!allowed.some((p) => same(p, path))) throw new GongwenError('CARD_MODULE_NOT_ALLOWED', 'not in the module table or the administrator’s list');
  return path;
}

/** Whether the module path may be used, without saying why not. */
export function isModuleAllowed(path: string, adminAllowed: readonly string[] = [], platform: NodeJS.Platform = process.platform): boolean {
  try {
    checkModulePath(path, adminAllowed, platform);
    return true;
  } catch {
    return false;
  }
}

function isLocalAbsolute(path: string, platform: NodeJS.Platform): boolean {
  if (/[\0\r\n]/.test(path)) return false;
  if (platform !== 'win32') return posix.isAbsolute(path) && !path.startsWith('//') && posix.normalize(path) === path;
  // \\server\share, //server/share, \\?\ and \\.\ device paths: not a file on this PC's disks.
  if (/^[\\/]{2}/.test(path)) return false;
  return /^[A-Za-z]:[\\/]/.test(path) && win32.isAbsolute(path) && win32.normalize(path) === path;
}
