import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Action } from '../../src-shared/common/flow.js';
import type { DialectName } from './database.js';
import type { Database } from './schema.js';

/**
 * The steps table's one owner: the only module that spells out its rows. Every insert and update
 * of a step is here (each takes the write unit's transaction, `storage.write`); the reads that
 * the workflow names are here too. The API-shaped views (`workflow/views.ts`) and IFT940's list
 * (`workflow/resign.ts`) read steps joined with other tables where they are shown.
 */

/**
 * `steps.change_type` is NOT NULL (migration 0001, frozen) and holds the 異動別 of the step: once
 * sent, the action its holder took; before, the action that brought the document there (as the
 * flow table shows it), or this mark for a new document's first step. Making a document (創稿) is
 * not an action, so the mark stays here: `actionOf` reads it as null.
 */
const NEW_DOCUMENT_MARK = '創稿';

/** The 異動別 a step row shows (a document's current step's is its latest): null for a new document's first step. */
export function actionOf(changeType: string | null | undefined): Action | null {
  return changeType === undefined || changeType === null || changeType === NEW_DOCUMENT_MARK ? null : (changeType as Action);
}

/** A step row as a document arrives at it: who holds it, from where, how it came. */
export interface StepArrival {
  documentId: string;
  seq: number;
  /** 公文狀態 */
  status: string;
  unitId: string;
  holderUserId: string;
  arrivedAt: string;
  /** 公文接收時間: the drafter's first step is received as it is made; others when first opened. */
  receivedAt: string | null;
  /** 異動別 of the step that brought the document here; null for a new document's first step. */
  arrivedBy: Action | null;
}

/** What a signed send records on the step it leaves. */
export interface StepSending {
  sentAt: string;
  receivedAt: string;
  action: Action;
  opinion: string | null;
  tempCertUsed: boolean;
  /** 核決者: set on 決行. */
  approverUserId: string | null;
  /** The exact signed bytes (the step payload). */
  payload: Uint8Array;
  /** The CMS as sent. */
  signature: Uint8Array;
  /** Its SignerInfo's signature value, what 補簽 countersigns. */
  signatureValue: Uint8Array;
  signerCertificateSha256: string;
  signingTime: string;
}

/** The step a document waits at, as a send needs it. */
export interface OpenStep {
  id: string;
  seq: number;
  status: string;
  unitName: string;
  arrivedAt: string;
  receivedAt: string | null;
}

/** A card's countersignature accepted for a step (補簽). */
export interface StepCountersignature {
  stepId: string;
  /** The card's SignerInfo, as uploaded and verified. */
  countersignature: Uint8Array;
  cardSha256: string;
  /** On behalf: the re-signer's right ('unit-head' or 'deputy') at that moment; null for the signer's own. */
  right: string | null;
}

/** Adds the step a document arrives at; nothing of it is signed yet. Returns its id. */
export async function insertArrivedStep(trx: Kysely<Database>, arrival: StepArrival): Promise<string> {
  const id = randomUUID();
  await trx
    .insertInto('steps')
    .values({
      id,
      document_id: arrival.documentId,
      seq: arrival.seq,
      status: arrival.status,
      unit_id: arrival.unitId,
      holder_user_id: arrival.holderUserId,
      arrived_at: arrival.arrivedAt,
      received_at: arrival.receivedAt,
      sent_at: null,
      change_type: arrival.arrivedBy ?? NEW_DOCUMENT_MARK,
      opinion: null,
      temp_cert_used: 0,
      approver_user_id: null,
      payload: null,
      signature: null,
      signature_value: null,
      signer_certificate_sha256: null,
      signing_time: null,
      resigned_at: null,
      resign_note: null,
      resign_certificate_sha256: null,
      countersignature: null,
      resign_certificates: null,
    })
    .execute();
  return id;
}

/** Records a signed send on the step it leaves (the step token guard is the documents table's). */
export async function recordSending(trx: Kysely<Database>, stepId: string, sending: StepSending): Promise<void> {
  await trx
    .updateTable('steps')
    .set({
      sent_at: sending.sentAt,
      received_at: sending.receivedAt,
      change_type: sending.action,
      opinion: sending.opinion,
      temp_cert_used: sending.tempCertUsed ? 1 : 0,
      approver_user_id: sending.approverUserId,
      payload: sending.payload,
      signature: sending.signature,
      signature_value: sending.signatureValue,
      signer_certificate_sha256: sending.signerCertificateSha256,
      signing_time: sending.signingTime,
    })
    .where('id', '=', stepId)
    .execute();
}

/** 公文接收時間: the holder's first opening of the step. True when this call recorded it. */
export async function markReceived(trx: Kysely<Database>, step: { documentId: string; seq: number; holderUserId: string }, at: string): Promise<boolean> {
  const received = await trx
    .updateTable('steps')
    .set({ received_at: at })
    .where('document_id', '=', step.documentId)
    .where('seq', '=', step.seq)
    .where('holder_user_id', '=', step.holderUserId)
    .where('received_at', 'is', null)
    .executeTakeFirst();
  return received.numUpdatedRows > 0n;
}

