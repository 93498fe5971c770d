import { sql } from 'kysely';
import type { DbOrTx } from '../../platform/db/database.ts';

/** 销毁 SQL (0019, 0025): batches, items (a recording or a case file), recordings' tombstones. */

/**
 * Recordings due for disposal: kept through a date before today (Beijing), not held (a held recording has no
 * date), not disposed, not in a live batch item, and with the store's own lock over (synced, no legal hold,
 * retain-until passed) — otherwise the store would refuse the deletion anyway. With `ids`, only those.
 */
export async function dueRecordings(db: DbOrTx, today: string, ids?: readonly string[]) {
  let q = db
    .selectFrom('recording_retention as rr')
    .select(['rr.recording_id', 'rr.keep_until', 'rr.basis'])
    .where('rr.keep_until', '<', today)
    .where('rr.disposed_at', 'is', null)
    .where('rr.store_synced', '=', true)
    .where('rr.store_hold', '=', false)
    .where((eb) => eb.or([eb('rr.store_until', 'is', null), eb('rr.store_until', '<=', sql<Date>`now()`)]))
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('disposal_item as i').select('i.id').whereRef('i.recording_id', '=', 'rr.recording_id').where('i.state', '<>', 'restored'))))
    .where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom('retention_hold as h').select('h.id').where('h.subject_type', '=', 'recording').whereRef('h.subject_id', '=', 'rr.recording_id').where('h.released_at', 'is', null))),
    );
  if (ids) q = q.where('rr.recording_id', 'in', ids.length ? ids : ['00000000-0000-0000-0000-000000000000']);
  return q.orderBy('rr.keep_until').orderBy('rr.recording_id').limit(10_000).execute();
}

/** A batch of recordings and case files (0025), each item naming one of them. */
export async function insertBatch(
  db: DbOrTx,
  proposedBy: string | null,
  recordings: { recording_id: string; keep_until: string | null; basis: string }[],
  cases: { case_id: string; keep_until: string | null; basis: string }[] = [],
) {
  const b = await db.insertInto('disposal_batch').values({ proposed_by: proposedBy }).returning('id').executeTakeFirstOrThrow();
  await db
    .insertInto('disposal_item')
    .values([
      ...recordings.map((i) => ({ batch_id: b.id, recording_id: i.recording_id, case_id: null, keep_until: i.keep_until!, basis: i.basis })),
      ...cases.map((i) => ({ batch_id: b.id, recording_id: null, case_id: i.case_id, keep_until: i.keep_until!, basis: i.basis })),
    ])
    .execute();
  return b.id;
}

