import { CardService } from '../src-main/card/card-service.js';
import { ServiceClient } from '../src-main/service-client/service-client.js';
import { runResignBatch } from '../src-main/signing/resign-batch.js';

/**
 * The client's resident memory while re-signing the steps waiting for it, in a process that does
 * nothing else: the baseline is this client started and logged in with its card thread running,
 * so the growth is the batch's own. Also the JavaScript heap in use after a full collection,
 * before and after the batch: what the batch keeps. Prints the figures as JSON (run with
 * --expose-gc).
 */
const [url, account, password, modulePath, pin] = process.argv.slice(2) as [string, string, string, string, string];
const client = new ServiceClient({ baseUrl: url, timeoutMs: 60_000 });
await client.login(account, password);
const card = new CardService({ modulePath, pollMs: 1000 });
await card.status();
global.gc?.();
const before = process.memoryUsage();
let peak = before.rss;
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
const report = await runResignBatch({ client, card, pin, note: '基準測試補簽', chunkSize: 50 });
clearInterval(sampler);
peak = Math.max(peak, process.memoryUsage().rss);
global.gc?.();
const after = process.memoryUsage();
await card.close();
const mb = (bytes: number) => bytes / 1048576;
console.log(JSON.stringify({ resigned: report.resigned, beforeMb: mb(before.rss), peakMb: mb(peak), heapBeforeMb: mb(before.heapUsed), heapAfterMb: mb(after.heapUsed) }));
