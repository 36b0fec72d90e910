import type { Kysely } from 'kysely';
import { parseSignedData } from '../../../src-shared/cms/parse.js';

/**
 * Frozen. A sent step keeps, beside its signature, that signature's value (the first SignerInfo's
 * signature octets, 256 bytes for an RSA-2048 key): IFT940's list sends it down and 補簽 checks
 * the card's countersignature against it, so neither reads the whole CMS (about 2.5 KB) nor walks
 * it again per step. Written once, when the signature is verified at sending; a signature is never
 * changed afterwards. Steps sent before this migration get theirs here.
 */
export async function up(db: Kysely<any>, blob: 'blob' | 'bytea'): Promise<void> {
  await db.schema.alterTable('steps').addColumn('signature_value', blob).execute();
  await backfillSignatureValues(db);
}

/** Fills `signature_value` for the steps with a signature and none, a page at a time (a large office has many). */
export async function backfillSignatureValues(db: Kysely<any>, pageSize = 500): Promise<number> {
  let filled = 0;
  for (;;) {
    const rows: { id: string; signature: Uint8Array }[] = await db.selectFrom('steps').select(['id', 'signature']).where('signature', 'is not', null).where('signature_value', 'is', null).orderBy('id').limit(pageSize).execute();
    for (const row of rows) {
      await db.updateTable('steps').set({ signature_value: parseSignedData(row.signature).signerInfos[0]!.signature }).where('id', '=', row.id).execute();
    }
    filled += rows.length;
    if (rows.length < pageSize) return filled;
  }
}
