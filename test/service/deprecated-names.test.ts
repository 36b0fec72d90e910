import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActionResult, DocumentList } from '../../src-shared/common/api/documents.js';
import { DEPRECATED_NAMES_REMOVED_IN } from '../../src-shared/common/api/deprecated-names.js';
import type { PendingResignList } from '../../src-shared/common/api/resign.js';
import { databaseKinds } from '../helpers/databases.js';
import { Clerk, call, startTestService, type TestService } from '../helpers/service.js';

/**
 * Issue 15: the API answers the glossary's names (`action`, `lastAction`, `holderName`); a desktop
 * client of 0.1 still reads the old ones (`changeType`, `lastChangeType`, `holder`) for one
 * version, with the values it read then.
 */
describe.each(databaseKinds())('old names stay readable for one version on %s', (kind) => {
  let service: TestService;
  let drafter: Clerk;

  beforeAll(async () => {
    service = await startTestService(kind);
    drafter = await Clerk.login(service, 'vendor');
  });
  afterAll(() => service.close());

  it('a new document: no action yet (創稿 is not one), while the old names read as 0.1 answered them', async () => {
    const doc = await drafter.createDocument('舊版用戶端', '內容');
    expect(doc).toMatchObject({ holderName: '公文系統廠商', holder: '公文系統廠商', lastAction: null, lastChangeType: '創稿' });
    expect(doc.flow[0]).toMatchObject({ status: '線上簽核', holderName: '公文系統廠商', holder: '公文系統廠商', action: null, changeType: '創稿' });
    const listed = await drafter.call<DocumentList>('GET', `/api/documents?q=${doc.number}`);
    expect(listed.body.documents[0]).toMatchObject({ holderName: '公文系統廠商', holder: '公文系統廠商', lastAction: null, lastChangeType: '創稿' });
  });

  it('an old client’s send is answered with both names, and a re-send stored by 0.1 reads with the new ones too', async () => {
    const doc = await drafter.createDocument('舊版用戶端送出', '內容');
    // 0.1's request: the same fields (no request field was renamed).
    const request = await drafter.signedAction(doc, '送請簽核', 'yeh.yenchih', await drafter.enableTempCert());
    const sent = await drafter.call<ActionResult>('POST', `/api/documents/${doc.id}/actions`, request);
    expect(sent.status).toBe(200);
    expect(sent.body.document).toMatchObject({ holderName: '葉彥志', holder: '葉彥志', lastAction: '送請簽核', lastChangeType: '送請簽核' });
    expect(sent.body.step).toMatchObject({ holderName: '公文系統廠商', holder: '公文系統廠商', action: '送請簽核', changeType: '送請簽核' });

    const view = await drafter.open(doc.id);
    expect(view.flow.map((r) => [r.action, r.changeType, r.holderName, r.holder])).toEqual([
      ['送請簽核', '送請簽核', '公文系統廠商', '公文系統廠商'],
      ['送請簽核', '送請簽核', '葉彥志', '葉彥志'],
    ]);

    // The answer 0.1 stored for this idempotency key had only the old names.
    const { document, step } = sent.body;
    const old = {
      document: { ...document, holderName: undefined, lastAction: undefined },
      step: { ...step, holderName: undefined, action: undefined },
    };
    await service.ctx.storage.db
      .updateTable('idempotency_keys')
      .set({ response: JSON.stringify(old) })
      .where('key', '=', request.idempotencyKey)
      .execute();
    const retried = await drafter.call<ActionResult>('POST', `/api/documents/${doc.id}/actions`, request);
    expect(retried.status).toBe(200);
    expect(retried.body).toEqual(sent.body);
  });

  it('IFT940’s list answers the action under both names', async () => {
    const list = await drafter.call<PendingResignList>('GET', '/api/resign/pending');
    expect(list.body.steps.length).toBeGreaterThan(0);
    for (const step of list.body.steps) expect(step).toMatchObject({ action: '送請簽核', changeType: '送請簽核' });
  });
});

describe('the OpenAPI document marks the old names deprecated', () => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService('sqlite');
  });
  afterAll(() => service.close());

  it('each old name is deprecated and names its replacement and the version it goes away', async () => {
    const doc = (await call<any>(service, { method: 'GET', url: '/api/openapi.json' })).body;
    const view = doc.paths['/api/documents/{id}'].get.responses['200'].content['application/json'].schema;
    const pending = doc.paths['/api/resign/pending'].get.responses['200'].content['application/json'].schema.properties.steps.items;
    const onBehalf = doc.paths['/api/resign/on-behalf/pending'].get.responses['200'].content['application/json'].schema.properties.steps.items;
    const row = view.properties.flow.items;
    const cases: [string, any, string][] = [
      ['DocumentView.holder', view.properties.holder, 'holderName'],
      ['DocumentView.lastChangeType', view.properties.lastChangeType, 'lastAction'],
      ['FlowRow.holder', row.properties.holder, 'holderName'],
      ['FlowRow.changeType', row.properties.changeType, 'action'],
      ['PendingResignStep.changeType', pending.properties.changeType, 'action'],
      ['OnBehalfPendingStep.holder', onBehalf.properties.holder, 'holderName'],
    ];
    for (const [where, property, replacement] of cases) {
      expect(property, where).toMatchObject({ deprecated: true });
      expect(property.description, where).toContain(`\`${replacement}\``);
      expect(property.description, where).toContain(DEPRECATED_NAMES_REMOVED_IN);
    }
    for (const name of ['holderName', 'lastAction']) expect(view.properties[name].deprecated, name).toBeUndefined();
    const actionNames: string[] = row.properties.action.anyOf.flatMap((s: { enum?: string[] }) => s.enum ?? []);
    expect(actionNames).toContain('送請簽核');
    expect(actionNames).not.toContain('創稿');
  });
});
