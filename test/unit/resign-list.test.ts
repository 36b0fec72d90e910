import { describe, expect, it } from 'vitest';
import type { PendingResignStep } from '../../src-shared/common/api/resign.js';
import { parseSignedData } from '../../src-shared/node/cms/parse.js';
import { signStep } from '../../src-shared/node/cms/sign.js';
import { canonicalStepPayload, STEP_PAYLOAD_PROFILE, type StepPayload } from '../../src-shared/common/step-payload.js';
import { checkPendingStep } from '../../src-main/signing/resign-list.js';
import { cardSigner } from '../helpers/demo-pki.js';

// What the PC checks in each listed step before its card may countersign it; the whole path, with
// the real service and a second PC, is test/signing/resign-verify.test.ts.

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
const at = new Date('2026-11-27T01:00:00Z');
const payload: StepPayload = {
  profile: STEP_PAYLOAD_PROFILE,
  documentId: 'doc-1',
  documentNumber: '1150000001',
  contentSha256: 'ab'.repeat(32),
  step: 2,
  action: '送請簽核',
  sender: 'vendor',
  recipient: 'yeh.yenchih',
  opinion: '請核示',
  signingTime: '2026-11-27T01:00:00Z',
  stepToken: 'token',
};

async function listed(signed: StepPayload = payload, change: Partial<PendingResignStep> = {}): Promise<{ step: PendingResignStep; certificate: string }> {
  const signer = await cardSigner('vendor'); // stands for a temp key: any key the PC may or may not hold
  const bytes = canonicalStepPayload(signed);
  const cms = await signStep(bytes, signer, at);
  const step: PendingResignStep = {
    stepId: 'step-1',
    documentId: 'doc-1',
    documentNumber: '1150000001',
    subject: '出差期間公文',
    seq: 2,
    action: '送請簽核',
    sentAt: at.toISOString(),
    signature: b64(cms),
    payload: b64(bytes),
    signatureValue: b64(parseSignedData(cms).signerInfos[0]!.signature),
    signerInfo: b64(parseSignedData(cms).signerInfos[0]!.encoding),
    ...change,
  };
  return { step, certificate: b64(signer.certificate) };
}

describe('checking a listed 補簽 step on this PC', () => {
  it('passes a signature made with a certificate enabled here, with what it signed, and counts its own signature value', async () => {
    const { step, certificate } = await listed();
    const checked = checkPendingStep(step, { account: 'vendor', enabledHere: [certificate] });
    expect(checked.listed).toMatchObject({ signedWith: 'this-pc', signed: { action: '送請簽核', recipient: 'yeh.yenchih', opinion: '請核示' } });
    expect(checked.listed).not.toHaveProperty('signature');
    expect(b64(checked.toCountersign!.signatureValue)).toBe(step.signatureValue);
  });

  it.each([
    ['a key this PC never held, in a certificate that does not name the clerk', {}, 'vendor', false, 'RESIGN_SIGNATURE_FOREIGN'],
    ['a payload another clerk sent', {}, 'someone.else', true, 'RESIGN_PAYLOAD_MISMATCH'],
    ['a payload of another document', { documentNumber: '1150000002' }, 'vendor', true, 'RESIGN_PAYLOAD_MISMATCH'],
    ['a payload of another step', { seq: 3 }, 'vendor', true, 'RESIGN_PAYLOAD_MISMATCH'],
    ['a listed signature value that is not the signature’s', { signatureValue: b64(new Uint8Array(256).fill(7)) }, 'vendor', true, 'RESIGN_PAYLOAD_MISMATCH'],
    [
      'a payload changed after it was signed',
      { payload: b64(canonicalStepPayload({ ...payload, action: '決行', recipient: null })) },
      'vendor',
      true,
      'SIGNATURE_PAYLOAD_MISMATCH',
    ],
  ] as const)('refuses %s, with its code', async (_what, change, account, enabled, code) => {
    const { step, certificate } = await listed(payload, change);
    const checked = checkPendingStep(step, { account, enabledHere: enabled ? [certificate] : [] });
    expect(checked.listed).toMatchObject({ signedWith: 'refused', refusal: { code } });
    expect(checked.toCountersign).toBeUndefined();
  });
});
