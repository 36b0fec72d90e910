import { expressionBuilder, sql, type SelectQueryBuilder } from 'kysely';
import type { PendingResignStep } from '../../src-shared/common/api/resign.js';
import type { Action } from '../../src-shared/common/flow.js';
import type { StepTable } from '../storage/schema.js';
import { pendingSignatureFields } from './pending-signature.js';

/** A page of a 補簽 list: how many, and the cursor of the previous page's last step. */
export interface PendingPageRequest {
  limit: number;
  after?: string;
}

/** The columns of a pending step both 補簽 lists (one's own, 代為補簽) select, the step table as `s`. */
export const PENDING_STEP_COLUMNS = [
  's.id',
  's.document_id',
  'd.number',
  'd.subject',
  's.seq',
  's.change_type',
  's.sent_at',
  's.signature_value',
  's.signature',
  's.payload',
] as const;

interface PendingStepRow {
  id: string;
  document_id: string;
  number: string;
  subject: string;
  seq: number;
  change_type: string;
  sent_at: string | null;
  signature_value: Uint8Array | null;
  signature: Uint8Array | null;
  payload: Uint8Array | null;
}

/**
 * One page of pending steps, oldest first, and the count of all of them: `rows` selects the
 * steps (as `s`) of a list with at least PENDING_STEP_COLUMNS, `all` is the same list to count.
 * The cursor is the last step's (sent_at, id), so steps re-signed meanwhile do not shift the
 * pages. `more` adds what a list shows beyond the step itself.
 */
export async function pendingPage<DB, TB extends keyof DB, O extends PendingStepRow, AllDB, AllTB extends keyof AllDB, More extends object>(
  rows: SelectQueryBuilder<DB, TB, O>,
  all: SelectQueryBuilder<AllDB, AllTB, object>,
  page: PendingPageRequest,
  more: (row: O) => More,
): Promise<{ steps: (PendingResignStep & More)[]; total: number; next?: string }> {
  // The lists' queries differ in their joins; what paging needs of them is the step, as `s`.
  const step = expressionBuilder<{ s: StepTable }, 's'>();
  let query = rows
    .orderBy(step.ref('s.sent_at'))
    .orderBy(step.ref('s.id'))
    // One row more than asked tells whether there is a next page, so the last page says so.
    .limit(page.limit + 1);
  if (page.after) {
    const [sentAt = '', id = ''] = page.after.split('|');
    query = query.where(step.or([step('s.sent_at', '>', sentAt), step.and([step('s.sent_at', '=', sentAt), step('s.id', '>', id)])]));
  }
  const [found, count] = await Promise.all([
    query.execute() as Promise<O[]>,
    all
      .select(sql<number | string>`count(*)`.as('n'))
      .$castTo<{ n: number | string }>()
      .executeTakeFirstOrThrow(),
  ]);
  const shown = found.slice(0, page.limit);
  const last = shown[shown.length - 1];
  const steps = shown.map((r) => ({
    stepId: r.id,
    documentId: r.document_id,
    documentNumber: r.number,
    subject: r.subject,
    seq: r.seq,
    action: r.change_type as Action,
    changeType: r.change_type,
    sentAt: r.sent_at!,
    ...pendingSignatureFields(r),
    ...more(r),
  }));
  return { steps, total: Number(count.n), ...(last && found.length > page.limit ? { next: `${last.sent_at}|${last.id}` } : {}) };
}
