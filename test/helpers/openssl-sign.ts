import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A detached CMS signature over `payload` made by the `openssl cms -sign` CLI, as an integrator's
 * script would make it: nothing of the project's CMS code is involved. `args` add to
 * `-sign -binary -outform DER` (for example `-cades -stream`, `-keyid`,
 * `-keyopt rsa_padding_mode:pss`, `-md sha384`).
 */
export function opensslSign(payload: Uint8Array, signer: { certPem: string; keyPem: string }, args: readonly string[]): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), 'gongwen-openssl-sign-'));
  try {
    writeFileSync(join(dir, 'payload.json'), payload);
    writeFileSync(join(dir, 'cert.pem'), signer.certPem);
    writeFileSync(join(dir, 'key.pem'), signer.keyPem, { mode: 0o600 });
    execFileSync(
      'openssl',
      ['cms', '-sign', '-binary', '-in', 'payload.json', '-signer', 'cert.pem', '-inkey', 'key.pem', '-outform', 'DER', '-out', 'sig.p7s', ...args],
      { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    return new Uint8Array(readFileSync(join(dir, 'sig.p7s')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `openssl cms -verify` of a detached signature over `payload`, trusting `caPem`: true when openssl says it verifies. */
export function opensslVerifies(cms: Uint8Array, payload: Uint8Array, caPem: string): boolean {
  const dir = mkdtempSync(join(tmpdir(), 'gongwen-openssl-verify-'));
  try {
    writeFileSync(join(dir, 'sig.p7s'), cms);
    writeFileSync(join(dir, 'payload.json'), payload);
    writeFileSync(join(dir, 'ca.pem'), caPem);
    execFileSync(
      'openssl',
      [
        'cms',
        '-verify',
        '-inform',
        'DER',
        '-in',
        'sig.p7s',
        '-binary',
        '-content',
        'payload.json',
        '-CAfile',
        'ca.pem',
        '-purpose',
        'any',
        '-out',
        '/dev/null',
      ],
      { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    return true;
  } catch {
    return false;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
