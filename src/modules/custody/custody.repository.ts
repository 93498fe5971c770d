import { sql } from 'kysely';
import type { DbOrTx } from '../../platform/db/database.ts';

/**
 * The SQL of the chain-of-custody report. The report's events are rows of `audit_event` itself: what
 * concerns one recording is found through the chain's target index (audit_event_target) — events naming the
 * recording, its original and derived files, its uploads, the access requests and grants covering it, the
 * fixity runs that checked its files and the hand-over receipts listing it — plus the list pages that showed
 * its thumbnail (action index, from the recording's creation on).
 */

/** The ids that lead from a recording to the audit events about it. */
export interface Subjects {
  recordingId: string;
  originalSha256: string;
  derivedSha256: string[];
  uploadIds: string[];
  requestIds: string[];
  grantIds: string[];
  fixityRunIds: string[];
  /** Cases the recording is (or was) linked to: their `case.link` / `case.unlink` events name it. */
  caseIds: string[];
  /** Hand-over receipts (offload_receipt) listing the recording, with the person they are filed under. */
  receipts: { id: string; personId: string }[];
  /** First sequence number about the recording itself (its creation): list pages cannot show it earlier. */
  sinceSeq: string;
}

/** The derived files (proxy, thumbnail) of an original. */
export function derivedObjects(db: DbOrTx, originalSha256: string) {
  return db
    .selectFrom('derived_object')
    .select(['sha256', 'sm3', 'size_bytes', 'kind', 'created_at'])
    .where('original_sha256', '=', originalSha256)
    .orderBy('created_at')
    .orderBy('sha256')
    .execute();
}

/** Who uploaded a recording: account and, where linked, the person (name, staff number). */
export function userIdentities(db: DbOrTx, userIds: readonly string[]) {
  if (!userIds.length) return Promise.resolve([]);
  return db
    .selectFrom('app_user as u')
    .leftJoin('person as p', 'p.id', 'u.person_id')
    .select(['u.id', 'u.username', 'u.display_name', 'p.name as person_name', 'p.staff_number'])
    .where('u.id', 'in', userIds)
    .execute();
}

/** Everything that leads from the recording to audit events (see `Subjects`). */
export async function subjectsOf(db: DbOrTx, recordingId: string, originalSha256: string, derived: string[]): Promise<Subjects> {
  const objects = [originalSha256, ...derived];
  // Each lookup below is served by an index on the recording (0009, 0017) or the object (0007).
  const [uploads, requests, grants, runs, receipts, since, cases] = await Promise.all([
    // The uploads that made (or repeated) the recording, as its own events name them (audit_event_target index;
    // upload.recording_id has no index).
    sql<{ id: string }>`SELECT DISTINCT details->>'uploadId' AS id FROM audit_event WHERE target_type = 'recording' AND target_id = ${recordingId}
      AND action IN ('recording.create', 'recording.duplicate') AND details ? 'uploadId'`.execute(db).then((r) => r.rows),
    sql<{ id: string }>`SELECT request_id AS id FROM access_request_item WHERE recording_id = ${recordingId}
      UNION SELECT g.request_id FROM access_grant_item gi JOIN access_grant g ON g.id = gi.grant_id WHERE gi.recording_id = ${recordingId}`.execute(db),
    sql<{ id: string }>`SELECT DISTINCT grant_id AS id FROM access_grant_item WHERE recording_id = ${recordingId}`.execute(db),
    sql<{ id: string }>`SELECT DISTINCT run_id AS id FROM fixity_check WHERE sha256 = ANY(${objects}::text[]) AND run_id IS NOT NULL`.execute(db),
    sql<{ id: string; person_id: string }>`SELECT id, person_id FROM offload_receipt WHERE recording_ids @> ARRAY[${recordingId}::uuid]`.execute(db),
    sql<{ seq: string | null }>`SELECT min(seq)::text AS seq FROM audit_event WHERE target_type = 'recording' AND target_id = ${recordingId}`.execute(db),
    db.selectFrom('case_recording_link').select('case_id').distinct().where('recording_id', '=', recordingId).execute(),
  ]);
  return {
    recordingId,
    originalSha256,
    derivedSha256: derived,
    uploadIds: uploads.map((u) => u.id),
    requestIds: requests.rows.map((r) => r.id),
    grantIds: grants.rows.map((r) => r.id),
    fixityRunIds: runs.rows.map((r) => r.id),
    receipts: receipts.rows.map((r) => ({ id: r.id, personId: r.person_id })),
    caseIds: cases.map((c) => c.case_id),
    sinceSeq: since.rows[0]?.seq ?? '0',
  };
}

export interface CustodyEventRow {
  seq: string;
  at: Date;
  actor_id: string | null;
  actor_label: string;
  action: string;
  target_type: string | null;
  target_id: string | null;
  details: Record<string, unknown>;
  prev_hash: Buffer;
  hash: Buffer;
}

