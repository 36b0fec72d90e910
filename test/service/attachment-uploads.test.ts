import { createHash, randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIMITS } from '../../src-shared/common/api/documents.js';
import { UPLOADS_WAITING_PER_PERSON } from '../../src-server/workflow/attachment-uploads.js';
import { databaseKinds } from '../helpers/databases.js';
import { Clerk, call, startTestService, type TestService } from '../helpers/service.js';
import { snapshot } from '../helpers/snapshot.js';

/**
 * Large attachments are uploaded raw, then named by the new document (issue 13, point 5): no JSON
 * body is larger than LIMITS.inlineDocumentBytes, and an upload is taken once, by its owner only.
 */
describe.each(databaseKinds())('attachment uploads on %s', (kind) => {
  let service: TestService;
  let drafter: Clerk;
  let other: Clerk;

  const upload = (clerk: Clerk | null, bytes: Buffer, contentType = 'application/octet-stream') =>
    call(service, {
      method: 'POST',
      url: '/api/attachments',
      payload: bytes,
      headers: { 'content-type': contentType, ...(clerk ? { authorization: `Bearer ${clerk.token}` } : {}) },
    });
  const create = (clerk: Clerk, attachments: unknown[]) => clerk.call('POST', '/api/documents', { subject: '附上傳附件', body: '內容', attachments });

  beforeAll(async () => {
    service = await startTestService(kind);
    drafter = await Clerk.login(service, 'chen.chiming');
    other = await Clerk.login(service, 'wang.meiling');
  });
  afterAll(() => service.close());

  it('a 5 MB attachment uploaded raw becomes the document’s, byte for byte, and the upload is gone', async () => {
    const bytes = randomBytes(LIMITS.attachmentBytes);
    const uploaded = await upload(drafter, bytes);
    expect(uploaded.status).toBe(200);
    expect(uploaded.body).toEqual({ uploadId: expect.any(String), size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') });
    const small = Buffer.from('附件內容');
    const created = await create(drafter, [
      { name: '計畫書.pdf', mediaType: 'application/pdf', uploadId: uploaded.body.uploadId },
      { name: '說明.txt', mediaType: 'text/plain', contentBase64: small.toString('base64') },
    ]);
    expect(created.status).toBe(200);
    const [big, inline] = created.body.attachments;
    expect(big).toMatchObject({ name: '計畫書.pdf', size: bytes.length, sha256: uploaded.body.sha256 });
    expect(inline).toMatchObject({ name: '說明.txt', size: small.length });
    const download = await drafter.call('GET', `/api/documents/${created.body.id}/attachments/${big.id}`);
    expect(Buffer.compare(download.raw, bytes)).toBe(0);
    expect(await service.ctx.storage.db.selectFrom('attachment_uploads').select('id').execute()).toEqual([]);

    const before = await snapshot(service.ctx.storage.db);
    const again = await create(drafter, [{ name: '再用一次.pdf', uploadId: uploaded.body.uploadId }]);
    expect([again.status, again.body.code]).toEqual([400, 'ATTACHMENT_UPLOAD_UNKNOWN']);
    expect(await snapshot(service.ctx.storage.db)).toBe(before);
  });

  it('refuses another person’s upload, the same upload twice, and both or neither of the two forms, changing nothing', async () => {
    const mine = (await upload(drafter, Buffer.from('我的附件'))).body.uploadId as string;
    const before = await snapshot(service.ctx.storage.db);
    const theirs = await create(other, [{ name: 'a.txt', uploadId: mine }]);
    expect([theirs.status, theirs.body.code]).toEqual([400, 'ATTACHMENT_UPLOAD_UNKNOWN']);
    const twice = await create(drafter, [
      { name: 'a.txt', uploadId: mine },
      { name: 'b.txt', uploadId: mine },
    ]);
    expect([twice.status, twice.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    const both = await create(drafter, [{ name: 'a.txt', uploadId: mine, contentBase64: 'AAAA' }]);
    expect([both.status, both.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    const neither = await create(drafter, [{ name: 'a.txt' }]);
    expect([neither.status, neither.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    expect(await snapshot(service.ctx.storage.db)).toBe(before);
  });

  it('refuses an upload too large, a stranger’s, and the wrong content type on either route', async () => {
    const before = await snapshot(service.ctx.storage.db);
    const tooLarge = await upload(drafter, Buffer.alloc(LIMITS.attachmentBytes + 1));
    expect([tooLarge.status, tooLarge.body.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    const stranger = await upload(null, Buffer.alloc(1024));
    expect([stranger.status, stranger.body.code]).toEqual([401, 'UNAUTHENTICATED']);
    const json = await upload(drafter, Buffer.from('{"a":1}'), 'application/json');
    expect([json.status, json.body.code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
    const raw = await call(service, {
      method: 'POST',
      url: '/api/documents',
      payload: Buffer.from('{}'),
      headers: { 'content-type': 'application/octet-stream', authorization: `Bearer ${drafter.token}` },
    });
    expect([raw.status, raw.body.code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
    const bigJson = await create(drafter, [{ name: 'a.bin', contentBase64: Buffer.alloc(LIMITS.inlineDocumentBytes).toString('base64') }]);
    expect([bigJson.status, bigJson.body.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    expect(await snapshot(service.ctx.storage.db)).toBe(before);
  });

  /** POST /api/attachments over a real socket: `send` writes the body its own way. */
  const uploadOverHttp = async (headers: Record<string, string>, send: (req: ReturnType<typeof httpRequest>) => Promise<void>) => {
    if (!service.app.server.listening) await service.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = service.app.server.address() as AddressInfo;
    const req = httpRequest({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: '/api/attachments',
      headers: { 'content-type': 'application/octet-stream', authorization: `Bearer ${drafter.token}`, ...headers },
    });
    const answered = new Promise<{ status: number; body: string } | 'cut off'>((resolve) => {
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString() }));
      });
      req.on('error', () => resolve('cut off')).on('close', () => resolve('cut off'));
    });
    await send(req);
    return answered;
  };

  it('hashes an upload as it streams in: sent in uneven chunks, its digest is the SHA-256 of its bytes', async () => {
    const bytes = randomBytes(LIMITS.attachmentBytes - 12_345);
    const answer = await uploadOverHttp({}, async (req) => {
      // Chunked, no Content-Length, each piece in a turn of its own so the service reads many.
      for (let at = 0, size = 1; at < bytes.length; at += size, size = (size * 7 + 1) % 200_003) req.write(bytes.subarray(at, at + size));
      req.end();
      await nextTurn();
    });
    expect(answer).not.toBe('cut off');
    const { status, body } = answer as { status: number; body: string };
    const uploaded = JSON.parse(body) as { uploadId: string; size: number; sha256: string };
    expect([status, uploaded.size, uploaded.sha256]).toEqual([200, bytes.length, createHash('sha256').update(bytes).digest('hex')]);
    const kept = await service.ctx.storage.db
      .selectFrom('attachment_uploads')
      .select(['content', 'sha256'])
      .where('id', '=', uploaded.uploadId)
      .executeTakeFirstOrThrow();
    expect([Buffer.compare(Buffer.from(kept.content), bytes), kept.sha256]).toEqual([0, uploaded.sha256]);
  });

  it('keeps nothing of an upload cut off before its Content-Length', async () => {
    const before = await snapshot(service.ctx.storage.db);
    const answer = await uploadOverHttp({ 'content-length': String(LIMITS.attachmentBytes) }, async (req) => {
      req.write(randomBytes(LIMITS.attachmentBytes / 2));
      await new Promise((resolve) => req.once('drain', resolve).once('error', resolve));
      req.destroy();
    });
    expect(answer).toBe('cut off');
    // A complete upload after it is kept; the cut-off one never is.
    const next = await upload(drafter, Buffer.from('下一個'));
    expect(next.status).toBe(200);
    await service.ctx.storage.db.deleteFrom('attachment_uploads').where('id', '=', next.body.uploadId).execute();
    expect(await snapshot(service.ctx.storage.db)).toBe(before);
  });

  it('keeps an upload a day, and a bounded number waiting per person', async () => {
    const stale = (await upload(other, Buffer.from('舊的'))).body.uploadId as string;
    service.clock.offsetMs = 25 * 60 * 60 * 1000;
    try {
      other = await Clerk.login(service, 'wang.meiling'); // the day outlived the session
      drafter = await Clerk.login(service, 'chen.chiming');
      const late = await create(other, [{ name: 'old.txt', uploadId: stale }]);
      expect([late.status, late.body.code]).toEqual([400, 'ATTACHMENT_UPLOAD_UNKNOWN']);
      for (let i = 0; i < UPLOADS_WAITING_PER_PERSON; i++) expect((await upload(other, Buffer.from(`第 ${i} 個`))).status).toBe(200);
      // the stale one went with the first new upload; the limit counts only those waiting
      const ids = await service.ctx.storage.db.selectFrom('attachment_uploads').select('id').where('id', '=', stale).execute();
      expect(ids).toEqual([]);
      const full = await upload(other, Buffer.from('再一個'));
      expect([full.status, full.body.code]).toEqual([429, 'ATTACHMENT_UPLOADS_FULL']);
      expect((await upload(drafter, Buffer.from('別人的額度不受影響'))).status).toBe(200);
    } finally {
      service.clock.offsetMs = 0;
    }
  });
});
