import { X509Certificate } from 'node:crypto';
import type { Kysely } from 'kysely';
import { OperatorError } from '../operations/operator-error.js';
import type { Database } from '../storage/schema.js';
import type { TempCertAuthority } from './authority.js';

/** What the database says the temp CA has issued: how many, and the latest (its DER). */
export async function issuedTempCertificates(db: Kysely<Database>): Promise<{ count: number; latest?: Uint8Array }> {
  const counted = await db
    .selectFrom('temp_certificates')
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .executeTakeFirst();
  const count = Number(counted?.n ?? 0);
  if (count === 0) return { count };
  const latest = await db.selectFrom('temp_certificates').select('der').orderBy('issued_at', 'desc').limit(1).executeTakeFirst();
  return { count, latest: latest?.der };
}

/**
 * The loaded temp CA must be the one that issued the database's certificates: another CA's files
 * (another instance's data folder, a wrong GONGWEN_TEMP_CA_* path) would refuse every temp-signed
 * send and 補簽 while looking healthy.
 */
export function requireIssuer(ca: TempCertAuthority, latest: Uint8Array, where: string): void {
  const certificate = new X509Certificate(latest);
  if (ca.issued(certificate)) return;
  throw new OperatorError(
    `The temp CA in ${where} did not issue the temporary certificates in the database (the latest, serial ${certificate.serialNumber.toLowerCase()}, was issued by "${certificate.issuer.replace(/\n/g, ', ')}"). Point GONGWEN_TEMP_CA_CERT and GONGWEN_TEMP_CA_KEY at that CA, or restore its folder from the backup.`,
  );
}
