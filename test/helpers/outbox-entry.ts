import type { OutboxEntry } from '../../src-main/outbox/outbox.js';

/** A signed step as the outbox keeps it, for tests that put steps in without signing them. */
export function queuedEntry(key: string, options: { account?: string; documentId?: string; opinion?: string } = {}): OutboxEntry {
  return {
    key,
    account: options.account ?? 'vendor',
    documentId: options.documentId ?? `doc-${key}`,
    documentNumber: '1150000001',
    request: {
      action: '送請簽核',
      recipient: 'yeh.yenchih',
      opinion: options.opinion ?? '',
      signingTime: '2026-11-27T00:00:00Z',
      stepToken: 't'.repeat(22),
      signature: 'AAAA',
      idempotencyKey: key,
    },
    queuedAt: '2026-11-27T00:00:00.000Z',
  };
}
