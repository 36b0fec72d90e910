import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { BlockList, isIP } from 'node:net';
import { OperatorError } from '../operations/operator-error.js';

/** The service's own HTTPS certificate and key (GONGWEN_TLS_CERT / GONGWEN_TLS_KEY), PEM. */
export interface TlsFiles {
  cert: Buffer;
  key: Buffer;
}

/**
 * Reads and checks the TLS files at start: both given or neither, each parses, the key is the
 * certificate's, and the certificate is within its validity. A mistake here is a sentence and no
 * start, never a service that answers handshakes with the wrong certificate.
 */
export async function loadTls(certPath: string | undefined, keyPath: string | undefined, now: Date): Promise<TlsFiles | undefined> {
  if (!certPath && !keyPath) return undefined;
  if (!certPath || !keyPath) throw new OperatorError('GONGWEN_TLS_CERT and GONGWEN_TLS_KEY go together: set both to serve HTTPS, or neither.', 2);
  const read = async (path: string, name: string) =>
    readFile(path).catch((error: NodeJS.ErrnoException) => {
      throw new OperatorError(`${name} names ${path}, which cannot be read (${error.code ?? 'error'}).`, 2);
    });
  const cert = await read(certPath, 'GONGWEN_TLS_CERT');
  const key = await read(keyPath, 'GONGWEN_TLS_KEY');
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(cert);
  } catch {
    throw new OperatorError(`GONGWEN_TLS_CERT (${certPath}) is not a PEM certificate.`, 2);
  }
  let privateKey;
  try {
    privateKey = createPrivateKey(key);
  } catch {
    throw new OperatorError(`GONGWEN_TLS_KEY (${keyPath}) is not an unencrypted PEM private key.`, 2);
  }
  if (!certificate.checkPrivateKey(privateKey)) throw new OperatorError(`GONGWEN_TLS_KEY (${keyPath}) is not the key of the certificate in ${certPath}.`, 2);
  if (now < new Date(certificate.validFrom) || now > new Date(certificate.validTo))
    throw new OperatorError(`The TLS certificate in ${certPath} is valid from ${certificate.validFrom} to ${certificate.validTo}, not now.`, 2);
  return { cert, key };
}

/**
 * GONGWEN_TRUST_PROXY: the reverse proxies (addresses or CIDR ranges, comma-separated) whose
 * X-Forwarded-For is believed, so audit entries name the clerk's PC and not the proxy. Nobody
 * else's header is read: a client cannot name its own address.
 */
export function parseTrustedProxies(text: string | undefined): string[] | undefined {
  if (!text) return undefined;
  const entries = text.split(',').map((s) => s.trim());
  for (const entry of entries) {
    const [address, bits, extra] = entry.split('/');
    const family = isIP(address ?? '');
    const maxBits = family === 6 ? 128 : 32;
    const okBits = bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= maxBits);
    if (!family || !okBits || extra !== undefined)
      throw new OperatorError(`GONGWEN_TRUST_PROXY must list addresses or CIDR ranges separated by commas (10.0.0.5, 10.1.0.0/16), not "${entry}".`, 2);
  }
  return entries;
}

/** The trusted proxies as a matcher (the per-address connection cap does not apply to them: every clerk comes through one). */
export function proxyMatcher(entries: readonly string[] | undefined): (address: string) => boolean {
  if (!entries) return () => false;
  const list = new BlockList();
  for (const entry of entries) {
    const [address, bits] = entry.split('/') as [string, string | undefined];
    const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(bits), type);
  }
  return (address) => {
    const plain = address.replace(/^::ffff:/, ''); // an IPv4 client on a dual-stack socket
    return list.check(plain, isIP(plain) === 6 ? 'ipv6' : 'ipv4');
  };
}
