import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import { LIMITS, type AttachmentUpload } from '../../src-shared/common/api/documents.js';
import { GongwenError } from '../../src-shared/common/errors.js';
import type { Actor, ServiceContext } from '../context.js';
import type { Database } from '../storage/schema.js';

/** How long an upload waits for the document that names it. */
export const UPLOAD_LIFETIME_MS = 24 * 60 * 60 * 1000;
/** Uploads one person may have waiting: two documents' worth, so nobody fills the disk with orphans. */
export const UPLOADS_WAITING_PER_PERSON = 2 * LIMITS.attachments;

/**
 * Keeps an attachment's bytes, uploaded raw, until a new document names it (POST /api/attachments).
 * `sha256` was taken chunk by chunk as the bytes arrived (http/json-body.ts). The person's uploads
 * older than a day go in the same write, so orphans never pile up.
 */
export async function stageAttachment(ctx: ServiceContext, actor: Actor, { content, sha256 }: { content: Buffer; sha256: string }): Promise<AttachmentUpload> {
  const now = ctx.now();
  const upload = { uploadId: randomUUID(), size: content.length, sha256 };
  await ctx.storage.write(async (trx) => {
    await trx
      .deleteFrom('attachment_uploads')
      .where('user_id', '=', actor.id)
      .where('uploaded_at', '<', new Date(now.getTime() - UPLOAD_LIFETIME_MS).toISOString())
      .execute();
    const waiting = await trx
      .selectFrom('attachment_uploads')
      .select((eb) => eb.fn.countAll<string | number>().as('n'))
      .where('user_id', '=', actor.id)
      .executeTakeFirstOrThrow();
    if (Number(waiting.n) >= UPLOADS_WAITING_PER_PERSON) throw new GongwenError('ATTACHMENT_UPLOADS_FULL', `${UPLOADS_WAITING_PER_PERSON} uploads are waiting`);
    await trx
      .insertInto('attachment_uploads')
      .values({ id: upload.uploadId, user_id: actor.id, size: upload.size, sha256: upload.sha256, content, uploaded_at: now.toISOString() })
      .execute();
  });
  return upload;
}

/** The size and SHA-256 of the person's waiting uploads (for the content digest, before the write). */
export async function uploadedAttachments(db: Kysely<Database>, actor: Actor, ids: readonly string[], now: Date) {
  if (new Set(ids).size !== ids.length) throw new GongwenError('VALIDATION_FAILED', 'attachments: the same upload twice');
  if (ids.length === 0) return new Map<string, { size: number; sha256: string }>();
  const rows = await db
    .selectFrom('attachment_uploads')
    .select(['id', 'size', 'sha256'])
    .where('id', 'in', ids)
    .where('user_id', '=', actor.id) // another person's upload id is as unknown as a made-up one
    .where('uploaded_at', '>=', new Date(now.getTime() - UPLOAD_LIFETIME_MS).toISOString())
    .execute();
  const found = new Map(rows.map((r) => [r.id, { size: r.size, sha256: r.sha256 }]));
  const missing = ids.find((id) => !found.has(id));
  if (missing) throw new GongwenError('ATTACHMENT_UPLOAD_UNKNOWN', missing);
  return found;
}

/** The bytes of one of the person's waiting uploads, read before the write that takes it (a paper re-sign's scan). */
export async function uploadedContent(db: Kysely<Database>, actor: Actor, id: string, now: Date): Promise<Uint8Array> {
  const row = await db
    .selectFrom('attachment_uploads')
    .select('content')
    .where('id', '=', id)
    .where('user_id', '=', actor.id)
    .where('uploaded_at', '>=', new Date(now.getTime() - UPLOAD_LIFETIME_MS).toISOString())
    .executeTakeFirst();
  if (!row) throw new GongwenError('ATTACHMENT_UPLOAD_UNKNOWN', id);
  return row.content;
}

/** Takes an upload for a document (or a paper re-sign) inside its write: gone from the waiting uploads, or the write fails. */
export async function takeUpload(trx: Transaction<Database>, actor: Actor, id: string): Promise<void> {
  const taken = await trx.deleteFrom('attachment_uploads').where('id', '=', id).where('user_id', '=', actor.id).executeTakeFirst();
  if (Number(taken.numDeletedRows) !== 1) throw new GongwenError('ATTACHMENT_UPLOAD_UNKNOWN', id); // taken by a concurrent request meanwhile
}

/**
 * Makes one of the person's waiting uploads an attachment of a new document, inside its write. The
 * database copies the bytes from row to row: read out into JavaScript and written back, 5 MiB
 * took tens of milliseconds in one synchronous SQLite call and left a buffer for the collector.
 */
export async function attachUpload(
  trx: Transaction<Database>,
  actor: Actor,
  uploadId: string,
  attachment: { id: string; document_id: string; position: number; name: string; media_type: string },
): Promise<void> {
  // Typed casts: PostgreSQL reads an untyped parameter in a select list as text.
  const text = (value: string) => sql<string>`cast(${value} as text)`;
  const copied = await trx
    .insertInto('attachments')
    .columns(['id', 'document_id', 'position', 'name', 'media_type', 'size', 'sha256', 'content'])
    .expression((eb) =>
      eb
        .selectFrom('attachment_uploads')
        .select([
          text(attachment.id).as('id'),
          text(attachment.document_id).as('document_id'),
          sql<number>`cast(${attachment.position} as integer)`.as('position'),
          text(attachment.name).as('name'),
          text(attachment.media_type).as('media_type'),
          'size',
          'sha256',
          'content',
        ])
        .where('id', '=', uploadId)
        .where('user_id', '=', actor.id),
    )
    .executeTakeFirst();
  if (Number(copied.numInsertedOrUpdatedRows ?? 0) !== 1) throw new GongwenError('ATTACHMENT_UPLOAD_UNKNOWN', uploadId);
  await takeUpload(trx, actor, uploadId);
}
