import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HICOS_TOKEN_LABEL, SIGNING_KEY_LABEL, pkcs11Modules } from '../native/pkcs11-modules.js';

/**
 * A virtual card: a SoftHSM token laid out as a HiCOS card is (token label "HiCOS PKI Smart
 * Card", a SIGN key pair and certificate, a KEYX encryption pair), holding a demo person's keys
 * from the test PKI. Each card lives in its own folder with its own SOFTHSM2_CONF.
 */
export interface VirtualCard {
  /** Set SOFTHSM2_CONF to this before the PKCS#11 module is loaded. */
  conf: string;
  tokenDir: string;
  modulePath: string;
  label: string;
  pin: string;
  soPin: string;
}

export interface VirtualCardKeys {
  certPem: string;
  keyPem: string;
  keyxCertPem?: string;
  keyxKeyPem?: string;
  /**
   * Tests of the key choice only: the labels (and CKA_IDs) to write instead of SIGN and KEYX, and
   * whether the encryption key also gets CKA_SIGN (some cards set it on both keys).
   */
  labels?: { sign: string; keyx: string };
  keyxMaySign?: boolean;
}

export function softhsmModulePath(): string {
  const entry = pkcs11Modules.find((m) => m.rescanByReinitialize)!;
  const path = (entry.paths[process.platform] ?? []).find((p) => {
    try {
      execFileSync('test', ['-f', p]);
      return true;
    } catch {
      return false;
    }
  });
  if (!path) throw new Error('SoftHSM 2 is not installed (Debian: apt-get install softhsm2 opensc)');
  return path;
}

/** Makes the folder and configuration of a virtual card reader; with no token yet ("no card"). */
export function makeVirtualReader(dir: string): VirtualCard {
  const tokenDir = join(dir, 'tokens');
  mkdirSync(tokenDir, { recursive: true, mode: 0o700 });
  const conf = join(dir, 'softhsm2.conf');
  writeFileSync(conf, `directories.tokendir = ${tokenDir}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = true\n`);
  return { conf, tokenDir, modulePath: softhsmModulePath(), label: HICOS_TOKEN_LABEL, pin: '123456', soPin: '12345678' };
}

/**
 * "Inserts" a card: initialises a token and writes the keys and certificates onto it on a bench
 * beside the reader, then moves the finished token into the reader in one rename. A program
 * watching the reader (the card thread re-reads it every second) never sees a half-made token;
 * SoftHSM can crash on one whose files appear or vanish while it reads them.
 */
export function insertVirtualCard(reader: VirtualCard, keys: VirtualCardKeys, options: { pin?: string } = {}): VirtualCard {
  const bench = makeVirtualReader(mkdtempSync(join(reader.tokenDir, '..', 'bench-')));
  writeToken({ ...bench, pin: options.pin ?? reader.pin }, keys, join(reader.tokenDir, '..'));
  for (const token of readdirSync(bench.tokenDir)) renameSync(join(bench.tokenDir, token), join(reader.tokenDir, token));
  rmSync(join(bench.tokenDir, '..'), { recursive: true, force: true });
  return { ...reader, pin: options.pin ?? reader.pin };
}

/** Makes the token; the certificates (DER) are also left in `files`, beside the reader. */
function writeToken(card: VirtualCard, keys: VirtualCardKeys, files: string): void {
  const env = { ...process.env, SOFTHSM2_CONF: card.conf };
  const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  run('softhsm2-util', ['--init-token', '--free', '--label', card.label, '--so-pin', card.soPin, '--pin', card.pin]);
  const tool = (args: string[]) => run('pkcs11-tool', ['--module', card.modulePath, '--token-label', card.label, '--login', '--pin', card.pin, ...args]);
  const write = (name: string, text: string) => {
    const path = join(files, name);
    writeFileSync(path, text, { mode: 0o600 });
    return path;
  };
  const der = (pemPath: string, outName: string) => {
    const out = join(files, outName);
    execFileSync('openssl', ['x509', '-in', pemPath, '-outform', 'DER', '-out', out]);
    return out;
  };
  // The encryption pair goes on first, so that a careless "first key" choice would take it.
  const labels = keys.labels ?? { sign: SIGNING_KEY_LABEL, keyx: 'KEYX' };
  if (keys.keyxCertPem && keys.keyxKeyPem) {
    const keyxId = Buffer.from(labels.keyx).toString('hex');
    const usage = keys.keyxMaySign ? ['--usage-decrypt', '--usage-sign'] : ['--usage-decrypt'];
    tool(['--write-object', write('keyx.key.pem', keys.keyxKeyPem), '--type', 'privkey', '--id', keyxId, '--label', labels.keyx, ...usage]);
    tool(['--write-object', der(write('keyx.cert.pem', keys.keyxCertPem), 'keyx.cert.der'), '--type', 'cert', '--id', keyxId, '--label', labels.keyx]);
  }
  const signId = Buffer.from(labels.sign).toString('hex');
  tool(['--write-object', write('sign.key.pem', keys.keyPem), '--type', 'privkey', '--id', signId, '--label', labels.sign, '--usage-sign']);
  tool(['--write-object', der(write('sign.cert.pem', keys.certPem), 'sign.cert.der'), '--type', 'cert', '--id', signId, '--label', labels.sign]);
  for (const f of ['keyx.key.pem', 'sign.key.pem']) writeFileSync(join(files, f), ''); // the keys now live on the token only
}

/**
 * "Pulls out" one card of several in the reader (two readers, as SoftHSM plays them: each token of
 * one token folder is a slot). SoftHSM names a token's folder by a UUID whose last 16 hex digits
 * are the token serial; the folder is moved out in one rename, and `putBack` moves the same token
 * (same serial, as a real card re-inserted) back. The card thread sees either at its next rescan
 * (SoftHSM re-reads its folder at C_Initialize).
 */
export function pullOutCard(card: VirtualCard, serial: string): { putBack(): void } {
  const folder = readdirSync(card.tokenDir).find((name) => name.replace(/-/g, '').toLowerCase().endsWith(serial.toLowerCase()));
  if (!folder) throw new Error(`no token with serial ${serial} in ${card.tokenDir}`);
  const pulled = mkdtempSync(join(card.tokenDir, '..', 'pulled-'));
  renameSync(join(card.tokenDir, folder), join(pulled, folder));
  return {
    putBack: () => {
      renameSync(join(pulled, folder), join(card.tokenDir, folder));
      rmSync(pulled, { recursive: true, force: true });
    },
  };
}

/** "Pulls out" the card: moves the token out of the reader in one rename, then deletes it. */
export function removeVirtualCard(card: VirtualCard): void {
  const pulled = mkdtempSync(join(card.tokenDir, '..', 'pulled-'));
  for (const token of readdirSync(card.tokenDir)) renameSync(join(card.tokenDir, token), join(pulled, token));
  rmSync(pulled, { recursive: true, force: true });
}
