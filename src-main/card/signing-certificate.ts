import { x509 } from '../../src-shared/node/pki/x509.js';
import { SIGNING_KEY_LABEL } from '../../native/pkcs11-modules.js';

/**
 * Which certificate on a card signs. A MOICA or GCA card holds a signing certificate and an
 * encryption one; which is which is said by the certificate's key usage, not by the label (labels
 * are the issuer's habit: HiCOS writes SIGN and KEYX, other cards write anything). The private key
 * used is the one with the chosen certificate's CKA_ID.
 *
 * Order: a certificate for signing (nonRepudiation or digitalSignature; one without a key usage
 * extension may do anything) over none; never one whose key usage excludes signing (keyEncipherment
 * only). Among those: nonRepudiation (the signer's commitment, what a 公文 signature is) before
 * digitalSignature alone; one valid now before an expired or not yet valid one; one whose subject
 * names a person (a CN) before one that does not; then the label SIGN; then the card's order.
 */
export interface CertificateOnCard {
  id: Buffer | null;
  label: string;
  der: Buffer;
}

/** Why each certificate was or was not chosen, for the diagnostics (no secrets: certificates are public). */
export interface CertificateVerdict {
  label: string;
  /** CKA_ID in hex. */
  id: string;
  /** The subject's CN, when the certificate could be read. */
  holder: string | null;
  keyUsage: string[] | 'absent' | 'unreadable';
  chosen: boolean;
  reason: string;
}

export interface SigningChoice<C extends CertificateOnCard = CertificateOnCard> {
  chosen: C | null;
  /** One sentence (English, for diagnostics) saying why this one. */
  reason: string;
  verdicts: CertificateVerdict[];
}

const SIGNING_USAGES = ['nonRepudiation', 'digitalSignature'] as const;
const USAGE_NAMES: [x509.KeyUsageFlags, string][] = [
  [x509.KeyUsageFlags.digitalSignature, 'digitalSignature'],
  [x509.KeyUsageFlags.nonRepudiation, 'nonRepudiation'],
  [x509.KeyUsageFlags.keyEncipherment, 'keyEncipherment'],
  [x509.KeyUsageFlags.dataEncipherment, 'dataEncipherment'],
  [x509.KeyUsageFlags.keyAgreement, 'keyAgreement'],
  [x509.KeyUsageFlags.keyCertSign, 'keyCertSign'],
  [x509.KeyUsageFlags.cRLSign, 'cRLSign'],
  [x509.KeyUsageFlags.encipherOnly, 'encipherOnly'],
  [x509.KeyUsageFlags.decipherOnly, 'decipherOnly'],
];

interface Read {
  usage: string[] | 'absent' | 'unreadable';
  holder: string | null;
  validNow: boolean;
}

function read(der: Buffer, now: Date): Read {
  try {
    const cert = new x509.X509Certificate(der);
    const ext = cert.getExtension(x509.KeyUsagesExtension);
    const usage = ext ? USAGE_NAMES.filter(([flag]) => (ext.usages & flag) !== 0).map(([, name]) => name) : 'absent';
    const holder = cert.subjectName.getField('CN')[0] ?? null;
    return { usage, holder, validNow: cert.notBefore <= now && now <= cert.notAfter };
  } catch {
    return { usage: 'unreadable', holder: null, validNow: false };
  }
}

/** The subject's CN of a certificate (the holder's name on a government card), or null. */
export function holderOf(der: Uint8Array): string | null {
  try {
    return new x509.X509Certificate(der).subjectName.getField('CN')[0] ?? null;
  } catch {
    return null;
  }
}

export function chooseSigningCertificate<C extends CertificateOnCard>(certs: readonly C[], now: Date = new Date()): SigningChoice<C> {
  const read_ = certs.map((c) => ({ cert: c, ...read(c.der, now) }));
  const usable = (r: Read) => r.usage === 'absent' || (Array.isArray(r.usage) && r.usage.some((u) => (SIGNING_USAGES as readonly string[]).includes(u)));
  const rank = (r: Read & { cert: C }): number[] => [
    Array.isArray(r.usage) && r.usage.includes('nonRepudiation') ? 0 : Array.isArray(r.usage) ? 1 : 2,
    r.validNow ? 0 : 1,
    r.holder ? 0 : 1,
    isSignLabelled(r.cert) ? 0 : 1,
  ];
  const candidates = read_.filter(usable);
  let best: (typeof read_)[number] | undefined;
  for (const c of candidates) if (!best || compare(rank(c), rank(best)) < 0) best = c;
  const tiedOnUsage = best ? candidates.filter((c) => c !== best && compare(rank(c).slice(0, 3), rank(best!).slice(0, 3)) === 0) : [];
  const reason = !best
    ? certs.length === 0
      ? 'no certificate on the card'
      : 'no certificate on the card allows signing (key usage nonRepudiation or digitalSignature)'
    : `"${best.cert.label}" ${describeUsage(best.usage)}${best.validNow ? '' : ', though not valid now'}` +
      (best.holder ? `, subject CN ${best.holder}` : ', subject without a CN') +
      (tiedOnUsage.length === 0
        ? ''
        : isSignLabelled(best.cert) && tiedOnUsage.some((c) => !isSignLabelled(c.cert))
          ? `; the label ${SIGNING_KEY_LABEL} broke a tie with ${tiedOnUsage.map((c) => `"${c.cert.label}"`).join(', ')}`
          : `; first on the card of those equal to it (${tiedOnUsage.map((c) => `"${c.cert.label}"`).join(', ')})`);
  const verdicts = read_.map((r): CertificateVerdict => {
    const chosen = r === best;
    let why: string;
    if (chosen) why = 'chosen';
    else if (r.usage === 'unreadable') why = 'not a readable X.509 certificate';
    else if (!usable(r)) why = `key usage ${(r.usage as string[]).join(', ') || 'empty'} does not allow signing`;
    else why = `ranked below "${best?.cert.label}"`;
    return { label: r.cert.label, id: r.cert.id?.toString('hex') ?? '', holder: r.holder, keyUsage: r.usage, chosen, reason: why };
  });
  return { chosen: best?.cert ?? null, reason, verdicts };
}

function describeUsage(usage: Read['usage']): string {
  if (usage === 'absent') return 'has no key usage extension (any use allowed)';
  if (Array.isArray(usage) && usage.includes('nonRepudiation')) return 'has key usage nonRepudiation';
  return 'has key usage digitalSignature';
}

function isSignLabelled(c: CertificateOnCard): boolean {
  return c.label === SIGNING_KEY_LABEL || (c.id !== null && c.id.equals(Buffer.from(SIGNING_KEY_LABEL, 'ascii')));
}

function compare(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}
