import { extname, join, normalize, sep } from 'node:path';

/**
 * app://gongwen/<path> → a file of the built renderer, never outside it: the file's path, or the
 * status to answer. Kept apart from the Electron calls so tests run it. A URL that does not decode
 * (a lone `%`) is a bad request, answered 400, not an exception outside the handler.
 */
export function rendererFileFor(requestUrl: string, rendererDir: string): { path: string } | { status: 400 | 404 } {
  let url: URL;
  let pathname: string;
  try {
    url = new URL(requestUrl);
    pathname = decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname);
  } catch {
    return { status: 400 };
  }
  const relative = normalize(pathname).replace(/^([/\\])+/, '');
  const path = join(rendererDir, relative);
  if (url.host !== 'gongwen' || !path.startsWith(rendererDir + sep)) return { status: 404 };
  return { path };
}

const MIME: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

/** The content type a built renderer file is served with (the app:// protocol and the trial shell alike). */
export function rendererContentType(path: string): string {
  return MIME[extname(path)] ?? 'application/octet-stream';
}
