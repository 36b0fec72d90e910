import { GongwenError } from '../../src-shared/common/errors.js';
import type { PathCertificate } from './path-certificate.js';

/**
 * The signing-certificate profile of a card's leaf certificate, stricter than RFC 5280: a key
 * meant for signing (keyUsage digitalSignature or nonRepudiation, so a card's KEYX encryption
 * certificate is refused), not a certificate authority (RFC 5280 lets a CA sign, a 公文 step
 * should not be signed with one), and no critical extension the service does not understand.
 * Each refusal has its own code.
 */
export function assertSigningProfile(leaf: PathCertificate): void {
  if (leaf.unknownCritical.length > 0) throw new GongwenError('CERT_CRITICAL_EXTENSION', `signing certificate: ${leaf.unknownCritical.join(', ')}`);
  if (leaf.ca) throw new GongwenError('CERT_IS_CA', leaf.subject);
  const usage = leaf.keyUsage;
  if (!usage) throw new GongwenError('CERT_NOT_FOR_SIGNING', 'the certificate has no keyUsage');
  if (!usage.digitalSignature && !usage.nonRepudiation)
    throw new GongwenError('CERT_NOT_FOR_SIGNING', 'keyUsage has neither digitalSignature nor nonRepudiation');
}