/**
 * Stores a chunk's countersignatures in one conditional UPDATE (a statement per step cost more to
 * build than to run) and returns the steps it changed: one re-signed meanwhile, by another PC or
 * a retried upload, is not among them and keeps its first countersignature.
 */
export async function storeCountersignatures(
  trx: Kysely<Database>,
  dialect: DialectName,
  accepted: readonly StepCountersignature[],
  resign: { resignedAt: string; note: string; certificates: string; kind: 'self' | 'on-behalf'; userId: string; reason: string | null },
): Promise<Set<string>> {
  // PostgreSQL types a CASE of parameters as text; the countersignature column is bytea.
  const blob = (bytes: Uint8Array) => (dialect === 'postgres' ? sql<Uint8Array>`cast(${bytes} as bytea)` : sql<Uint8Array>`${bytes}`);
  const byStep = <T>(value: (a: StepCountersignature) => RawBuilder<T> | T) =>
    sql<T>`case id ${sql.join(
      accepted.map((a) => sql`when ${a.stepId} then ${value(a)}`),
      sql` `,
    )} end`;
  const rows = await trx
    .updateTable('steps')
    .set({
      countersignature: byStep<Uint8Array>((a) => blob(a.countersignature)),
      resign_certificates: resign.certificates,
      resign_certificate_sha256: byStep<string>((a) => a.cardSha256),
      resigned_at: resign.resignedAt,
      resign_note: resign.note,
      resign_kind: resign.kind,
      resign_user_id: resign.userId,
      resign_right: byStep<string | null>((a) => a.right),
      resign_reason: resign.reason,
    })
    .where(
      'id',
      'in',
      accepted.map((a) => a.stepId),
    )
    .where('resigned_at', 'is', null)
    .returning('id')
    .execute();
  return new Set(rows.map((r) => r.id));
}

/**
 * 紙本補簽: marks a step re-signed on paper by its signer's unit head, once (a conditional update,
 * as for countersignatures). True when this call re-signed it.
 */
export async function markResignedOnPaper(
  trx: Kysely<Database>,
  stepId: string,
  paper: { resignedAt: string; userId: string; reason: string },
): Promise<boolean> {
  const updated = await trx
    .updateTable('steps')
    .set({ resigned_at: paper.resignedAt, resign_kind: 'paper', resign_user_id: paper.userId, resign_right: 'unit-head', resign_reason: paper.reason })
    .where('id', '=', stepId)
    .where('resigned_at', 'is', null)
    .executeTakeFirst();
  return updated.numUpdatedRows === 1n;
}

/** The step a document waits at (its `current_seq`), with its unit's name. */
export async function openStep(db: Kysely<Database>, documentId: string, seq: number): Promise<OpenStep> {
  const row = await db
    .selectFrom('steps')
    .innerJoin('units', 'units.id', 'steps.unit_id')
    .select(['steps.id', 'steps.seq', 'steps.status', 'units.name as unitName', 'steps.arrived_at', 'steps.received_at'])
    .where('document_id', '=', documentId)
    .where('seq', '=', seq)
    .executeTakeFirstOrThrow();
  return { id: row.id, seq: row.seq, status: row.status, unitName: row.unitName, arrivedAt: row.arrived_at, receivedAt: row.received_at };
}

/** Whether this user has held any step of the document (and so may see it). */
export async function hasHeldStep(db: Kysely<Database>, documentId: string, userId: string): Promise<boolean> {
  const held = await db.selectFrom('steps').select('id').where('document_id', '=', documentId).where('holder_user_id', '=', userId).limit(1).executeTakeFirst();
  return held !== undefined;
}

/** A document's signed steps in order, with what the evidence export needs of each. */
export async function signedSteps(db: Kysely<Database>, documentId: string) {
  return db
    .selectFrom('steps')
    .innerJoin('users as h', 'h.id', 'steps.holder_user_id')
    .leftJoin('users as r', 'r.id', 'steps.resign_user_id')
    .leftJoin('paper_resigns as p', 'p.step_id', 'steps.id')
    .select([
      'steps.id',
      'steps.seq',
      'steps.payload',
      'steps.signature',
      'steps.countersignature',
      'steps.resign_certificates',
      'steps.temp_cert_used',
      'steps.resigned_at',
      'steps.signing_time',
      // The cards that signed (not a temp cert's), to complete their paths in the evidence.
      'steps.signer_certificate_sha256',
      'steps.resign_certificate_sha256',
      'p.certificate_sha256 as paper_certificate_sha256',
      // Who re-signed for whom, by which right and why (代為補簽, 紙本補簽; migration 0050).
      'steps.resign_kind',
      'steps.resign_right',
      'steps.resign_reason',
      'h.account as holder_account',
      'r.account as resigned_by',
      'p.scan as paper_scan',
      'p.scan_media_type as paper_scan_media_type',
      'p.scan_sha256 as paper_scan_sha256',
      'p.record as paper_record',
      'p.signature as paper_signature',
    ])
    .where('steps.document_id', '=', documentId)
    .where('steps.signature', 'is not', null)
    .orderBy('steps.seq')
    .execute();
}
