import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentRocYear } from '../../src-shared/common/document-number.js';
import { databaseKinds } from '../helpers/databases.js';
import { Clerk, startTestService, type TestService } from '../helpers/service.js';
import { snapshot } from '../helpers/snapshot.js';

/**
 * 公文文號 are the service's to give. A clerk may only bring a number from the reserved import
 * range (an earlier ROC year, or 9,000,000 and above in this year), and such a number never moves
 * the counter; running out of numbers is a refusal, and the counter moves only with a document.
 */
describe.each(databaseKinds())('document numbers on %s', (kind) => {
  let service: TestService;
  let drafter: Clerk;
  const year = () => currentRocYear(service.ctx.now());
  const counter = async () =>
    (await service.ctx.storage.db.selectFrom('document_sequences').select('last').where('roc_year', '=', year()).executeTakeFirst())?.last;

  beforeAll(async () => {
    service = await startTestService(kind);
    drafter = await Clerk.login(service, 'chen.chiming');
  });
  afterAll(() => service.close());

  it('keeps numbering after a clerk imports the last number of the year', async () => {
    const first = await drafter.createDocument();
    const imported = await drafter.call('POST', '/api/documents', { number: `${year()}9999999`, subject: '紙本公文匯入', body: '' });
    expect(imported.status).toBe(200);
    expect(imported.body.number).toBe(`${year()}9999999`);
    const next = await drafter.createDocument();
    expect(Number(next.number)).toBe(Number(first.number) + 1);
  });

  it('refuses a chosen number outside the reserved range, and one from a future year', async () => {
    for (const number of [`${year()}0000500`, `${year()}8999999`, `${year() + 1}0000001`, `${year() + 1}9000001`]) {
      const before = await snapshot(service.ctx.storage.db);
      const r = await drafter.call('POST', '/api/documents', { number, subject: '自選文號', body: '' });
      expect(r.status, number).toBe(400);
      expect(r.body).toMatchObject({ code: 'DOCUMENT_NUMBER_INVALID' });
      expect(await snapshot(service.ctx.storage.db)).toBe(before);
    }
    // An earlier year's paper document may be brought in with its own number.
    const old = await drafter.call('POST', '/api/documents', { number: `${year() - 12}3151120`, subject: '舊公文', body: '' });
    expect(old.status).toBe(200);
  });

  it('answers an exhausted year with a clear refusal, leaves the counter where it was, and keeps imports working', async () => {
    await drafter.createDocument();
    await service.ctx.storage.db.updateTable('document_sequences').set({ last: 8_999_999 }).where('roc_year', '=', year()).execute();
    const before = await snapshot(service.ctx.storage.db);
    const refused = await drafter.call('POST', '/api/documents', { subject: '第九百萬件', body: '' });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'DOCUMENT_NUMBERS_EXHAUSTED' });
    expect(await snapshot(service.ctx.storage.db)).toBe(before);
    expect(await counter()).toBe(8_999_999);
    const imported = await drafter.call('POST', '/api/documents', { number: `${year()}9000001`, subject: '匯入', body: '' });
    expect(imported.status).toBe(200);
  });

  it('moves the counter only with a document that is stored', async () => {
    await service.ctx.storage.db.updateTable('document_sequences').set({ last: 1000 }).where('roc_year', '=', year()).execute();
    // Ten concurrent creations take ten consecutive numbers and the counter names the last.
    const made = await Promise.all(Array.from({ length: 10 }, () => drafter.createDocument()));
    const numbers = made.map((d) => Number(d.number.slice(3))).sort((a, b) => a - b);
    expect(numbers).toEqual(Array.from({ length: 10 }, (_, i) => 1001 + i));
    expect(await counter()).toBe(1010);
  });
});
