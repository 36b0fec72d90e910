import type { Kysely } from 'kysely';
import type { DocumentSummary, FlowRow } from '../../src-shared/common/api/documents.js';
import type { DocumentStatus } from '../../src-shared/common/flow.js';
import type { Database } from '../storage/schema.js';
import { actionOf } from '../storage/steps.js';

/** Reads documents and flow rows in the shape of the API (names, not ids). */
export function summaryQuery(db: Kysely<Database>) {
  return db
    .selectFrom('documents as d')
    .leftJoin('users as h', 'h.id', 'd.holder_user_id')
    .leftJoin('steps as s', (join) => join.onRef('s.document_id', '=', 'd.id').onRef('s.seq', '=', 'd.current_seq'))
    .select([
      'd.id',
      'd.number',
      'd.subject',
      'd.status',
      'd.current_seq',
      'd.updated_at',
      'h.name as holder',
      'h.account as holderAccount',
      's.arrived_at as arrivedAt',
      's.change_type as lastChangeType',
    ]);
}

type SummaryRow = Awaited<ReturnType<ReturnType<typeof summaryQuery>['execute']>>[number];

export function toSummary(r: SummaryRow): DocumentSummary {
  return {
    id: r.id,
    number: r.number,
    subject: r.subject,
    status: r.status as DocumentStatus,
    holderName: r.holder ?? null,
    holderAccount: r.holderAccount ?? null,
    currentSeq: r.current_seq,
    updatedAt: r.updated_at,
    arrivedAt: r.arrivedAt ?? null,
    lastAction: actionOf(r.lastChangeType),
    // Deprecated names, as 0.1 answered them (deprecated-names.ts).
    holder: r.holder ?? null,
    lastChangeType: r.lastChangeType ?? null,
  };
}

export async function documentSummary(db: Kysely<Database>, documentId: string): Promise<DocumentSummary> {
  return toSummary(await summaryQuery(db).where('d.id', '=', documentId).executeTakeFirstOrThrow());
}

export async function flowRows(db: Kysely<Database>, documentId: string): Promise<FlowRow[]> {
  const rows = await db
    .selectFrom('steps as s')
    .innerJoin('users as h', 'h.id', 's.holder_user_id')
    .innerJoin('units as u', 'u.id', 's.unit_id')
    .leftJoin('users as a', 'a.id', 's.approver_user_id')
    .leftJoin('users as r', 'r.id', 's.resign_user_id')
    .leftJoin('signature_time_stamps as ts', (join) => join.onRef('ts.step_id', '=', 's.id').on('ts.signer', '=', 'signature'))
    .select([
      'ts.gen_time as timeStampedAt',
      's.id',
      's.seq',
      's.status',
      'u.name as unit',
      'h.name as holder',
      'h.account as holderAccount',
      's.received_at',
      's.sent_at',
      's.change_type',
      's.opinion',
      's.temp_cert_used',
      'a.name as approver',
      's.signing_time',
      's.resigned_at',
      's.resign_note',
      's.resign_kind',
      's.resign_right',
      's.resign_reason',
      'r.name as resignedBy',
    ])
    .where('s.document_id', '=', documentId)
    .orderBy('s.seq')
    .execute();
  return rows.map((r) => ({
    stepId: r.id,
    seq: r.seq,
    status: r.status,
    unit: r.unit,
    holderName: r.holder,
    holderAccount: r.holderAccount,
    receivedAt: r.received_at,
    sentAt: r.sent_at,
    action: actionOf(r.change_type),
    opinion: r.opinion,
    tempCertUsed: r.temp_cert_used === 1,
    approver: r.approver ?? null,
    signed: r.signing_time !== null,
    resignedAt: r.resigned_at,
    resignNote: r.resign_note,
    resignKind: r.resign_kind as FlowRow['resignKind'],
    // The re-signer is named where it is not the signer: on behalf and on paper.
    resignedBy: r.resign_kind === 'self' ? null : (r.resignedBy ?? null),
    resignRight: r.resign_right as FlowRow['resignRight'],
    resignReason: r.resign_reason,
    // Both times: an offline temp-cert signature sent hours later shows its claim and its time-stamp.
    signingTime: r.signing_time,
    timeStampedAt: r.timeStampedAt ?? null,
    // Deprecated names, as 0.1 answered them (deprecated-names.ts).
    holder: r.holder,
    changeType: r.change_type,
  }));
}
