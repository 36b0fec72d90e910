import { KeyObject, createPrivateKey, randomBytes, webcrypto } from 'node:crypto';
import { copyFile, mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeCountersignature } from '../../src-shared/node/cms/countersign.js';
import { keyObjectSigner } from '../../src-shared/node/cms/key-signer.js';
import { signStep } from '../../src-shared/node/cms/sign.js';
import { signerCertificates, type CmsSigner } from '../../src-shared/node/cms/signer.js';
import type { Action } from '../../src-shared/common/flow.js';
import { fromPem, x509 } from '../../src-shared/node/pki/x509.js';
import { canonicalStepPayload, payloadForStep, signingTimeOf } from '../../src-shared/common/step-payload.js';
import { createUser, ensureUnit, findUserByAccount, registerCardCertificate } from '../../src-server/accounts/users.js';
import type { Actor, ServiceContext } from '../../src-server/context.js';
import { createContext, type ServiceConfig } from '../../src-server/service.js';
import { applyForTempCert, enableTempCert, tempCertStatus } from '../../src-server/temp-ca/applications.js';
import { performAction } from '../../src-server/workflow/actions.js';
import { createDocument, viewDocument } from '../../src-server/workflow/documents.js';
import { pendingResignSteps, resignSteps } from '../../src-server/workflow/resign.js';
import { DEMO_NOT_BEFORE, ensureDemoPki, type DemoPki } from './demo-pki.js';
import { makeTsa } from '../../src-server/timestamp/authority.js';
import { nameDeputy } from '../../src-server/organisation/deputies.js';
import { setUnitHead } from '../../src-server/organisation/unit-heads.js';
import { taiwanDay } from '../../src-shared/common/roc-date.js';
import { DEMO_PASSWORD, DEMO_TEMP_CERT_PASSWORD, demoPeople, demoUnits } from './people.js';

/** The source document's own: 公文文號 1033151119, sent 103/05/27 17:24 with a temp cert. */
export const SEED_DOCUMENT_NUMBER = '1033151119';
const SEED_SENT_AT = new Date('2014-05-27T09:24:00Z'); // 103/05/27 17:24 in Taiwan
const SEED_RESIGNED_AT = new Date('2014-05-28T01:30:00Z');

/**
 * `seed-demo`: the demo's units and people (their card certificates from the test PKI in
 * `<data>/demo-pki`, registered and trusted), document 1033151119 with the seed's flow (step 1
 * temp-signed by the vendor and already re-signed with the vendor's card), and a few dozen more
 * documents in every state, all signed for real through the service's own code.
 */