/**
 * The audit events about the recording with `afterSeq < seq <= uptoSeq`, oldest first, at most `limit`.
 * Each branch is one index range on audit_event_target (or, for list pages, audit_event_action).
 */
export async function eventsPage(db: DbOrTx, s: Subjects, o: { afterSeq: string; uptoSeq: string; limit: number }): Promise<CustodyEventRow[]> {
  const ids = (type: string, list: readonly string[]) => (list.length ? sql`OR (target_type = ${type} AND target_id = ANY(${list}::text[]))` : sql``);
  const receipts = s.receipts.length
    ? sql`OR (target_type = 'person' AND target_id = ANY(${s.receipts.map((r) => r.personId)}::text[])
         AND action = 'offload.receipt.confirm' AND details->>'receiptId' = ANY(${s.receipts.map((r) => r.id)}::text[]))`
    : sql``;
  const cases = s.caseIds.length
    ? sql`OR (target_type = 'case' AND target_id = ANY(${s.caseIds}::text[]) AND action IN ('case.link', 'case.unlink') AND details->>'recordingId' = ${s.recordingId})`
    : sql``;
  const r = await sql<CustodyEventRow>`
    SELECT seq::text AS seq, at, actor_id, actor_label, action, target_type, target_id, details, prev_hash, hash
    FROM audit_event
    WHERE seq > ${o.afterSeq} AND seq <= ${o.uptoSeq} AND (
      (target_type = 'recording' AND target_id = ${s.recordingId})
      OR (target_type = 'original' AND target_id = ${s.originalSha256})
      ${ids('derived_object', s.derivedSha256)}
      ${ids('upload', s.uploadIds)}
      ${ids('access_request', s.requestIds)}
      ${ids('access_grant', s.grantIds)}
      ${ids('fixity_run', s.fixityRunIds)}
      ${receipts}
      ${cases}
      OR (action = 'recording.thumbnails.view' AND seq >= ${s.sinceSeq} AND details->'recordingIds' ? ${s.recordingId}::text)
    )
    ORDER BY audit_event.seq
    LIMIT ${o.limit}`.execute(db);
  return r.rows;
}

/** The fixity checks of these objects, oldest first (每次完整性巡检). */
export function fixityChecks(db: DbOrTx, objects: readonly string[]) {
  return db
    .selectFrom('fixity_check')
    .select(['id', 'sha256', 'kind', 'checked_at', 'result', 'reason', 'run_id', 'detail'])
    .where('sha256', 'in', objects)
    .orderBy('checked_at')
    .orderBy('id')
    .execute();
}

/** The sequence numbers of the events closing these fixity runs (`fixity.pass`), by run id. */
export async function fixityPassSeqs(db: DbOrTx, runIds: readonly string[]): Promise<Map<string, string>> {
  if (!runIds.length) return new Map();
  const r = await sql<{ target_id: string; seq: string }>`SELECT target_id, seq::text AS seq FROM audit_event
    WHERE target_type = 'fixity_run' AND target_id = ANY(${runIds}::text[]) AND action = 'fixity.pass'`.execute(db);
  return new Map(r.rows.map((x) => [x.target_id, x.seq]));
}

/** The `original.verify` events of an original (the workstation's check before clearing a card), oldest first. */
export async function verifyEvents(db: DbOrTx, sha256: string) {
  const r = await sql<{ seq: string; at: Date }>`SELECT seq::text AS seq, at FROM audit_event
    WHERE target_type = 'original' AND target_id = ${sha256} AND action = 'original.verify' ORDER BY audit_event.seq`.execute(db);
  return r.rows;
}

/** One audit event by sequence number (the report's own read event, when a later page names it). */
export async function eventBySeq(db: DbOrTx, seq: string) {
  const r = await sql<{ seq: string; at: Date; actor_id: string | null; action: string; target_type: string | null; target_id: string | null; hash: Buffer }>`
    SELECT seq::text AS seq, at, actor_id, action, target_type, target_id, hash FROM audit_event WHERE seq = ${seq}`.execute(db);
  return r.rows[0];
}

/** The database's clock. */
export async function databaseNow(db: DbOrTx): Promise<Date> {
  return (await sql<{ now: Date }>`SELECT now() AS now`.execute(db)).rows[0]!.now;
}

/** The event that created the recording (its hashes at ingest, as the chain recorded them). */
export async function creationEvent(db: DbOrTx, recordingId: string) {
  const r = await sql<{ seq: string; at: Date; hash: Buffer; details: Record<string, unknown> }>`
    SELECT seq::text AS seq, at, hash, details FROM audit_event
    WHERE target_type = 'recording' AND target_id = ${recordingId} AND action = 'recording.create' ORDER BY audit_event.seq LIMIT 1`.execute(db);
  return r.rows[0];
}
