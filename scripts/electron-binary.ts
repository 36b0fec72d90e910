import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

/**
 * The Electron executable, when it was downloaded at install time; null when the install skipped it
 * (ELECTRON_SKIP_BINARY_DOWNLOAD=1, or a machine that cannot reach GitHub).
 */
export function electronBinary(): string | null {
  try {
    const path = createRequire(import.meta.url)('electron') as unknown;
    return typeof path === 'string' && existsSync(path) ? path : null;
  } catch {
    return null;
  }
}

export const NO_ELECTRON_SENTENCE =
  'Electron 的執行檔沒有安裝（安裝時跳過了下載），請在可連上 GitHub 的電腦執行 `node node_modules/electron/install.js` 後再試 — the Electron binary is not installed (its download was skipped); run `node node_modules/electron/install.js` on a machine that can reach GitHub, then try again.';
