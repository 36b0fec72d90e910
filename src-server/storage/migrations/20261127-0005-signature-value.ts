import type { Kysely } from 'kysely';
import { ContentInfo, SignedData } from 'pkijs';

/**
 * Frozen. A sent step keeps, beside its signature, that signature's value (the first SignerInfo's
 * signature octets, 256 bytes for an RSA-2048 key): IFT940's list sends it down and 補簽 checks
 * the card's countersignature against it, so neither reads the whole CMS (about 2.5 KB) nor walks
 * it again per step. Written once, when the signature is verified at sending; a signature is never
 * changed afterwards. Steps sent before this migration get theirs here.
 */
/**
 * The signature value of a stored step signature: the first SignerInfo's signature octets. Read
 * with PKI.js, not the project's own CMS reader, so that the migration stays frozen when that
 * reader changes (it once imported it; that was the migration's one edit after landing). Every
 * signature stored before this migration had passed the stricter reader of its day.
 */
function firstSignatureValue(cms: Uint8Array): Uint8Array {
  const signed = new SignedData({ schema: ContentInfo.fromBER(cms).content });
  return new Uint8Array(signed.signerInfos[0]!.signature.valueBlock.valueHexView);
}

export async function up(db: Kysely<any>, blob: 'blob' | 'bytea'): Promise<void> {
  await db.schema.alterTable('steps').addColumn('signature_value', blob).execute();
  await backfillSignatureValues(db);
}

/** Fills `signature_value` for the steps with a signature and none, a page at a time (a large office has many). */
export async function backfillSignatureValues(db: Kysely<any>, pageSize = 500): Promise<number> {
  let filled = 0;
  for (;;) {
    const rows: { id: string; signature: Uint8Array }[] = await db
      .selectFrom('steps')
      .select(['id', 'signature'])
      .where('signature', 'is not', null)
      .where('signature_value', 'is', null)
      .orderBy('id')
      .limit(pageSize)
      .execute();
    for (const row of rows) {
      await db
        .updateTable('steps')
        .set({ signature_value: firstSignatureValue(row.signature) })
        .where('id', '=', row.id)
        .execute();
    }
    filled += rows.length;
    if (rows.length < pageSize) return filled;
  }
}
