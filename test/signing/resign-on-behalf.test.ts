import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { oid } from '../../src-shared/node/cms/oids.js';
import { verifyStepSignature } from '../../src-shared/node/cms/verify.js';
import { ClerkSession } from '../../src-main/session/clerk-session.js';
import { openStorage } from '../../src-server/storage/database.js';
import { pkijsCountersignatureAttribute, pkijsVerifiesCountersignatures } from '../helpers/countersignature-pkijs.js';
import { startDesktop, type Desktop } from '../helpers/desktop.js';
import { startServiceProcess, type ServiceProcess } from '../helpers/http-service.js';

const send = { action: '送請簽核', recipient: 'yeh.yenchih', opinion: '出差中以臨時憑證簽核' } as const;

/**
 * 代為補簽 with the real parts: the vendor signs with the temp cert and leaves; the unit head's
 * SoftHSM card countersigns the vendor's steps in IFT940's on-behalf batch (one PIN), which is
 * cancelled midway and resumed; the evidence verifies with openssl, our verifier and PKI.js.
 */
describe('IFT940 代為補簽 with the unit head’s card', () => {
  let service: ServiceProcess;
  const desktops: Desktop[] = [];

  beforeAll(async () => {
    service = await startServiceProcess();
  });
  afterEach(async () => {
    await Promise.all(desktops.splice(0).map((d) => d.close()));
  });
  afterAll(() => service.stop());

  it('lists the left signer’s steps, countersigns the selected ones, cancelled and resumed, and the evidence verifies', async () => {
    const vendorPc = await startDesktop('vendor');
    desktops.push(vendorPc);
    const vendor = await ClerkSession.login(vendorPc, service.url, 'vendor', 'gongwen-demo');
    await vendor.tempCerts.apply('temp-pass-1234', '出差', 'gongwen-demo');
    await vendor.tempCerts.enable('vendor', 'temp-pass-1234', 'PC', 'gongwen-demo');
    const documentIds: string[] = [];
    for (let i = 0; i < 5; i++) {
      const created = await vendor.client.createDocument({ subject: `離職前公文 ${i + 1}`, body: '內容' });
      expect((await vendor.send(await vendor.client.document(created.id), send, { useTempCert: true, tempCertPassword: 'temp-pass-1234' })).status).toBe(
        'delivered',
      );
      documentIds.push(created.id);
    }
    await vendor.logout();

    // The organisation: 葉彥志 heads 資通建設科; the vendor leaves.
    const storage = await openStorage(join(service.env.GONGWEN_DATA_DIR!, 'gongwen.sqlite'));
    try {
      await storage.write(async (trx) => {
        const head = await trx.selectFrom('users').select('id').where('account', '=', 'yeh.yenchih').executeTakeFirstOrThrow();
        await trx.updateTable('units').set({ head_user_id: head.id }).where('id', '=', 'ict').execute();
        await trx
          .updateTable('users')
          .set({ separated_at: new Date(Date.now() - 1000).toISOString() })
          .where('account', '=', 'vendor')
          .execute();
      });
    } finally {
      await storage.close();
    }

    const headPc = await startDesktop('yeh.yenchih');
    desktops.push(headPc);
    const head = await ClerkSession.login(headPc, service.url, 'yeh.yenchih', 'gongwen-demo');
    const listed = await head.listOnBehalf();
    expect(listed).toHaveLength(5);
    expect(listed.every((s) => s.checked === 'listed' && s.holderAccount === 'vendor' && s.right === 'unit-head' && s.due === 'separated')).toBe(true);
    expect(listed[0]!.signed).toMatchObject({ action: '送請簽核', recipient: 'yeh.yenchih', opinion: '出差中以臨時憑證簽核' });
    // Four selected; one left for later.
    const selected = listed.slice(0, 4).map((s) => s.stepId);
    const batch = { pin: headPc.virtualCard.pin, note: '主管代為補簽', reason: '承辦人已離職', stepIds: selected, chunkSize: 2 };

    const cancel = new AbortController();
    await expect(head.resignOnBehalf({ ...batch, signal: cancel.signal, onProgress: (p) => p.done === 2 && cancel.abort() })).rejects.toMatchObject({
      code: 'RESIGN_CANCELLED',
    });
    expect((await head.client.pendingOnBehalf()).steps).toHaveLength(3);

    // Resumed: the list again, the same selection; only the rest is signed.
    await head.listOnBehalf();
    expect(await head.resignOnBehalf(batch)).toMatchObject({ total: 2, resigned: 2, alreadyResigned: 0, refused: [] });
    expect((await head.client.pendingOnBehalf()).steps.map((s) => s.stepId)).toEqual([listed[4]!.stepId]);

    const first = listed.find((s) => s.stepId === selected[0])!;
    const flow = (await head.client.document(first.documentId)).flow;
    expect(flow[0]).toMatchObject({
      resignKind: 'on-behalf',
      resignedBy: '葉彥志',
      resignRight: 'unit-head',
      resignReason: '承辦人已離職',
      resignNote: '主管代為補簽',
    });

    const evidence = await head.client.evidence(first.documentId);
    const dir = mkdtempSync(join(tmpdir(), 'on-behalf-evidence-'));
    const file = (name: string) => Buffer.from(evidence.files.find((f) => f.name === name)!.contentBase64, 'base64');
    for (const name of ['step-1.p7s', 'step-1.payload', 'trust/temp-ca.pem']) writeFileSync(join(dir, name.replace('trust/', '')), file(name));
    execFileSync(
      'openssl',
      [
        'cms',
        '-verify',
        '-inform',
        'DER',
        '-in',
        'step-1.p7s',
        '-binary',
        '-content',
        'step-1.payload',
        '-CAfile',
        'temp-ca.pem',
        '-purpose',
        'any',
        '-out',
        '/dev/null',
      ],
      { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const p7s = file('step-1.p7s');
    const verified = verifyStepSignature(p7s, file('step-1.payload'));
    expect(verified.countersignatures).toHaveLength(1);
    expect(verified.countersignatures[0]).toMatchObject({ note: '主管代為補簽', onBehalf: { signerAccount: 'vendor', reason: '承辦人已離職' } });
    expect(verified.countersignatures[0]!.certificate.subject).toContain('葉彥志');
    expect(await pkijsVerifiesCountersignatures(p7s)).toEqual([true]);
    expect(pkijsCountersignatureAttribute(p7s, oid.resignOnBehalfOf)).toEqual(['vendor']);
    await head.logout();
  });
});