export async function seedDemo(config: ServiceConfig, log: (line: string) => void = console.log): Promise<void> {
  const pki = await ensureDemoPki(join(config.dataDir, 'demo-pki'));
  await installDemoTrust(config, pki);
  const clock = { at: new Date() };
  const ctx = await createContext({ ...config, now: () => clock.at });
  try {
    const { db } = ctx.storage;
    if (await db.selectFrom('documents').select('id').where('number', '=', SEED_DOCUMENT_NUMBER).executeTakeFirst()) {
      log(`demo data already present (document ${SEED_DOCUMENT_NUMBER}); nothing to do`);
      return;
    }
    for (const unit of demoUnits) await ensureUnit(ctx.storage, unit.id, unit.name);
    const actors: Record<string, Actor> = {};
    const cards: Record<string, CmsSigner> = {};
    for (const person of demoPeople) {
      const user = (await findUserByAccount(db, person.account)) ?? (await createUser(ctx, { ...person, password: DEMO_PASSWORD }));
      const card = pki.cards[person.account]!;
      await registerCardCertificate(ctx, person.account, fromPem(card.certPem)[0]!);
      actors[person.account] = { id: user.id, account: user.account, name: user.name, unitId: user.unit_id };
      cards[person.account] = keyObjectSigner(fromPem(card.certPem)[0]!, createPrivateKey(card.keyPem));
    }
    const vendor = actors.vendor!;

    // 1033151119, as in the source document's flow table, then re-signed the next morning.
    clock.at = SEED_SENT_AT;
    const oldTemp = await enableDemoTempCert(ctx, vendor, 'DEMO-PC (103)');
    const seedDoc = await createDocument(
      ctx,
      vendor,
      {
        number: SEED_DOCUMENT_NUMBER,
        subject: '電子公文系統軟體憑證申請與補簽操作測試',
        body: '測試以軟體臨時憑證傳送公文，並於返回後以實體卡補簽。',
        attachments: [],
      },
      { trustedNumber: true },
    );
    await act(ctx, vendor, seedDoc.id, '送請簽核', 'yeh.yenchih', oldTemp, '');
    clock.at = SEED_RESIGNED_AT;
    await resignAll(ctx, vendor, cards.vendor!, '出差返回，以實體卡補簽');

    // A few dozen documents of today, in every state.
    clock.at = new Date(Date.now() - 20 * 24 * 3600 * 1000);
    const temp = await enableDemoTempCert(ctx, vendor, 'DEMO-PC');
    const subjects = [
      '年度資訊安全稽核計畫',
      '公文系統升級說明會',
      '機房空調維護採購案',
      '個人資料保護教育訓練',
      '視訊會議設備汰換',
      '網路骨幹頻寬擴充',
      '電子簽章推動進度',
      '資通安全事件通報演練',
      '委外維運契約續約',
      '憑證卡換發作業',
    ];
    let count = 1;
    for (let i = 0; i < 36; i++) {
      const drafter = [actors['chen.chiming']!, actors['wang.meiling']!, vendor][i % 3]!;
      const subject = `${subjects[i % subjects.length]}（第 ${Math.floor(i / subjects.length) + 1} 案）`;
      clock.at = new Date(clock.at.getTime() + 11 * 3600 * 1000);
      const doc = await createDocument(ctx, drafter, { subject, body: `有關${subject}一案，擬請核示。`, attachments: [] });
      count++;
      const signer = drafter === vendor && i % 2 === 0 ? temp : cards[drafter.account]!;
      const stage = i % 6;
      if (stage === 0) continue; // still a draft with its drafter
      clock.at = new Date(clock.at.getTime() + 40 * 60 * 1000);
      await act(ctx, drafter, doc.id, '送請簽核', 'yeh.yenchih', signer, '擬如擬，陳請核示。');
      if (stage === 1) continue;
      clock.at = new Date(clock.at.getTime() + 2 * 3600 * 1000);
      if (stage === 2) {
        await act(ctx, actors['yeh.yenchih']!, doc.id, '會辦', 'lin.shufen', cards['yeh.yenchih']!, '請秘書室表示意見。');
        continue;
      }
      if (stage === 3) {
        await act(ctx, actors['yeh.yenchih']!, doc.id, '退回', drafter.account, cards['yeh.yenchih']!, '請補充預算來源。');
        continue;
      }
      await act(ctx, actors['yeh.yenchih']!, doc.id, '決行', drafter.account, cards['yeh.yenchih']!, '如擬。');
      if (stage === 5 && signer !== temp) {
        clock.at = new Date(clock.at.getTime() + 3600 * 1000);
        await act(ctx, drafter, doc.id, i % 4 === 1 ? '發文' : '歸檔', null, cards[drafter.account]!, '');
      }
    }
    // Issue 16's organisation: 葉彥志 (科長) heads 資通建設科, and 王美玲 is the vendor's deputy over
    // the demo's recent documents and the weeks ahead, so 代為補簽 can be tried on them.
    clock.at = new Date();
    await setUnitHead(ctx, 'ict', 'yeh.yenchih');
    await nameDeputy(ctx, vendor, {
      deputy: 'wang.meiling',
      startsOn: taiwanDay(Date.now() - 30 * 24 * 3600 * 1000),
      endsOn: taiwanDay(Date.now() + 90 * 24 * 3600 * 1000),
      loginPassword: DEMO_PASSWORD,
    });
    log(
      `demo data seeded: ${demoPeople.length} people, ${count} documents (including ${SEED_DOCUMENT_NUMBER}); every password is "${DEMO_PASSWORD}", the vendor's temp-cert password "${DEMO_TEMP_CERT_PASSWORD}"`,
    );
  } finally {
    await ctx.storage.close();
  }
}

