/**
 * The shell's security constants, kept apart from the Electron calls so tests can use them: the
 * app:// origin, the Content-Security-Policy every page is served with, the IPC sender check.
 * (The window's webPreferences are written out in main.ts, where scanners look for them.)
 */
export const APP_SCHEME = 'app';
export const APP_ORIGIN = `${APP_SCHEME}://gongwen`;

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  // Ant Design writes its styles at run time (CSS-in-JS): inline styles, never inline scripts.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  // The renderer reaches the service only through the main process.
  "connect-src 'none'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Only the app's own page may call the main process. */
export function isTrustedSender(frameUrl: string | undefined): boolean {
  if (!frameUrl) return false;
  try {
    const url = new URL(frameUrl);
    return url.protocol === `${APP_SCHEME}:` && url.host === 'gongwen';
  } catch {
    return false;
  }
}

/** The channel prefix the preload lets through. */
export const IPC_PREFIX = 'gongwen:';
