import { createPrivateKey } from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseJournal } from '../../src-main/outbox/outbox.js';
import { ActionRequest } from '../../src-shared/common/api/documents.js';
import { DerError, assertStrictDer } from '../../src-shared/node/cms/der.js';
import { keyObjectSigner } from '../../src-shared/node/cms/key-signer.js';
import { CMS_LIMITS, parseSignedData } from '../../src-shared/node/cms/parse.js';
import { signStep } from '../../src-shared/node/cms/sign.js';
import { countersign } from '../../src-shared/node/cms/countersign.js';
import { verifyStepSignature } from '../../src-shared/node/cms/verify.js';
import { GongwenError } from '../../src-shared/common/errors.js';
import { fromPem, x509 } from '../../src-shared/node/pki/x509.js';
import { canonicalStepPayload, STEP_PAYLOAD_PROFILE } from '../../src-shared/common/step-payload.js';
import { TempCertAuthority } from '../../src-server/temp-ca/authority.js';
import { testPki } from '../helpers/demo-pki.js';
import { opensslSign } from '../helpers/openssl-sign.js';

/**
 * Property-based fuzzing of every parser of untrusted bytes: random bytes and, more telling, valid
 * inputs with bytes flipped, cut, inserted or spliced. A parser may refuse (with its own error
 * type) but never crash another way, never hang, and never accept bytes beyond its limits.
 *
 * Two depths. In `npm test` each property gets a count that takes about a second on an idle
 * two-core machine and at most about 3 s beside a CPU hog and other test runs (load 14 on two
 * cores, 2026-11-30), a tenth of vitest's 30 s limit: a busy machine cannot fail the run, a
 * parser that hangs still does. `npm run fuzz` (GONGWEN_FUZZ=full) gives each property 100,000
 * inputs and a limit no slow machine reaches (the temp CA's CSR check alone takes about 90 s idle).
 */
const FULL = process.env.GONGWEN_FUZZ === 'full';
const FULL_RUNS = 100_000;
/** The count for one property: `quick` in `npm test`, 100,000 in `npm run fuzz`. */
const runs = (quick: number) => ({ numRuns: FULL ? FULL_RUNS : quick });
/** The time limit of one property: vitest's 30 s in `npm test`, two hours in `npm run fuzz`. */
const limit = FULL ? 2 * 60 * 60_000 : undefined;

/** Valid bytes, damaged in one of the ways a hostile or broken sender would. */
function mutated(valid: Uint8Array) {
  return fc.oneof(
    fc.record({ at: fc.nat(valid.length - 1), bit: fc.integer({ min: 0, max: 7 }) }).map(({ at, bit }) => {
      const b = Uint8Array.from(valid);
      b[at]! ^= 1 << bit;
      return b;
    }),
    fc.nat(valid.length).map((cut) => valid.subarray(0, cut)),
    fc
      .record({ at: fc.nat(valid.length), junk: fc.uint8Array({ minLength: 1, maxLength: 8 }) })
      .map(({ at, junk }) => Uint8Array.from([...valid.subarray(0, at), ...junk, ...valid.subarray(at)])),
    fc.record({ at: fc.nat(valid.length - 1), value: fc.integer({ min: 0, max: 255 }) }).map(({ at, value }) => {
      const b = Uint8Array.from(valid);
      b[at] = value;
      return b;
    }),
    fc.uint8Array({ maxLength: 512 }),
  );
}

function refusesCleanly(run: () => unknown, allowed: (error: unknown) => boolean): boolean {
  try {
    run();
    return true;
  } catch (error) {
    if (allowed(error)) return true;
    throw error;
  }
}

