import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src-shared/common/canonical-json.js';
import { entryHash, GENESIS_HASH, type AuditEntry } from '../../src-server/audit/audit-log.js';

describe('the audit chain hash', () => {
  it('is the SHA-256 of the previous hash and the RFC 8785 text of the whole entry, for any text in it', () => {
    const entries: AuditEntry[] = [
      { actor: 'vendor', action: 'step.resign', subject: '1150000001', detail: { seq: 1, note: '出差返回，以實體卡補簽', certificateSha256: 'ab'.repeat(32) } },
      { actor: null, action: 'login.failed', subject: null, detail: {} },
      { actor: 'a"b\\c', action: 'x\u2028y', subject: '😀\u0001', detail: { z: [1, 2.5, -0, 1e21], a: { c: null, b: true }, é: 'e\u0301' } },
    ];
    let prev = GENESIS_HASH;
    entries.forEach((entry, i) => {
      const at = `2026-11-27T0${i}:00:00.000Z`;
      const body = canonicalJson({ seq: i + 1, at, actor: entry.actor, action: entry.action, subject: entry.subject, detail: entry.detail });
      const expected = createHash('sha256').update(prev).update(body).digest('hex');
      expect(entryHash(prev, i + 1, at, entry)).toBe(expected);
      prev = expected;
    });
  });
});
