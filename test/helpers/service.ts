import { randomBytes, randomUUID, webcrypto } from 'node:crypto';
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, InjectOptions } from 'fastify';
import type { DocumentView } from '../../src-shared/common/api/documents.js';
import { keyObjectSigner } from '../../src-shared/node/cms/key-signer.js';
import { signStep } from '../../src-shared/node/cms/sign.js';
import type { CmsSigner } from '../../src-shared/node/cms/signer.js';
import type { Action } from '../../src-shared/common/flow.js';
import { x509 } from '../../src-shared/node/pki/x509.js';
import { canonicalStepPayload, payloadForStep, signingTimeOf } from '../../src-shared/common/step-payload.js';
import { KeyObject } from 'node:crypto';
import { createUser, ensureUnit, registerCardCertificate } from '../../src-server/accounts/users.js';
import type { ServiceContext } from '../../src-server/context.js';
import { DEMO_PASSWORD, demoPeople, demoUnits } from '../../tools/demo/people.js';
import { buildApp } from '../../src-server/http/app.js';
import { createContext, type ServiceConfig } from '../../src-server/service.js';
import { fromPem } from '../../src-shared/node/pki/x509.js';
import { createTestDatabase, type DatabaseKind } from './databases.js';
import { writeSealKeyFile } from './seal-key.js';
import { assertDocumentedRefusal } from './documented-errors.js';
import { signaturesOpensslCannotRead } from './openssl-print.js';
import { cardSigner, testPki } from './demo-pki.js';

/** A running service (in-process, reached through inject) with the demo people and their cards registered. */
export interface TestService {
  app: FastifyInstance;
  ctx: ServiceContext;
  dataDir: string;
  kind: DatabaseKind;
  /** Moves the service's clock. */
  clock: { offsetMs: number };
  /** A second service instance on the same database (its own context, pool and app). */
  twin(): Promise<FastifyInstance>;
  close(): Promise<void>;
}

/** `extraCardRootsPem`: further trusted card roots beside the test PKI's (the bad-chain root of `bad-chains.ts`). */
export async function startTestService(
  kind: DatabaseKind,
  options: { people?: typeof demoPeople; tempCertValidityDays?: number; extraCardRootsPem?: string; config?: Partial<ServiceConfig> } = {},
): Promise<TestService> {
  const pki = await testPki();
  const dataDir = await mkdtemp(join(tmpdir(), 'gongwen-svc-'));
  await mkdir(join(dataDir, 'trust'), { recursive: true });
  await writeFile(join(dataDir, 'trust', 'card-roots.pem'), pki.gcaRootPem + (options.extraCardRootsPem ?? ''));
  const database = await createTestDatabase(kind);
  const clock = { offsetMs: 0 };
  // PostgreSQL (several instances) keeps the TSA key sealed in the database: the temp CA is the test PKI's files.
  const sealKeyPath = kind === 'postgres' ? writeSealKeyFile() : undefined;
  const openContext = () =>
    createContext({
      dataDir,
      databaseUrl: database.url,
      tempCaCertPath: join(pki.dir, 'temp-ca.cert.pem'),
      tempCaKeyPath: join(pki.dir, 'temp-ca.key.pem'),
      sealKeyPath,
      now: () => new Date(Date.now() + clock.offsetMs),
      tempCertValidityDays: options.tempCertValidityDays,
      ...options.config,
    });
  const ctx = await openContext();
  await seedPeople(ctx, options.people);
  const app = await buildApp(ctx);
  const twins: FastifyInstance[] = [];
  return {
    app,
    ctx,
    dataDir,
    kind,
    clock,
    twin: async () => {
      const twin = await buildApp(await openContext());
      twins.push(twin);
      return twin;
    },
    close: async () => {
      try {
        // Whatever the suite got the service to store must be readable by openssl (issue 13, point 3).
        const unreadable = await signaturesOpensslCannotRead(ctx);
        if (unreadable.length > 0) throw new Error(`stored signatures openssl cannot read:\n${unreadable.join('\n')}`);
      } finally {
        for (const twin of twins) await twin.close();
        await app.close();
        await database.drop();
      }
    },
  };
}

/** The demo's units and people, each with the test PKI's card certificate registered. */
export async function seedPeople(ctx: ServiceContext, people: typeof demoPeople = demoPeople): Promise<void> {
  const pki = await testPki();
  for (const unit of demoUnits) await ensureUnit(ctx.storage, unit.id, unit.name);
  for (const person of people) {
    await createUser(ctx, { ...person, password: DEMO_PASSWORD });
    await registerCardCertificate(ctx, person.account, fromPem(pki.cards[person.account]!.certPem)[0]!);
  }
}

