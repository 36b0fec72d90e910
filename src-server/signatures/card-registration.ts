import { X509Certificate } from 'node:crypto';
import { GongwenError } from '../../src-shared/common/errors.js';
import { issuedBy } from '../../src-shared/node/pki/x509.js';
import { appendAudit } from '../audit/audit-log.js';
import type { ServiceContext } from '../context.js';
import { isUniqueViolation } from '../storage/database.js';
import { describeKeyUsage } from './path-certificate.js';

/** What `register-card` tells the administrator it registered (or found already registered). */
export interface RegisteredCard {
  sha256: string;
  subject: string;
  serial: string;
  notBefore: string;
  notAfter: string;
  keyUsage: string;
  /** The same certificate was already registered to this account: nothing changed. */
  alreadyRegistered: boolean;
}

/**
 * 登錄實體卡憑證: binds a card certificate to a user after judging it as a signature would be
 * judged (the same path validator and signing profile, valid now), with the intermediates it
 * sits under (a GCA card is under an intermediate, not the root). The same card again is a no-op.
 */
export async function registerCard(
  ctx: ServiceContext,
  userId: string,
  account: string,
  der: Uint8Array,
  intermediates: readonly Uint8Array[] = [],
  /** The account that registers it (the holder, registering a replacement); null: an administrator at the command line. */
  registeredBy: string | null = null,
): Promise<RegisteredCard> {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(der);
  } catch {
    throw new GongwenError('CERT_MALFORMED', 'not an X.509 certificate');
  }
  const card = ctx.signerPolicy.validateCard(certificate, intermediates);
  card.assertValidAt([ctx.now()]);
  const leaf = card.leaf;
  const registered: RegisteredCard = {
    sha256: leaf.sha256,
    subject: leaf.subject,
    serial: leaf.serial,
    notBefore: leaf.notBefore.toISOString(),
    notAfter: leaf.notAfter.toISOString(),
    keyUsage: describeKeyUsage(leaf.keyUsage),
    alreadyRegistered: false,
  };
  const { db, dialect } = ctx.storage;
  const existing = await db.selectFrom('card_certificates').select('user_id').where('sha256', '=', leaf.sha256).executeTakeFirst();
  if (existing) return sameOwner(existing.user_id, userId, registered);
  // The CAs between the card and its root are kept with it: a card offers only its own
  // certificate, so its signatures carry the leaf alone and the path is completed from these.
  const pathCas = [...new Map(card.paths.flatMap((path) => path.slice(1, -1)).map((c) => [c.sha256, c])).values()];
  try {
    await ctx.storage.write(async (trx) => {
      if (pathCas.length > 0) {
        await trx
          .insertInto('carried_certificates')
          .values(pathCas.map((c) => ({ sha256: c.sha256, der: c.der })))
          .onConflict((oc) => oc.column('sha256').doNothing())
          .execute();
      }
      await trx
        .insertInto('card_certificates')
        .values({
          sha256: leaf.sha256,
          user_id: userId,
          subject: leaf.subject,
          serial: leaf.serial,
          not_before: registered.notBefore,
          not_after: registered.notAfter,
          der: leaf.der,
          registered_at: ctx.now().toISOString(),
          intermediates: pathCas.length > 0 ? JSON.stringify(pathCas.map((c) => c.sha256)) : null,
          registered_by: registeredBy,
        })
        .execute();
      await appendAudit(trx, dialect, ctx.now(), {
        actor: registeredBy,
        action: 'card.register',
        subject: account,
        detail: { sha256: leaf.sha256, subject: leaf.subject },
      });
    });
  } catch (error) {
    // Registered by a concurrent run meanwhile.
    if (!isUniqueViolation(error)) throw error;
    const now = await db.selectFrom('card_certificates').select('user_id').where('sha256', '=', leaf.sha256).executeTakeFirstOrThrow();
    return sameOwner(now.user_id, userId, registered);
  }
  return registered;
}

function sameOwner(ownerId: string, userId: string, registered: RegisteredCard): RegisteredCard {
  if (ownerId !== userId) throw new GongwenError('SIGNER_NOT_USER', 'the certificate is registered to someone else');
  return { ...registered, alreadyRegistered: true };
}

/**
 * A PEM file's certificates as leaf and intermediates: the leaf is the one certificate that
 * issued none of the others (the order in the file does not matter). A file of one certificate
 * is that certificate, CA or not (the profile then says why a CA cannot be registered).
 */
export function splitCardChain(certificates: readonly Uint8Array[]): { leaf: Uint8Array; intermediates: Uint8Array[] } {
  if (certificates.length === 0) throw new GongwenError('CERT_MALFORMED', 'the file holds no PEM certificate');
  const parsed = certificates.map((der) => {
    try {
      return new X509Certificate(der);
    } catch {
      throw new GongwenError('CERT_MALFORMED', 'a certificate in the file cannot be read');
    }
  });
  const issuedAnother = (i: number) => parsed.some((other, j) => j !== i && issuedBy(other, parsed[i]!));
  const leaves = parsed.map((_, i) => i).filter((i) => !issuedAnother(i));
  if (leaves.length !== 1)
    throw new GongwenError(
      'CERT_UNTRUSTED',
      `the file should hold one card certificate and the CAs above it; ${leaves.length} certificates issued none of the others`,
    );
  const leaf = leaves[0]!;
  return { leaf: certificates[leaf]!, intermediates: certificates.filter((_, i) => i !== leaf) };
}
