import type { z } from 'zod';
import type { CardRecord, RegisterCardRequest, RegisterCardResponse } from '../../src-shared/common/api/cards.js';
import { GongwenError } from '../../src-shared/common/errors.js';
import { x509 } from '../../src-shared/node/pki/x509.js';
import { auditRefusal, cardGuardSubject, guarded } from '../accounts/card-login.js';
import { spendCardChallenge } from '../accounts/card-challenges.js';
import { checkCardProof } from '../accounts/card-statement.js';
import { appendAudit } from '../audit/audit-log.js';
import type { Actor, ServiceContext } from '../context.js';
import type { CardCertificateTable } from '../storage/schema.js';
import type { Selectable } from 'kysely';
import { registerCard } from './card-registration.js';
import { cardPersonOf, samePerson } from './same-person.js';

type CardRow = Selectable<CardCertificateTable>;

/**
 * 註冊新憑證卡: the logged-in clerk registers a replacement card. The new card signs a
 * `register-card` statement over a challenge issued to this session; its certificate must chain
 * to a trusted card root, be valid now, belong to nobody else, and name the same person
 * (`same-person.ts`) as a card already registered to this account, retired or not. Refusals are
 * audited and counted like failed card logins.
 */
export async function registerReplacementCard(
  ctx: ServiceContext,
  actor: Actor,
  input: z.output<typeof RegisterCardRequest>,
  origin: { service: string; address: string },
): Promise<RegisterCardResponse> {
  try {
    let alreadyRegistered = false;
    let sha256 = '';
    await guarded(ctx, cardGuardSubject('register-card', actor.account), async () => {
      await spendCardChallenge(ctx, input.challenge, 'register-card', actor.id);
      const proven = checkCardProof(ctx, input, { service: origin.service, purpose: 'register-card', account: actor.account });
      const { db } = ctx.storage;
      const mine = await db.selectFrom('card_certificates').select(['der', 'intermediates']).where('user_id', '=', actor.id).execute();
      if (mine.length === 0) throw new GongwenError('CARD_NONE_REGISTERED');
      // A card offers only its own certificate: the CAs the old cards were registered with may
      // complete the new one's path (a GCA card's replacement sits under the same intermediate).
      const carried = [
        ...proven.intermediates,
        ...(await registeredCas(
          ctx,
          mine.map((row) => row.intermediates),
        )),
      ];
      const card = ctx.signerPolicy.validateCard(proven.certificate, carried);
      card.assertValidAt([ctx.now()]);
      const owner = await db.selectFrom('card_certificates').select('user_id').where('sha256', '=', card.leaf.sha256).executeTakeFirst();
      if (owner && owner.user_id !== actor.id) throw new GongwenError('CARD_OF_ANOTHER_USER');
      const person = cardPersonOf(proven.der);
      if (!person) throw new GongwenError('CARD_NOT_SAME_PERSON', 'the new certificate’s subject lacks a commonName or serialNumber');
      const matches = mine.some((row) => {
        const known = cardPersonOf(new Uint8Array(row.der));
        return known !== null && samePerson(known, person);
      });
      if (!matches) throw new GongwenError('CARD_NOT_SAME_PERSON');
      const registered = await registerCard(ctx, actor.id, actor.account, proven.der, carried, actor.account);
      alreadyRegistered = registered.alreadyRegistered;
      sha256 = registered.sha256;
    });
    const row = await ctx.storage.db.selectFrom('card_certificates').selectAll().where('sha256', '=', sha256).executeTakeFirstOrThrow();
    return { card: cardRecordOf(row, ctx.now()), alreadyRegistered };
  } catch (error) {
    if (error instanceof GongwenError) await auditRefusal(ctx, 'card.register-refused', actor.account, error, origin.address);
    throw error;
  }
}

/** The CAs the given cards were registered with (`card_certificates.intermediates`), once each. */
async function registeredCas(ctx: ServiceContext, lists: readonly (string | null)[]): Promise<Uint8Array[]> {
  const wanted = [...new Set(lists.flatMap((list) => (list === null ? [] : (JSON.parse(list) as string[]))))];
  if (wanted.length === 0) return [];
  const rows = await ctx.storage.db.selectFrom('carried_certificates').select('der').where('sha256', 'in', wanted).execute();
  return rows.map((row) => new Uint8Array(row.der));
}

/** The cards on record for a person, newest first, with their state now. */
export async function listCards(ctx: ServiceContext, userId: string): Promise<CardRecord[]> {
  const rows = await ctx.storage.db.selectFrom('card_certificates').selectAll().where('user_id', '=', userId).orderBy('registered_at', 'desc').execute();
  const now = ctx.now();
  return rows.map((row) => cardRecordOf(row, now));
}

/**
 * Retires a card: it signs and logs in no more (CARD_RETIRED), its row and what it signed stay.
 * By the holder (`by` their account) or an administrator at the command line (`by` null).
 * Retiring a retired card changes nothing.
 */
export async function retireCard(ctx: ServiceContext, userId: string, account: string, sha256: string, by: string | null): Promise<CardRecord> {
  const { db, dialect } = ctx.storage;
  const row = await db.selectFrom('card_certificates').selectAll().where('sha256', '=', sha256).where('user_id', '=', userId).executeTakeFirst();
  if (!row) throw new GongwenError('CARD_UNKNOWN');
  if (row.retired_at === null) {
    const at = ctx.now().toISOString();
    await ctx.storage.write(async (trx) => {
      const done = await trx
        .updateTable('card_certificates')
        .set({ retired_at: at, retired_by: by })
        .where('sha256', '=', sha256)
        .where('retired_at', 'is', null)
        .executeTakeFirst();
      if (done.numUpdatedRows === 1n) await appendAudit(trx, dialect, ctx.now(), { actor: by, action: 'card.retire', subject: account, detail: { sha256 } });
    });
  }
  const after = await db.selectFrom('card_certificates').selectAll().where('sha256', '=', sha256).executeTakeFirstOrThrow();
  return cardRecordOf(after, ctx.now());
}

export function cardRecordOf(row: CardRow, now: Date): CardRecord {
  const person = cardPersonOf(new Uint8Array(row.der));
  let holder = person?.commonName ?? '';
  let issuer = '';
  try {
    const certificate = new x509.X509Certificate(new Uint8Array(row.der));
    holder ||= certificate.subjectName.getField('2.5.4.3')[0] ?? certificate.subject;
    issuer = certificate.issuerName.getField('2.5.4.3')[0] ?? certificate.issuer;
  } catch {
    // stored rows were read when registered; an unreadable one shows what the row says
  }
  const state = row.retired_at !== null ? 'retired' : row.not_after < now.toISOString() ? 'expired' : 'active';
  return {
    sha256: row.sha256,
    holder: holder || row.subject,
    serialNumber: person?.serialNumber ?? null,
    issuer,
    notBefore: row.not_before,
    notAfter: row.not_after,
    registeredAt: row.registered_at,
    retiredAt: row.retired_at,
    state,
  };
}
