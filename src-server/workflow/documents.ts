import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { sql, type Kysely } from 'kysely';
import type { CreateDocumentRequest, DocumentList, DocumentView, InboxQuery } from '../../src-shared/common/api/documents.js';
import { contentSha256 } from '../../src-shared/node/content-digest.js';
import {
  currentRocYear,
  IMPORT_SEQUENCE_FLOOR,
  LAST_AUTOMATIC_SEQUENCE,
  makeDocumentNumber,
  rocYearOfDocumentNumber,
  sequenceOfDocumentNumber,
} from '../../src-shared/common/document-number.js';
import { GongwenError } from '../../src-shared/common/errors.js';
import type { z } from 'zod';
import { appendAudit } from '../audit/audit-log.js';
import type { Actor, ServiceContext } from '../context.js';
import { isUniqueViolation } from '../storage/database.js';
import type { Database, DocumentRow } from '../storage/schema.js';
import { hasHeldStep, insertArrivedStep, markReceived } from '../storage/steps.js';
import { attachUpload, uploadedAttachments } from './attachment-uploads.js';
import { documentSummary, flowRows, summaryQuery, toSummary } from './views.js';

export type CreateDocumentInput = z.output<typeof CreateDocumentRequest>;
export type InboxInput = z.output<typeof InboxQuery>;

/** Issued per step: 128 bits, URL-safe. */
export function newStepToken(): string {
  return randomBytes(16).toString('base64url');
}

/**
 * 創稿: a new document, with its drafter as the holder of step 1 (線上簽核). `trustedNumber` is for
 * the operator's own tools (the demo seed recreates a real document's number); a clerk's request
 * may only bring a number from the reserved import range.
 */
export async function createDocument(
  ctx: ServiceContext,
  actor: Actor,
  input: CreateDocumentInput,
  options: { trustedNumber?: boolean } = {},
): Promise<DocumentView> {
  // Inline attachments are hashed here; uploaded ones were hashed as they arrived and are taken
  // inside the write, so a document never names bytes it did not get.
  const uploaded = await uploadedAttachments(
    ctx.storage.db,
    actor,
    input.attachments.flatMap((a) => (a.uploadId !== undefined ? [a.uploadId] : [])),
    ctx.now(),
  );
  const attachments = input.attachments.map((a, position) => {
    const common = { id: randomUUID(), position, name: a.name, media_type: a.mediaType };
    if (a.uploadId !== undefined) return { ...common, ...uploaded.get(a.uploadId)!, inline: null, uploadId: a.uploadId };
    const inline = Buffer.from(a.contentBase64 ?? '', 'base64');
    return { ...common, size: inline.length, sha256: createHash('sha256').update(inline).digest('hex'), inline, uploadId: null };
  });
  const digest = contentSha256({ subject: input.subject, body: input.body, attachments });
  const { dialect } = ctx.storage;

  if (input.number && !options.trustedNumber) assertImportableNumber(input.number, currentRocYear(ctx.now()));

  for (let attempt = 0; ; attempt++) {
    const now = ctx.now().toISOString();
    const id = randomUUID();
    try {
      await ctx.storage.write(async (trx) => {
        // Taken inside the unit: if anything below fails, the counter has not moved.
        const number = input.number ?? (await nextDocumentNumber(trx, currentRocYear(ctx.now())));
        await trx
          .insertInto('documents')
          .values({
            id,
            number,
            subject: input.subject,
            body: input.body,
            content_sha256: digest,
            status: '簽核中',
            created_by: actor.id,
            created_at: now,
            updated_at: now,
            holder_user_id: actor.id,
            current_seq: 1,
            step_token: newStepToken(),
          })
          .execute();
        for (const { inline, uploadId, ...a } of attachments) {
          if (inline !== null)
            await trx
              .insertInto('attachments')
              .values({ ...a, content: inline, document_id: id })
              .execute();
          else await attachUpload(trx, actor, uploadId!, { ...a, document_id: id });
          // SQLite answers synchronously: without a turn of the event loop between them, ten
          // attachments of 5 MiB would be written in one task, and every other request would wait.
          await nextTurn();
        }
        await insertArrivedStep(trx, {
          documentId: id,
          seq: 1,
          status: '線上簽核',
          unitId: actor.unitId,
          holderUserId: actor.id,
          arrivedAt: now,
          receivedAt: now,
          arrivedBy: null,
        });
        await appendAudit(trx, dialect, ctx.now(), {
          actor: actor.account,
          action: 'document.create',
          subject: number,
          detail: { documentId: id, contentSha256: digest, attachments: attachments.length },
        });
      });
      return viewDocument(ctx, actor, id);
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      if (input.number) throw new GongwenError('DOCUMENT_NUMBER_TAKEN', input.number);
      if (attempt >= 5) throw error; // another instance keeps taking the same number: give up loudly
    }
  }
}

/**
 * A number a clerk brings (a paper document being imported) must come from the reserved range:
 * an earlier ROC year, or this year's sequences from IMPORT_SEQUENCE_FLOOR up. The counter never
 * gives those, so an imported number can neither collide with a later automatic one nor push the
 * counter to its end.
 */
function assertImportableNumber(number: string, thisYear: number): void {
  const year = rocYearOfDocumentNumber(number);
  if (year > thisYear) throw new GongwenError('DOCUMENT_NUMBER_INVALID', `${number}: a future year`);
  if (year === thisYear && sequenceOfDocumentNumber(number) < IMPORT_SEQUENCE_FLOOR)
    throw new GongwenError('DOCUMENT_NUMBER_INVALID', `${number}: this year's numbers below ${thisYear}${IMPORT_SEQUENCE_FLOOR} are the service's to give`);
}

