import type { TempCertChange } from '../../src-shared/common/api/temp-cert.js';
import type { Storage } from '../storage/database.js';

const ACTIONS = ['temp-cert.apply', 'temp-cert.enable', 'temp-cert.delete', 'temp-cert.disable'] as const;

/**
 * Changes to a person's temp certificate, read back from the audit log (which records each with
 * the PC and address it came from): the person is told of them at the next login and in IFT930,
 * so a change they did not make does not go unnoticed.
 */
export async function tempCertChangesSince(storage: Storage, account: string, since: string | null, limit = 20): Promise<TempCertChange[]> {
  // A change made a moment ago (another PC's enable) must not be missed: read the chain whole.
  await storage.sealAudit();
  let q = storage.db.selectFrom('audit_log').select(['action', 'at', 'detail']).where('subject', '=', account).where('action', 'in', ACTIONS);
  if (since) q = q.where('at', '>', since);
  const rows = await q.orderBy('seq', 'desc').limit(limit).execute();
  return rows.map((r) => {
    const detail = JSON.parse(r.detail) as { pcLabel?: unknown; address?: unknown };
    return {
      action: r.action.slice('temp-cert.'.length) as TempCertChange['action'],
      at: r.at,
      pcLabel: typeof detail.pcLabel === 'string' ? detail.pcLabel : null,
      address: typeof detail.address === 'string' ? detail.address : null,
    };
  });
}
