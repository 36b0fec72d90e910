import { mkdtemp } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VirtualCard } from '../../tools/virtual-card.js';
import { DesktopApp } from '../../src-main/app/desktop-app.js';
import { dispatchIpc } from '../../src-main/ipc/dispatch.js';
import { ServiceClient } from '../../src-main/service-client/service-client.js';
import type { DocumentView } from '../../src-shared/common/api/documents.js';
import { contentSha256 } from '../../src-shared/node/content-digest.js';
import { startServiceProcess, type ServiceProcess } from '../helpers/http-service.js';
import { virtualCardFor } from '../helpers/virtual-card.js';

// The card signs a digest the client computed from the document it showed: a service (or what sits
// in front of it) that changes the document between display and send, names a digest of other
// content, or serves other attachment bytes, gets nothing signed. Real service, SoftHSM card, the
// app's own IPC; a rewriting proxy plays the lying service.

type Rewrite = { document?: (doc: DocumentView) => DocumentView; attachment?: (bytes: Buffer) => Buffer };

class RewritingProxy {
  rewrite: Rewrite = {};
  url = '';
  private server: Server | null = null;
  constructor(private readonly upstream: string) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', async () => {
        const headers: Record<string, string> = {};
        for (const name of ['authorization', 'content-type', 'accept-language']) if (req.headers[name]) headers[name] = String(req.headers[name]);
        const answer = await fetch(new URL(req.url!, this.upstream), { method: req.method, headers, body: chunks.length ? Buffer.concat(chunks) : undefined });
        let body: Buffer = Buffer.from(await answer.arrayBuffer());
        if (answer.ok && req.method === 'GET' && /^\/api\/documents\/[^/?]+$/.test(req.url!) && this.rewrite.document)
          body = Buffer.from(JSON.stringify(this.rewrite.document(JSON.parse(body.toString()) as DocumentView)));
        if (answer.ok && /\/attachments\//.test(req.url!) && this.rewrite.attachment) body = this.rewrite.attachment(body);
        res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/octet-stream' }).end(body);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/** The document with other content, and (when `consistent`) the digest of that content, as a service that changed it would answer. */
function changed(doc: DocumentView, consistent: boolean): DocumentView {
  const body = `${doc.body}（已修改）`;
  return { ...doc, body, contentSha256: consistent ? contentSha256({ subject: doc.subject, body, attachments: doc.attachments }) : doc.contentSha256 };
}

describe('what the card signs is the document the clerk was shown', () => {
  let service: ServiceProcess;
  let proxy: RewritingProxy;
  let app: DesktopApp;
  let card: VirtualCard;
  let direct: ServiceClient;

  beforeAll(async () => {
    service = await startServiceProcess();
    proxy = new RewritingProxy(service.url);
    await proxy.start();
    card = await virtualCardFor('vendor');
    const dataDir = await mkdtemp(join(tmpdir(), 'gongwen-digest-'));
    app = await DesktopApp.start({
      dataDir,
      defaultServiceUrl: proxy.url,
      adminConfig: join(dataDir, 'none.json'),
      defaultModulePath: card.modulePath,
      card: { pollMs: 60_000 },
    });
    expect(await dispatchIpc(app, 'session:login', { account: 'vendor', password: 'gongwen-demo' })).toMatchObject({ ok: true });
    direct = new ServiceClient({ baseUrl: service.url });
    await direct.login('vendor', 'gongwen-demo');
  });
  afterAll(async () => {
    await app?.close();
    await proxy?.stop();
    await service?.stop();
  });

  /** A new document with an attachment, opened in the app as the page opens it: the view the page shows. */
  async function shown(subject: string): Promise<DocumentView> {
    proxy.rewrite = {};
    const created = await direct.createDocument({
      subject,
      body: '請核示。',
      attachments: [{ name: '附件一.txt', mediaType: 'text/plain', contentBase64: Buffer.from('附件內容').toString('base64') }],
    });
    const opened = await dispatchIpc(app, 'documents:get', { id: created.id });
    expect(opened).toMatchObject({ ok: true });
    return (opened as { value: DocumentView }).value;
  }

  const send = (doc: DocumentView, digest = doc.contentSha256) =>
    dispatchIpc(app, 'step:send', { documentId: doc.id, action: '送請簽核', recipient: 'yeh.yenchih', opinion: '', pin: card.pin, contentSha256: digest });

  /** Nothing was signed: nothing in the outbox, and the service's flow has no new step. */
  async function expectNothingSigned(doc: DocumentView): Promise<void> {
    expect(app.core.outbox.pending()).toEqual([]);
    expect(app.core.outbox.refused()).toEqual([]);
    const now = await direct.document(doc.id);
    expect(now.currentSeq).toBe(doc.currentSeq);
    expect(now.flow.filter((row) => row.signed)).toHaveLength(doc.flow.filter((row) => row.signed).length);
  }

  it('signs and delivers when the document is as it was shown', async () => {
    const doc = await shown('未經修改');
    expect(await send(doc)).toMatchObject({ ok: true, value: { status: 'delivered' } });
  });

  it('refuses with DOCUMENT_CHANGED_SINCE_SHOWN when the document changed between display and send', async () => {
    const doc = await shown('顯示後被修改');
    proxy.rewrite = { document: (d) => changed(d, true) };
    expect(await send(doc)).toMatchObject({ ok: false, error: { code: 'DOCUMENT_CHANGED_SINCE_SHOWN', message: expect.stringContaining('已有變動') } });
    await expectNothingSigned(doc);
  });

  it('refuses a digest that names other content than the document served, at open and at send', async () => {
    const doc = await shown('摘要不符');
    proxy.rewrite = { document: (d) => changed(d, false) };
    expect(await dispatchIpc(app, 'documents:get', { id: doc.id })).toMatchObject({ ok: false, error: { code: 'SERVICE_ANSWER_INVALID' } });
    expect(await send(doc)).toMatchObject({ ok: false, error: { code: 'SERVICE_ANSWER_INVALID' } });
    await expectNothingSigned(doc);
  });

  it('downloads and hashes the attachments: other bytes than the list names are refused', async () => {
    const doc = await shown('附件被換');
    proxy.rewrite = { attachment: () => Buffer.from('別的內容!!!!') };
    expect(await send(doc)).toMatchObject({ ok: false, error: { code: 'SERVICE_ANSWER_INVALID' } });
    await expectNothingSigned(doc);
  });
});