export async function lockBatch(db: DbOrTx, id: string) {
  return db.selectFrom('disposal_batch').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

export async function approveBatch(db: DbOrTx, id: string, by: string, graceDays: number) {
  return db
    .updateTable('disposal_batch')
    .set({ approved_by: by, approved_at: sql<Date>`now()`, grace_until: sql<Date>`now() + make_interval(days => ${graceDays})` })
    .where('id', '=', id)
    .returning(['approved_at', 'grace_until'])
    .executeTakeFirstOrThrow();
}

export async function lockItem(db: DbOrTx, id: string) {
  return db
    .selectFrom('disposal_item as i')
    .innerJoin('disposal_batch as b', 'b.id', 'i.batch_id')
    .select(['i.id', 'i.batch_id', 'i.recording_id', 'i.case_id', 'i.state', 'i.keep_until', 'i.basis', 'b.approved_at', 'b.grace_until'])
    .where('i.id', '=', id)
    .forUpdate('i')
    .executeTakeFirst();
}

export async function restoreItem(db: DbOrTx, id: string, by: string | null, reason: string) {
  await db.updateTable('disposal_item').set({ state: 'restored', restored_by: by, restored_at: sql<Date>`now()`, restore_reason: reason }).where('id', '=', id).execute();
}

export async function listBatches(db: DbOrTx) {
  return db
    .selectFrom('disposal_batch as b')
    .leftJoin('app_user as p', 'p.id', 'b.proposed_by')
    .leftJoin('app_user as a', 'a.id', 'b.approved_by')
    .select(['b.id', 'b.proposed_by', 'b.proposed_at', 'b.approved_at', 'b.grace_until', 'b.completed_at', 'p.username as proposed_by_name', 'a.username as approved_by_name'])
    .orderBy('b.proposed_at', 'desc')
    .limit(200)
    .execute();
}

export async function itemsOf(db: DbOrTx, batchIds: readonly string[]) {
  if (!batchIds.length) return [];
  return db
    .selectFrom('disposal_item as i')
    .leftJoin('recording as r', 'r.id', 'i.recording_id')
    .leftJoin('enforcement_case as c', 'c.id', 'i.case_id')
    .leftJoin('case_archive as ca', 'ca.case_id', 'i.case_id')
    .leftJoin('app_user as u', 'u.id', 'i.restored_by')
    .select([
      'i.id', 'i.batch_id', 'i.recording_id', 'i.case_id', 'i.state', 'i.keep_until', 'i.basis', 'i.restored_at', 'i.restore_reason', 'i.deleted_at',
      'u.username as restored_by_name', 'r.file_name', 'r.recorded_start', 'c.case_number', 'c.closed_on', 'ca.archive_number',
    ])
    .where('i.batch_id', 'in', batchIds)
    .orderBy('i.keep_until')
    .orderBy('i.id')
    .execute();
}

/** Items whose batch is approved and whose grace period is over (optionally of one recording or case file). */
export async function executableItems(db: DbOrTx, o: { recordingId?: string; caseId?: string } = {}) {
  let q = db
    .selectFrom('disposal_item as i')
    .innerJoin('disposal_batch as b', 'b.id', 'i.batch_id')
    .select(['i.id', 'i.recording_id', 'i.case_id', 'i.state'])
    .where('i.state', 'in', ['proposed', 'deleting'])
    .where('b.approved_at', 'is not', null)
    .where('b.grace_until', '<=', sql<Date>`now()`);
  if (o.recordingId) q = q.where('i.recording_id', '=', o.recordingId);
  if (o.caseId) q = q.where('i.case_id', '=', o.caseId);
  return q.orderBy('i.id').limit(1000).execute();
}

/** What the tombstone keeps of a recording: its metadata, the original's hashes and its derived files. */
export async function recordingForTombstone(db: DbOrTx, recordingId: string) {
  const r = await db
    .selectFrom('recording as r')
    .innerJoin('original as o', 'o.sha256', 'r.original_sha256')
    .innerJoin('recording_retention as rr', 'rr.recording_id', 'r.id')
    .select(['r.id', 'r.file_name', 'r.department_id', 'r.device_number', 'r.recorded_start', 'r.recorded_end', 'r.uploaded_at', 'r.uploaded_by', 'r.activity', 'r.party', 'r.case_name', 'r.case_number', 'r.location', 'r.notes', 'o.sha256', 'o.sm3', 'o.size_bytes', 'rr.keep_until', 'rr.basis', 'rr.rule_version'])
    .where('r.id', '=', recordingId)
    .executeTakeFirst();
  const derived = r ? await db.selectFrom('derived_object').select(['sha256', 'sm3', 'size_bytes', 'kind']).where('original_sha256', '=', r.sha256).execute() : [];
  return r && { ...r, derived };
}

export async function insertTombstone(db: DbOrTx, t: Record<string, unknown>) {
  await sql`INSERT INTO disposal_tombstone ${sql.raw('(' + Object.keys(t).join(', ') + ')')} VALUES (${sql.join(Object.values(t))})`.execute(db);
}

export async function setItemState(db: DbOrTx, id: string, state: 'deleting' | 'deleted') {
  await db.updateTable('disposal_item').set({ state, ...(state === 'deleted' && { deleted_at: sql<Date>`now()` }) }).where('id', '=', id).execute();
}

export async function markDisposed(db: DbOrTx, recordingId: string) {
  await db.updateTable('recording_retention').set({ disposed_at: sql<Date>`now()` }).where('recording_id', '=', recordingId).execute();
}

/** Completes batches none of whose items is still waiting. */
export async function completeBatches(db: DbOrTx) {
  await sql`UPDATE disposal_batch b SET completed_at = now()
    WHERE b.completed_at IS NULL AND b.approved_at IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM disposal_item i WHERE i.batch_id = b.id AND i.state IN ('proposed', 'deleting'))`.execute(db);
}

export async function tombstone(db: DbOrTx, recordingId: string) {
  return db.selectFrom('disposal_tombstone').selectAll().where('recording_id', '=', recordingId).executeTakeFirst();
}
