import { CardService } from '../../src-main/card/card-service.js';
import { ServiceClient } from '../../src-main/service-client/service-client.js';
import { runResignBatch, uncheckedServicePages } from '../../src-main/signing/resign-batch.js';

// A re-sign batch in a process of its own, so a test can kill the client in the middle of it.
// Prints "progress N" as signatures are made, then the report.
const [url, account, modulePath, pin] = process.argv.slice(2) as [string, string, string, string];
const client = new ServiceClient({ baseUrl: url });
await client.login(account, 'gongwen-demo');
const card = new CardService({ modulePath });
const report = await runResignBatch({
  client,
  card,
  pages: uncheckedServicePages(client),
  pin,
  note: '補簽',
  chunkSize: 10,
  onProgress: (p) => console.log(`progress ${p.done}`),
});
console.log(`report ${JSON.stringify(report)}`);
await card.close();