describe('fuzzing the parsers of untrusted bytes', () => {
  let cms: Uint8Array;
  let resigned: Uint8Array;
  /** `openssl cms -sign -cades -stream`: indefinite-length BER with the content embedded. */
  let ber: Uint8Array;
  let payload: Uint8Array;
  let csr: Uint8Array;
  let ca: TempCertAuthority;

  beforeAll(async () => {
    const pki = await testPki();
    const card = pki.cards.vendor!;
    const signer = keyObjectSigner(fromPem(card.certPem)[0]!, createPrivateKey(card.keyPem));
    payload = canonicalStepPayload({
      profile: STEP_PAYLOAD_PROFILE,
      documentId: 'd',
      documentNumber: '1033151119',
      contentSha256: 'c',
      step: 1,
      action: '送請簽核',
      sender: 'vendor',
      recipient: 'yeh.yenchih',
      opinion: '',
      signingTime: '2014-05-27T09:24:00Z',
      stepToken: 't',
    });
    cms = await signStep(payload, signer, new Date('2014-05-27T09:24:00Z'));
    resigned = await countersign(cms, signer, { note: '補簽', signingTime: new Date() });
    ber = opensslSign(payload, card, ['-cades', '-stream']);
    const keys = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
    csr = new Uint8Array(
      (await x509.Pkcs10CertificateRequestGenerator.create({ name: 'CN=x', keys, signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' } })).rawData,
    );
    ca = await TempCertAuthority.fromPem(pki.tempCaCertPem, pki.tempCaKeyPem);
  });

  it(
    'the CMS parser refuses damaged signatures with DerError, or SIGNATURE_PROFILE when the CMS is well-formed, only',
    () => {
      fc.assert(
        fc.property(fc.oneof(mutated(cms), mutated(resigned)), (bytes) =>
          refusesCleanly(
            () => parseSignedData(bytes),
            (e) => e instanceof DerError || (e instanceof GongwenError && e.code === 'SIGNATURE_PROFILE' && e.detail !== undefined),
          ),
        ),
        runs(5_000),
      );
    },
    limit,
  );

  it(
    'damaged BER is refused with DerError or SIGNATURE_PROFILE, and whatever is read is kept as strict DER',
    () => {
      fc.assert(
        fc.property(mutated(ber), (bytes) =>
          refusesCleanly(
            () => {
              const parsed = parseSignedData(bytes);
              assertStrictDer(parsed.encoding);
              expect(parsed.encoding.length).toBeLessThanOrEqual(CMS_LIMITS.bytes);
            },
            (e) => e instanceof DerError || (e instanceof GongwenError && e.code === 'SIGNATURE_PROFILE'),
          ),
        ),
        runs(2_000),
      );
      expect(
        refusesCleanly(
          () => verifyStepSignature(ber, payload),
          () => false,
        ),
      ).toBe(true);
    },
    limit,
  );

  it(
    'the step-signature verifier refuses damaged signatures with its own codes only',
    () => {
      fc.assert(
        fc.property(fc.oneof(mutated(cms), mutated(resigned), mutated(ber)), (bytes) =>
          refusesCleanly(
            () => verifyStepSignature(bytes, payload),
            (e) => e instanceof GongwenError,
          ),
        ),
        runs(5_000),
      );
    },
    limit,
  );

  it('the CMS parser refuses anything over its size limit before reading it', () => {
    const big = new Uint8Array(CMS_LIMITS.bytes + 1);
    expect(() => parseSignedData(big)).toThrow(/too large/);
  });

  it(
    'the temp CA refuses damaged CSRs with CSR_INVALID only',
    async () => {
      await fc.assert(
        fc.asyncProperty(mutated(csr), async (bytes) => {
          try {
            await ca.checkCsr(bytes);
          } catch (error) {
            if (!(error instanceof GongwenError && error.code === 'CSR_INVALID')) throw error;
          }
        }),
        runs(1_000),
      );
    },
    limit,
  );

  it(
    'the send request schema and the canonical payload take any text without crashing',
    () => {
      fc.assert(
        fc.property(fc.object({ maxDepth: 2 }), fc.string({ unit: 'binary', maxLength: 64 }), (value, text) => {
          ActionRequest.safeParse(value);
          ActionRequest.safeParse({ action: text, recipient: text, opinion: text, signingTime: text, stepToken: text, signature: text, idempotencyKey: text });
          return (
            canonicalStepPayload({
              profile: STEP_PAYLOAD_PROFILE,
              documentId: text,
              documentNumber: text,
              contentSha256: text,
              step: 1,
              action: '送請簽核',
              sender: text,
              recipient: text,
              opinion: text,
              signingTime: text,
              stepToken: text,
            }).length > 0
          );
        }),
        runs(2_000),
      );
    },
    limit,
  );

  it(
    'the outbox journal parser reads whatever the disk holds without throwing',
    () => {
      const valid = new TextEncoder().encode(
        [
          { t: 'put', entry: { key: 'k1', account: 'vendor', documentId: 'd', request: {} } },
          { t: 'ack', key: 'k1' },
          { t: 'refuse', key: 'k2', code: 'X', at: 'now' },
        ]
          .map((r) => JSON.stringify(r))
          .join('\n'),
      );
      fc.assert(
        fc.property(
          fc.oneof(
            mutated(valid).map((b) => new TextDecoder().decode(b)),
            fc.string({ unit: 'binary', maxLength: 300 }),
          ),
          (text) => Array.isArray(parseJournal(text)),
        ),
        runs(10_000),
      );
    },
    limit,
  );
});
