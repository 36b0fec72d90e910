import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * An independent RFC 3161 TSA for tests: `openssl ts -reply` with its own root and TSA
 * certificate, made by openssl itself (nothing of the project's code in its tokens).
 */
export interface OpensslTsa {
  dir: string;
  /** The TSA's root, to trust. */
  rootPem: string;
  /** With `underCa`: the CA between the root and the TSA (its tokens carry it). */
  caPem?: string;
  /** Answers a TimeStampReq (DER) with a TimeStampResp (DER). */
  reply(request: Uint8Array): Uint8Array;
  /** A token (TimeStampToken, DER) over `digestHex` (SHA-256), with the TSA certificate in it. */
  token(digestHex: string): Uint8Array;
}

/** `underCa`: root → CA → TSA, as a TSA under a national root is (default: root → TSA). */
export function startOpensslTsa(options: { underCa?: boolean } = {}): OpensslTsa {
  const dir = mkdtempSync(join(tmpdir(), 'gongwen-openssl-tsa-'));
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  writeFileSync(join(dir, 'tsa.ext'), 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=critical,timeStamping\n');
  run(
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    'root.key',
    '-out',
    'root.pem',
    '-days',
    '3650',
    '-subj',
    '/CN=OpenSSL Test TSA Root',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  );
  const issuer = options.underCa ? 'ca' : 'root';
  if (options.underCa) {
    writeFileSync(join(dir, 'ca.ext'), 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n');
    run('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.csr', '-subj', '/CN=OpenSSL Test TSA CA');
    run('x509', '-req', '-in', 'ca.csr', '-CA', 'root.pem', '-CAkey', 'root.key', '-CAcreateserial', '-days', '3650', '-extfile', 'ca.ext', '-out', 'ca.pem');
  }
  run('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'tsa.key', '-out', 'tsa.csr', '-subj', '/CN=OpenSSL Test TSA');
  run(
    'x509',
    '-req',
    '-in',
    'tsa.csr',
    '-CA',
    `${issuer}.pem`,
    '-CAkey',
    `${issuer}.key`,
    '-CAcreateserial',
    '-days',
    '3650',
    '-extfile',
    'tsa.ext',
    '-out',
    'tsa.pem',
  );
  writeFileSync(join(dir, 'serial'), '01\n');
  writeFileSync(
    join(dir, 'tsa.cnf'),
    [
      '[tsa]',
      'default_tsa = tsa_config',
      '[tsa_config]',
      `dir = ${dir}`,
      'serial = $dir/serial',
      'signer_cert = $dir/tsa.pem',
      `certs = $dir/${issuer}.pem`,
      'signer_key = $dir/tsa.key',
      'signer_digest = sha256',
      'default_policy = 1.2.3.4.1',
      'digests = sha256',
      'accuracy = secs:1',
      'ess_cert_id_alg = sha256',
      'ess_cert_id_chain = no',
      'ordering = no',
      'tsa_name = no',
      '',
    ].join('\n'),
  );
  let n = 0;
  const reply = (request: Uint8Array, tokenOut: boolean) => {
    const q = join(dir, `q${++n}.tsq`);
    writeFileSync(q, request);
    return new Uint8Array(run('ts', '-reply', '-config', 'tsa.cnf', '-queryfile', q, ...(tokenOut ? ['-token_out'] : [])));
  };
  return {
    dir,
    rootPem: readFileSync(join(dir, 'root.pem'), 'utf8'),
    caPem: options.underCa ? readFileSync(join(dir, 'ca.pem'), 'utf8') : undefined,
    reply: (request) => reply(request, false),
    token: (digestHex) => reply(new Uint8Array(run('ts', '-query', '-digest', digestHex, '-sha256', '-cert')), true),
  };
}

/**
 * The openssl TSA behind a small HTTP handler (RFC 3161 over HTTP). `answer` may change what it
 * does: 'ok', 'down' (503), or a function of the request that returns the reply to send.
 */
export async function serveOpensslTsa(
  tsa: OpensslTsa,
): Promise<{ url: string; requests: number; answer: 'ok' | 'down' | ((request: Uint8Array) => Uint8Array); close(): Promise<void> }> {
  const { createServer } = await import('node:http');
  const state = {
    url: '',
    requests: 0,
    answer: 'ok' as 'ok' | 'down' | ((request: Uint8Array) => Uint8Array),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      state.requests++;
      if (state.answer === 'down' || req.headers['content-type'] !== 'application/timestamp-query') {
        res.writeHead(state.answer === 'down' ? 503 : 415).end();
        return;
      }
      const request = new Uint8Array(Buffer.concat(chunks));
      const reply = state.answer === 'ok' ? tsa.reply(request) : state.answer(request);
      res.writeHead(200, { 'content-type': 'application/timestamp-reply' }).end(Buffer.from(reply));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  state.url = `http://127.0.0.1:${address.port}/tsa`;
  return state;
}

/** `openssl ts -verify` of a token over `digestHex` (SHA-256), trusting `caPem`: true when openssl says OK. */
export function opensslVerifies(token: Uint8Array, digestHex: string, caPem: string): boolean {
  const dir = mkdtempSync(join(tmpdir(), 'ts-verify-'));
  writeFileSync(join(dir, 'token.der'), token);
  writeFileSync(join(dir, 'ca.pem'), caPem);
  try {
    return execFileSync('openssl', ['ts', '-verify', '-token_in', '-in', 'token.der', '-digest', digestHex, '-CAfile', 'ca.pem'], {
      cwd: dir,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }).includes('Verification: OK');
  } catch {
    return false;
  }
}