export interface Reply<T = unknown> {
  status: number;
  body: T;
  raw: Buffer;
}

/** An HTTP client for one logged-in person. */
export class Clerk {
  constructor(
    readonly service: TestService,
    readonly account: string,
    public token: string,
  ) {}

  static async login(service: TestService, account: string, password = DEMO_PASSWORD): Promise<Clerk> {
    const r = await call(service, { method: 'POST', url: '/api/session', payload: { account, password } });
    if (r.status !== 200) throw new Error(`login ${account}: ${JSON.stringify(r.body)}`);
    return new Clerk(service, account, (r.body as { token: string }).token);
  }

  call<T = any>(method: InjectOptions['method'], url: string, payload?: unknown): Promise<Reply<T>> {
    return call<T>(this.service, { method, url, payload: payload as InjectOptions['payload'], headers: { authorization: `Bearer ${this.token}` } });
  }

  async createDocument(subject = '測試公文', body = '內容'): Promise<DocumentView> {
    const r = await this.call<DocumentView>('POST', '/api/documents', { subject, body });
    if (r.status !== 200) throw new Error(JSON.stringify(r.body));
    return r.body;
  }

  async open(documentId: string): Promise<DocumentView> {
    const r = await this.call<DocumentView>('GET', `/api/documents/${documentId}`);
    if (r.status !== 200) throw new Error(JSON.stringify(r.body));
    return r.body;
  }

  /** Builds the payload from the document as this clerk sees it, signs it and returns the request body. */
  async signedAction(
    doc: DocumentView,
    action: Action,
    recipient: string | null,
    signer: CmsSigner,
    options: { opinion?: string; signingTime?: Date; idempotencyKey?: string } = {},
  ) {
    const signingTime = signingTimeOf(options.signingTime ?? new Date(Date.now() + this.service.clock.offsetMs));
    const opinion = options.opinion ?? '';
    const payload = canonicalStepPayload(payloadForStep(doc, { action, sender: this.account, recipient, opinion, signingTime }));
    const cms = await signStep(payload, signer, new Date(signingTime));
    return {
      action,
      recipient,
      opinion,
      signingTime,
      stepToken: doc.stepToken!,
      signature: Buffer.from(cms).toString('base64'),
      idempotencyKey: options.idempotencyKey ?? randomBytes(16).toString('base64url'),
    };
  }

  async act(documentId: string, action: Action, recipient: string | null, signer: CmsSigner, options: { opinion?: string } = {}) {
    const doc = await this.open(documentId);
    return this.call('POST', `/api/documents/${documentId}/actions`, await this.signedAction(doc, action, recipient, signer, options));
  }

  card(): Promise<CmsSigner> {
    return cardSigner(this.account);
  }

  /** IFT930 on a fresh "PC": apply (unless already), make a P-256 key, enable with a CSR, return the signer. */
  async enableTempCert(password = 'temp-pass-1234', options: { apply?: boolean; pcLabel?: string } = {}): Promise<CmsSigner> {
    if (options.apply !== false) {
      const applied = await this.call('POST', '/api/temp-cert/application', { password, reason: '出差未攜帶憑證卡', loginPassword: DEMO_PASSWORD });
      if (applied.status !== 200) throw new Error(JSON.stringify(applied.body));
    }
    const keys = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
    const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: `CN=${this.account}`, keys, signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' } });
    const r = await this.call('POST', '/api/temp-cert/enable', {
      password,
      pcLabel: options.pcLabel ?? 'PC-01',
      csr: Buffer.from(csr.rawData).toString('base64'),
      loginPassword: DEMO_PASSWORD,
    });
    if (r.status !== 200) throw new Error(JSON.stringify(r.body));
    const cert = new Uint8Array(Buffer.from(r.body.certificate, 'base64'));
    return keyObjectSigner(cert, KeyObject.from(keys.privateKey));
  }
}

export async function call<T = any>(service: TestService, options: InjectOptions): Promise<Reply<T>> {
  const r = await service.app.inject(options);
  const raw = r.rawPayload;
  let body: unknown = raw.toString('utf8');
  if ((r.headers['content-type'] ?? '').toString().includes('json')) body = JSON.parse(raw.toString('utf8') || 'null');
  if (r.statusCode >= 400)
    await assertDocumentedRefusal(
      service.app,
      options.method ?? 'GET',
      typeof options.url === 'string' ? options.url : '',
      r.statusCode,
      (body as { code?: unknown })?.code,
    );
  return { status: r.statusCode, body: body as T, raw };
}

export { randomUUID };
