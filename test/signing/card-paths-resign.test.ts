import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertVirtualCard } from '../../tools/virtual-card.js';
import { CardService } from '../../src-main/card/card-service.js';
import { ClerkSession } from '../../src-main/session/clerk-session.js';
import { runResignBatch, uncheckedServicePages } from '../../src-main/signing/resign-batch.js';
import { registerCardCertificate } from '../../src-server/accounts/users.js';
import { createContext } from '../../src-server/service.js';
import { makeBadChains, makeRootLeaves, opensslVerifies, recordCardUnchecked, type RootLeafCase } from '../helpers/bad-chains.js';
import { databaseKinds } from '../helpers/databases.js';
import { startDesktop, type Desktop } from '../helpers/desktop.js';
import { startServiceProcess, type ServiceProcess } from '../helpers/http-service.js';
import { virtualCardFor } from '../helpers/virtual-card.js';

/**
 * 補簽 through the real client, a SoftHSM card and the service as a process: a card whose own
 * certificate fails the signing profile or the algorithm rule has its countersignatures refused
 * with the code, the step stays pending, and the correct card then re-signs it.
 */
describe.each(databaseKinds())('補簽 with a card whose certificate must be refused, on %s', (kind) => {
  let service: ServiceProcess;
  let desktop: Desktop;
  let session: ClerkSession;
  let rootPem: string;
  let leaves: RootLeafCase[];

  beforeAll(async () => {
    const chains = await makeBadChains('公文系統廠商');
    rootPem = chains.rootPem;
    leaves = await makeRootLeaves(chains, '公文系統廠商');
    service = await startServiceProcess(kind, { extraCardRootsPem: rootPem });
    // The bad leaves on record for vendor as an older service would have let them be; the control through register-card's code.
    const env = service.env;
    const ctx = await createContext({
      dataDir: env.GONGWEN_DATA_DIR!,
      databaseUrl: env.DATABASE_URL || undefined,
      tempCaCertPath: env.GONGWEN_TEMP_CA_CERT,
      tempCaKeyPath: env.GONGWEN_TEMP_CA_KEY,
      sealKeyPath: env.GONGWEN_SEAL_KEY_FILE || undefined,
    });
    for (const c of leaves) {
      if (c.code === null) {
        await registerCardCertificate(ctx, 'vendor', c.leaf);
        continue;
      }
      await recordCardUnchecked(ctx.storage.db, 'vendor', c.leaf);
    }
    await ctx.storage.close();
    desktop = await startDesktop('vendor');
    session = await ClerkSession.login(desktop, service.url, 'vendor', 'gongwen-demo');
    await session.tempCerts.apply('temp-pass-1234', '出差', 'gongwen-demo');
    await session.tempCerts.enable('vendor', 'temp-pass-1234', 'PC', 'gongwen-demo');
    const doc = await session.client.document((await session.client.createDocument({ subject: '路徑驗證補簽', body: '' })).id);
    await session.send(doc, { action: '送請簽核', recipient: 'yeh.yenchih', opinion: '' }, { useTempCert: true, tempCertPassword: 'temp-pass-1234' });
    // One card thread at a time: SoftHSM is one library per process, and the desktop's idle
    // re-initialisation under another card's thread crashes it.
    await desktop.card.close();
  });
  afterAll(async () => {
    await session?.logout();
    await desktop?.outbox.close();
    await service?.stop();
  });

  it('refuses each bad card with its code and keeps the step pending; the correct card re-signs it', async () => {
    const verdicts: string[] = [];
    for (const c of leaves) {
      const reader = await virtualCardFor('vendor', { inserted: false });
      const virtual = insertVirtualCard(reader, { certPem: c.certPem, keyPem: c.keyPem });
      const card = new CardService({ modulePath: virtual.modulePath });
      let code: string | null;
      try {
        // What is judged here is the service's check of the card's path, so the batch takes the
        // service's list as it is (this PC's own temp signature; the client's list check is tested elsewhere).
        const report = await runResignBatch({
          client: session.client,
          card,
          pages: uncheckedServicePages(session.client),
          pin: virtual.pin,
          note: '出差返回補簽',
        });
        code = report.resigned === 1 ? null : (report.refused[0]?.code ?? 'nothing');
      } catch (error) {
        code = (error as { code?: string }).code ?? String(error);
      } finally {
        await card.close();
      }
      verdicts.push(`${c.name}: ${code ?? 'resigned'}`);
      // openssl beside it: the CA leaf is the profile's own refusal (RFC 5280 allows it).
      const openssl = opensslVerifies(rootPem, c.leaf, []);
      expect(openssl.ok, `${c.name}: ${openssl.output}`).toBe(c.code === null || c.code === 'CERT_IS_CA');
      const pending = (await session.client.pendingResign()).steps.length;
      expect(pending, `${c.name}: ${code ?? 'resigned'}`).toBe(c.code === null ? 0 : 1);
    }
    // The client itself never signs with a certificate whose key usage excludes signing (it takes
    // the card's signing certificate by key usage): that leaf is refused before the service sees it.
    // The service's own refusal of it (CERT_NOT_FOR_SIGNING) is tested in test/service/card-paths.test.ts.
    const expected = (c: RootLeafCase) => (c.code === 'CERT_NOT_FOR_SIGNING' ? 'CARD_NO_SIGNING_KEY' : (c.code ?? 'resigned'));
    expect(verdicts).toEqual(leaves.map((c) => `${c.name}: ${expected(c)}`));
  });
});