/**
 * The demo's card root becomes a trusted card root; the demo PKI's temp CA becomes the service's,
 * unless it has one; and, unless it has one, the service's TSA is made valid from the demo PKI's
 * start, so that the time-stamps on the demo's 2014 documents fall within its certificate.
 */
async function installDemoTrust(config: ServiceConfig, pki: DemoPki): Promise<void> {
  await mkdir(join(config.dataDir, 'trust'), { recursive: true });
  await writeFile(config.cardRootsPath ?? join(config.dataDir, 'trust', 'card-roots.pem'), pki.gcaRootPem);
  const tsaDir = join(config.dataDir, 'tsa');
  if (!config.tsaCertPath && !(await stat(join(tsaDir, 'tsa.cert.pem')).catch(() => null))) {
    const tsa = await makeTsa('CN=GongwenDesk Time-Stamping Authority (Demo),O=GongwenDesk Test Agency,C=TW', new Date(), DEMO_NOT_BEFORE);
    await mkdir(tsaDir, { recursive: true, mode: 0o700 });
    await writeFile(join(tsaDir, 'tsa.key.pem'), tsa.keyPem, { mode: 0o600 });
    await writeFile(join(tsaDir, 'tsa.cert.pem'), tsa.certPem);
  }
  const caDir = join(config.dataDir, 'temp-ca');
  if (config.tempCaCertPath || (await stat(join(caDir, 'temp-ca.cert.pem')).catch(() => null))) return;
  await mkdir(caDir, { recursive: true, mode: 0o700 });
  await copyFile(join(pki.dir, 'temp-ca.cert.pem'), join(caDir, 'temp-ca.cert.pem'));
  await copyFile(join(pki.dir, 'temp-ca.key.pem'), join(caDir, 'temp-ca.key.pem'));
}

/** IFT930 for a demo "PC" (applying first if needed): the key is made here, as the desktop app would. */
async function enableDemoTempCert(ctx: ServiceContext, actor: Actor, pcLabel: string): Promise<CmsSigner> {
  const password = DEMO_TEMP_CERT_PASSWORD;
  if ((await tempCertStatus(ctx, actor)).state === 'none')
    await applyForTempCert(ctx, actor, { password, reason: '出差未攜帶憑證卡（示範資料）', loginPassword: DEMO_PASSWORD, pcLabel }, { pcLabel, address: null });
  const keys = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: `CN=${actor.account}`, keys, signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' } });
  const issued = await enableTempCert(
    ctx,
    actor,
    { password, pcLabel, csr: Buffer.from(csr.rawData).toString('base64'), loginPassword: DEMO_PASSWORD },
    { pcLabel, address: null },
  );
  return keyObjectSigner(new Uint8Array(Buffer.from(issued.certificate, 'base64')), KeyObject.from(keys.privateKey));
}

async function act(
  ctx: ServiceContext,
  actor: Actor,
  documentId: string,
  action: Action,
  recipient: string | null,
  signer: CmsSigner,
  opinion: string,
): Promise<void> {
  const doc = await viewDocument(ctx, actor, documentId);
  const signingTime = signingTimeOf(ctx.now());
  const payload = canonicalStepPayload(payloadForStep(doc, { action, sender: actor.account, recipient, opinion, signingTime }));
  const cms = await signStep(payload, signer, new Date(signingTime));
  await performAction(ctx, actor, documentId, {
    action,
    recipient,
    opinion,
    signingTime,
    stepToken: doc.stepToken!,
    signature: Buffer.from(cms).toString('base64'),
    idempotencyKey: randomBytes(16).toString('base64url'),
  });
}

async function resignAll(ctx: ServiceContext, actor: Actor, card: CmsSigner, note: string): Promise<void> {
  const pending = await pendingResignSteps(ctx, actor);
  const items = [];
  for (const step of pending.steps) {
    const countersignature = await makeCountersignature(new Uint8Array(Buffer.from(step.signatureValue, 'base64')), card, {
      note,
      signingTime: new Date(signingTimeOf(ctx.now())),
    });
    items.push({ stepId: step.stepId, countersignature: Buffer.from(countersignature).toString('base64') });
  }
  const certificates = signerCertificates(card).map((c) => Buffer.from(c).toString('base64'));
  if (items.length) await resignSteps(ctx, actor, { note, certificates, items });
}
