import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../../tools/demo/people.js';
import { databaseKinds } from '../helpers/databases.js';
import { testPki } from '../helpers/demo-pki.js';
import { startServiceProcess, type ServiceProcess } from '../helpers/http-service.js';
import { blockNamed, taggedBlocks } from '../helpers/markdown-steps.js';
import { OpenApiCheck } from '../helpers/openapi-check.js';
import { RecordingProxy } from '../helpers/recording-proxy.js';
import { ShellSession } from '../helpers/shell-session.js';

const PAGE = 'docs/integrating.md';

/**
 * Issue 15: docs/integrating.md, followed as a new integrator would. Its tagged shell blocks run
 * in order in one bash (curl, jq, openssl, and node for the countersignature script the page
 * gives), against the service as a real process, through a proxy that keeps every exchange; then
 * each exchange is checked against the OpenAPI document alone.
 */
describe.each(databaseKinds())('the integrating guide on %s', (kind) => {
  let service: ServiceProcess;
  let proxy: RecordingProxy;
  let shell: ShellSession;
  let folder: string;

  beforeAll(async () => {
    service = await startServiceProcess(kind);
    proxy = new RecordingProxy({ port: service.port });
    await proxy.start();
    const pki = await testPki();
    folder = mkdtempSync(join(tmpdir(), 'gongwen-integrating-'));
    const scripts = mkdtempSync(join(tmpdir(), 'gongwen-integrating-blocks-'));
    shell = new ShellSession(folder, scripts, {
      ...process.env,
      GW: proxy.url,
      ACCOUNT: 'vendor',
      PASSWORD: DEMO_PASSWORD,
      CARD_CERT: join(pki.dir, 'cards', 'vendor.cert.pem'),
      CARD_KEY: join(pki.dir, 'cards', 'vendor.key.pem'),
      RECIPIENT: 'yeh.yenchih',
    });
  });
  afterAll(async () => {
    shell?.close();
    await proxy?.stop();
    await service?.stop();
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  it('runs the page’s blocks step by step: a card-signed step, a refusal, a temp-signed step re-signed, evidence openssl verifies', async () => {
    const blocks = taggedBlocks(PAGE);
    for (const file of blocks.filter((b) => b.kind === 'file')) writeFileSync(join(folder, file.name), file.text);
    const run = (name: string) => shell.run(name, blockNamed(blocks, name).text);
    const json = (file: string) => JSON.parse(readFileSync(join(folder, file), 'utf8'));

    // The order the page gives; "run sections 2 to 5 again" with the temp certificate.
    const sequence = [
      'setup',
      'login',
      'create',
      'open',
      'sign',
      'send',
      'refused',
      'flow',
      'temp-cert',
      'create',
      'open',
      'sign',
      'send',
      'card-again',
      'pending',
      'resign',
      'evidence',
    ];
    const pageSteps = blocks.filter((b) => b.kind === 'step').map((b) => b.name);
    expect([...new Set(sequence)], 'every step block of the page, in its order').toEqual(pageSteps);

    for (const name of sequence.slice(0, 6)) await run(name);
    const cardDocument = await shell.get('DOC_ID');
    expect(json('sent.json').step).toMatchObject({ seq: 1, signed: true, tempCertUsed: false, holderAccount: 'vendor' });
    expect(json('payload.json').step).toBe(1);

    await run('refused');
    const refused = await shell.get('REFUSED');
    expect(blockNamed(blocks, 'refused').text).toContain(`# ${refused}:`);
    expect(refused).toBe('STEP_TOKEN_STALE');

    await run('flow');
    expect(json('flow.json')).toEqual([
      { seq: 1, holderAccount: 'vendor', action: '送請簽核', signed: true, tempCertUsed: false },
      expect.objectContaining({ seq: 2, holderAccount: 'yeh.yenchih', signed: false }),
    ]);

    for (const name of sequence.slice(8, 13)) await run(name);
    const tempDocument = await shell.get('DOC_ID');
    expect(tempDocument).not.toBe(cardDocument);
    expect(json('sent.json').step).toMatchObject({ signed: true, tempCertUsed: true });

    for (const name of sequence.slice(13)) await run(name);
    expect(json('pending.json').steps.map((s: { documentId: string }) => s.documentId)).toEqual([tempDocument]);
    expect(json('resigned.json').results).toEqual([expect.objectContaining({ outcome: 'resigned' })]);

    // What the service holds now, asked directly: the step re-signed with the page's note, nothing pending.
    const token = JSON.parse(readFileSync(join(folder, 'session.json'), 'utf8')).token as string;
    const get = async (path: string): Promise<any> => (await fetch(`${service.url}${path}`, { headers: { authorization: `Bearer ${token}` } })).json();
    expect((await get(`/api/documents/${tempDocument}`)).flow[0]).toMatchObject({
      tempCertUsed: true,
      resignNote: '出差返回補簽',
      resignedAt: expect.any(String),
    });
    expect((await get('/api/resign/pending')).total).toBe(0);
    expect(readFileSync(join(folder, 'evidence', 'README.txt'), 'utf8')).toContain('re-signed with the card');
  });

  it('answers each row of the page’s table of openssl options as the page says', async () => {
    const page = readFileSync(PAGE, 'utf8');
    const blocks = taggedBlocks(PAGE);
    const rows = [...page.matchAll(/^\| `(-[^`]+)` \| [^|]+ \| (accepted|(\d{3}) `(\w+)`) \|$/gm)].map((m) => ({
      options: m[1]!,
      status: m[3] ? Number(m[3]) : 200,
      code: m[4],
    }));
    expect(rows.length).toBe(9);
    const sign = blockNamed(blocks, 'sign').text;
    expect(sign).toContain(' -cades -binary -md sha256 ');
    // The send block without its last line, the check that stops the shell at a refusal.
    const send = blockNamed(blocks, 'send').text;
    const sendUnchecked = send.replace(/^jq -e '\.step\.signed' sent\.json .*\n$/m, '');
    expect(sendUnchecked).not.toBe(send);
    for (const [i, row] of rows.entries()) {
      await shell.run('create', blockNamed(blocks, 'create').text);
      await shell.run('open', blockNamed(blocks, 'open').text);
      await shell.run(`sign-variant-${i}`, sign.replace(' -cades -binary -md sha256 ', ` ${row.options} `));
      await shell.run('send-unchecked', sendUnchecked);
      const last = proxy.exchanges.at(-1)!;
      const answer = JSON.parse(last.responseBody.toString());
      expect([last.url, last.status, answer.code], row.options).toEqual([expect.stringMatching(/\/actions$/), row.status, row.code]);
      if (row.status === 200) expect(answer.step.signed, row.options).toBe(true);
    }
  });

  it('every request the page sends and every answer it gets are what the OpenAPI document says, byte fields described', async () => {
    const document: any = await (await fetch(`${service.url}/api/openapi.json`)).json();
    const check = new OpenApiCheck(document);
    const exchanges = proxy.exchanges;
    expect(exchanges.length).toBeGreaterThan(15);
    expect(exchanges.flatMap((x) => check.problems(x))).toEqual([]);

    // The check can fail: a request without its signature, an answer with a status the route does not list.
    const sent = exchanges.find((x) => x.method === 'POST' && /\/actions$/.test(x.url) && x.status === 200)!;
    const { signature: _dropped, ...unsigned } = JSON.parse(sent.requestBody.toString());
    expect(check.problems({ ...sent, requestBody: Buffer.from(JSON.stringify(unsigned)) })).toEqual([
      expect.stringMatching(/request outside the schema.*signature/),
    ]);
    expect(check.problems({ ...sent, status: 418 })).toEqual([expect.stringMatching(/status 418 not listed/)]);

    // The one refusal the page shows is a listed status with a listed code.
    const refusal = exchanges.find((x) => x.status >= 400)!;
    expect([refusal.status, JSON.parse(refusal.responseBody.toString()).code]).toEqual([409, 'STEP_TOKEN_STALE']);

    // Every byte field the page sends or reads: found by the document, described, and base64 indeed.
    const fields = exchanges.flatMap((x) => check.byteFields(x));
    for (const f of fields) {
      expect(f.description, f.field).toMatch(/^base64 of /);
      expect(Buffer.from(f.value, 'base64').toString('base64'), f.field).toBe(f.value);
    }
    expect([...new Set(fields.map((f) => f.field))].sort()).toEqual(
      [
        'POST /api/documents/{id}/actions request signature',
        'POST /api/temp-cert/enable request csr',
        'POST /api/temp-cert/enable answer certificate',
        'POST /api/temp-cert/enable answer chain[]',
        'GET /api/resign/pending answer steps[].signatureValue',
        'GET /api/resign/pending answer steps[].signerInfo',
        'GET /api/resign/pending answer steps[].signature',
        'GET /api/resign/pending answer steps[].payload',
        'POST /api/resign request certificates[]',
        'POST /api/resign request items[].countersignature',
        'GET /api/documents/{id}/evidence answer files[].contentBase64',
      ].sort(),
    );
    // The attachment went raw, as the document's octet-stream body says.
    const upload = exchanges.find((x) => x.url === '/api/attachments')!;
    expect(upload.requestType).toBe('application/octet-stream');
    expect(document.paths['/api/attachments'].post.requestBody.content['application/octet-stream']).toBeDefined();

    // Every code the page names is the document's, with the status the page gives it.
    const page = readFileSync(PAGE, 'utf8');
    const named = [...page.matchAll(/`([A-Z][A-Z0-9_]{3,})`/g)].map((m) => m[1]!);
    expect(named.filter((c) => !document.components.schemas.Error.properties.code.enum.includes(c))).toEqual([]);
    const pairs = [
      ...[...page.matchAll(/^\| (\d{3}) \| ([^|]+) \|/gm)].flatMap((m) => [...m[2]!.matchAll(/`(\w+)`/g)].map((c) => [m[1]!, c[1]!])),
      ...[...page.matchAll(/\b(\d{3})\s+`(\w+)`/g)].map((m) => [m[1]!, m[2]!]),
    ];
    expect(pairs.length).toBeGreaterThan(20);
    const listed = (status: string, code: string) =>
      Object.values<any>(document.paths).some((methods) =>
        Object.values<any>(methods).some((op) => op.responses[status]?.content['application/json'].schema.allOf[1].properties.code.enum.includes(code)),
      );
    expect(pairs.filter(([status, code]) => !listed(status!, code!))).toEqual([]);

    // What the page signed is a StepPayload by the document's schema.
    expect(check.matches('#/components/schemas/StepPayload', JSON.parse(readFileSync(join(folder, 'payload.json'), 'utf8')))).toEqual([]);
  });
});
