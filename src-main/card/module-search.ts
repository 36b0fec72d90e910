import { statSync } from 'node:fs';
import { pkcs11Modules } from '../../native/pkcs11-modules.js';

/** Every path tried for the PKCS#11 module, in order, and the one used: the diagnostics show both. */
export interface ModuleSearch {
  /** The module used; '' when none was found. */
  path: string;
  /** `configured`: Settings (the clerk's or the administrator's) or GONGWEN_PKCS11_MODULE; `found`: the first file of the known table on this PC. */
  source: 'configured' | 'found' | 'none';
  tried: { path: string; exists: boolean }[];
}

const isFile = (path: string): boolean => {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
};

/**
 * The module to load: the one Settings name (already checked against module-policy.ts), else the
 * first file of the known table (native/pkcs11-modules.ts: HiCOS, then OpenSC, then SoftHSM) that
 * exists on this OS. Every table path is listed with whether it exists, so IT staff can see at a
 * glance whether HiCOS is installed where it is expected.
 */
export function findModule(
  configured: string | undefined,
  platform: NodeJS.Platform = process.platform,
  exists: (path: string) => boolean = isFile,
): ModuleSearch {
  const tried = pkcs11Modules.flatMap((m) => m.paths[platform] ?? []).map((path) => ({ path, exists: exists(path) }));
  if (configured) return { path: configured, source: 'configured', tried };
  const found = tried.find((t) => t.exists);
  return found ? { path: found.path, source: 'found', tried } : { path: '', source: 'none', tried };
}