/**
 * The next number of the year: a counter row per ROC year, incremented under the row's lock inside
 * the creating transaction, so concurrent drafts on several service instances never take the same
 * number and a failed creation gives its number back. The counter starts past any automatic number
 * already used that year (the reserved import range does not count).
 */
async function nextDocumentNumber(db: Kysely<Database>, rocYear: number): Promise<string> {
  const prefix = String(rocYear);
  const used = await db
    .selectFrom('documents')
    .select((eb) => eb.fn.max('number').as('max'))
    .where('number', 'like', `${prefix}%`)
    .where('number', '<', makeDocumentNumber(rocYear, IMPORT_SEQUENCE_FLOOR))
    .executeTakeFirst();
  const highest = used?.max ? sequenceOfDocumentNumber(String(used.max)) : 0;
  await db
    .insertInto('document_sequences')
    .values({ roc_year: rocYear, last: highest })
    .onConflict((oc) => oc.column('roc_year').doNothing())
    .execute();
  const row = await db
    .updateTable('document_sequences')
    .set((eb) => ({ last: sql<number>`case when ${eb.ref('last')} < ${highest} then ${highest} else ${eb.ref('last')} end + 1` }))
    .where('roc_year', '=', rocYear)
    .returning('last')
    .executeTakeFirstOrThrow();
  const sequence = Number(row.last);
  if (sequence > LAST_AUTOMATIC_SEQUENCE) throw new GongwenError('DOCUMENT_NUMBERS_EXHAUSTED', String(rocYear));
  return makeDocumentNumber(rocYear, sequence);
}

/** A document is visible to its drafter and to everyone who has held it. */
export async function loadVisibleDocument(db: Kysely<Database>, actor: Actor, documentId: string): Promise<DocumentRow> {
  const doc = await db.selectFrom('documents').selectAll().where('id', '=', documentId).executeTakeFirst();
  if (!doc) throw new GongwenError('DOCUMENT_NOT_FOUND');
  if (doc.created_by === actor.id) return doc;
  if (!(await hasHeldStep(db, documentId, actor.id))) throw new GongwenError('DOCUMENT_NOT_FOUND'); // not "forbidden": do not confirm it exists
  return doc;
}

/** Opens a document. The holder's first opening records 公文接收時間. */
export async function viewDocument(ctx: ServiceContext, actor: Actor, documentId: string): Promise<DocumentView> {
  const { db, dialect } = ctx.storage;
  const doc = await loadVisibleDocument(db, actor, documentId);
  if (doc.holder_user_id === actor.id) {
    await ctx.storage.write(async (trx) => {
      const received = await markReceived(trx, { documentId: doc.id, seq: doc.current_seq, holderUserId: actor.id }, ctx.now().toISOString());
      if (received)
        await appendAudit(trx, dialect, ctx.now(), { actor: actor.account, action: 'document.receive', subject: doc.number, detail: { seq: doc.current_seq } });
    });
  }
  const [summary, flow, attachments, creator] = await Promise.all([
    documentSummary(db, doc.id),
    flowRows(db, doc.id),
    db.selectFrom('attachments').select(['id', 'name', 'media_type', 'size', 'sha256']).where('document_id', '=', doc.id).orderBy('position').execute(),
    db.selectFrom('users').select('name').where('id', '=', doc.created_by).executeTakeFirstOrThrow(),
  ]);
  return {
    ...summary,
    body: doc.body,
    contentSha256: doc.content_sha256,
    createdBy: creator.name,
    createdAt: doc.created_at,
    attachments: attachments.map((a) => ({ id: a.id, name: a.name, mediaType: a.media_type, size: a.size, sha256: a.sha256 })),
    flow,
    stepToken: doc.holder_user_id === actor.id ? doc.step_token : null,
  };
}

export async function attachmentContent(ctx: ServiceContext, actor: Actor, documentId: string, attachmentId: string) {
  await loadVisibleDocument(ctx.storage.db, actor, documentId);
  const row = await ctx.storage.db
    .selectFrom('attachments')
    .select(['name', 'media_type', 'content'])
    .where('id', '=', attachmentId)
    .where('document_id', '=', documentId)
    .executeTakeFirst();
  if (!row) throw new GongwenError('NOT_FOUND');
  return row;
}

/** 待辦公文 (inbox) or every document I took part in, newest first, with search. */
export async function listDocuments(ctx: ServiceContext, actor: Actor, query: InboxInput): Promise<DocumentList> {
  const { db } = ctx.storage;
  let q = summaryQuery(db);
  if (query.box === 'inbox') {
    q = q.where('d.holder_user_id', '=', actor.id);
  } else {
    q = q.where((eb) =>
      eb.or([
        eb('d.created_by', '=', actor.id),
        eb.exists(eb.selectFrom('steps as p').select('p.id').whereRef('p.document_id', '=', 'd.id').where('p.holder_user_id', '=', actor.id)),
      ]),
    );
  }
  if (query.status) q = q.where('d.status', '=', query.status);
  if (query.q) {
    const like = `%${query.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    q = q.where((eb) => eb.or([eb('d.subject', 'like', sql<string>`${like} escape '\\'`), eb('d.number', 'like', sql<string>`${like} escape '\\'`)]));
  }
  const [{ total }] = [
    await q
      .clearSelect()
      .select((eb) => eb.fn.countAll<number | string>().as('total'))
      .executeTakeFirstOrThrow(),
  ];
  const rows = await q.orderBy('d.updated_at', 'desc').orderBy('d.number', 'desc').limit(query.limit).offset(query.offset).execute();
  return { total: Number(total), documents: rows.map(toSummary) };
}
