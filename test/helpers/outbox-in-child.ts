import { Outbox } from '../../src-main/outbox/outbox.js';
import { queuedEntry } from './outbox-entry.js';

// Another GongwenDesk process on the same data folder: opens the outbox, queues one step, says
// "ready", and holds the outbox until it is killed (or says why it could not open it).
const [dir, key] = process.argv.slice(2) as [string, string];
try {
  const outbox = await Outbox.open(dir);
  await outbox.put(queuedEntry(key));

  console.log('ready');
  setInterval(() => {}, 60_000);
} catch (error) {
  console.log(`refused ${(error as { code?: string }).code}`);
}
