import { Outbox } from '../../src-main/outbox/outbox.js';

// Another GongwenDesk process on the same data folder: opens the outbox, queues one step, says
// "ready", and holds the outbox until it is killed (or says why it could not open it).
const [dir, key] = process.argv.slice(2) as [string, string];
try {
  const outbox = await Outbox.open(dir);
  await outbox.put({
    key,
    account: 'vendor',
    documentId: `doc-${key}`,
    documentNumber: '1150000001',
    request: {
      action: '送請簽核',
      recipient: 'yeh.yenchih',
      opinion: '',
      signingTime: '2026-11-27T00:00:00Z',
      stepToken: 't'.repeat(22),
      signature: 'AAAA',
      idempotencyKey: key,
    },
    queuedAt: '2026-11-27T00:00:00.000Z',
  });
  console.log('ready');
  setInterval(() => {}, 60_000);
} catch (error) {
  console.log(`refused ${(error as { code?: string }).code}`);
}
