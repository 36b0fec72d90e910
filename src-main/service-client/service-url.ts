import { isIP } from 'node:net';
import { GongwenError } from '../../src-shared/common/errors.js';

/** https everywhere; plain http only to this computer (the demo, a developer's service). */
export function checkServiceUrl(text: string): URL {
  // Nothing set is not an insecure address: the clerk has to be told to enter one.
  if (text.trim() === '') throw new GongwenError('SERVICE_URL_MISSING', 'no service address');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new GongwenError('SERVICE_URL_INSECURE', 'not a URL');
  }
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && isLoopback(url.hostname)) return url;
  throw new GongwenError('SERVICE_URL_INSECURE', url.origin);
}

export function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1' || host === '0:0:0:0:0:0:0:1';
  return false;
}
