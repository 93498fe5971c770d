import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { DbOrTx } from '../../platform/db/database.ts';
import type { PreservationGround } from './preservation.schema.ts';

export function insertMark(db: DbOrTx, m: { ground: PreservationGround; description: string | null; proposedBy: string }) {
  return db
    .insertInto('preservation_mark')
    .values({ ground: m.ground, description: m.description, proposed_by: m.proposedBy })
    .returning('id')
    .executeTakeFirstOrThrow()
    .then((r) => r.id);
}

export async function insertMarkItems(db: DbOrTx, markId: string, recordingIds: readonly string[]) {
  await db
    .insertInto('preservation_mark_item')
    .values(recordingIds.map((recording_id) => ({ mark_id: markId, recording_id })))
    .execute();
}

export function findMark(db: DbOrTx, id: string, forUpdate = false) {
  let q = db.selectFrom('preservation_mark').selectAll().where('id', '=', id);
  if (forUpdate) q = q.forUpdate();
  return q.executeTakeFirst();
}
export type MarkRow = NonNullable<Awaited<ReturnType<typeof findMark>>>;

/** The recordings a mark covers, with their originals. */
export function markRecordings(db: DbOrTx, markIds: readonly string[]) {
  if (!markIds.length) return Promise.resolve([]);
  return db
    .selectFrom('preservation_mark_item as i')
    .innerJoin('recording as r', 'r.id', 'i.recording_id')
    .innerJoin('original as o', 'o.sha256', 'r.original_sha256')
    .select(['i.mark_id', 'r.id', 'r.file_name', 'r.recorded_start', 'r.original_sha256', 'o.size_bytes'])
    .where('i.mark_id', 'in', markIds)
    .orderBy('r.recorded_start')
    .orderBy('r.id')
    .execute();
}

export function decide(db: DbOrTx, id: string, d: { state: 'approved' | 'rejected'; by: string; note: string | null }) {
  return db
    .updateTable('preservation_mark')
    .set({ state: d.state, decided_by: d.by, decided_at: sql<Date>`now()`, decision_note: d.note })
    .where('id', '=', id)
    .execute();
}

export function release(db: DbOrTx, id: string, by: string, reason: string) {
  return db
    .updateTable('preservation_mark')
    .set({ state: 'released', released_by: by, released_at: sql<Date>`now()`, release_reason: reason })
    .where('id', '=', id)
    .execute();
}

/** Places one active 'preservation' hold per recording (0018 retention_hold; source = the mark). */
export async function placeHolds(db: DbOrTx, markId: string, recordingIds: readonly string[], by: string, reason: string) {
  await db
    .insertInto('retention_hold')
    .values(recordingIds.map((subject_id) => ({ subject_type: 'recording' as const, subject_id, kind: 'preservation' as const, source_id: markId, reason, placed_by: by })))
    .execute();
}

/** Releases the mark's active holds; returns how many. */
export async function releaseHolds(db: DbOrTx, markId: string, by: string): Promise<number> {
  const r = await db
    .updateTable('retention_hold')
    .set({ released_at: sql<Date>`now()`, released_by: by })
    .where('kind', '=', 'preservation')
    .where('source_id', '=', markId)
    .where('released_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/**
 * Serialises the holds of these originals until the transaction ends (sorted, so two transactions never wait on
 * each other crosswise): an approval setting a legal hold and a release clearing one never interleave.
 */
export async function lockOriginals(db: DbOrTx, sha256s: readonly string[]): Promise<void> {
  for (const sha of [...new Set(sha256s)].sort()) await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`legal-hold:${sha}`}, 0))`.execute(db);
}

/**
 * Of these originals, those still covered by an active preservation or legal hold on any recording using
 * them (content addressing: two recordings may share one original), so their legal hold in the store stays.
 */
export async function originalsStillHeld(db: DbOrTx, sha256s: readonly string[]): Promise<Set<string>> {
  if (!sha256s.length) return new Set();
  const r = await sql<{ sha256: string }>`
    SELECT DISTINCT r.original_sha256 AS sha256 FROM retention_hold h JOIN recording r ON r.id = h.subject_id
    WHERE h.subject_type = 'recording' AND h.kind IN ('preservation', 'legal') AND h.released_at IS NULL
      AND r.original_sha256 = ANY(${sha256s}::text[])`.execute(db);
  return new Set(r.rows.map((x) => x.sha256));
}

/**
 * Marks the caller sees: those they proposed, and those covering a recording that `visible` (the access
 * decision point's metadata filter over recording alias `r`) lets them read. Newest first.
 */
export function listMarks(db: DbOrTx, userId: string, visible: RawBuilder<SqlBool>, f: { state?: string; recordingId?: string }) {
  let q = db
    .selectFrom('preservation_mark as m')
    .selectAll('m')
    .where((eb) =>
      eb.or([
        eb('m.proposed_by', '=', userId),
        eb.exists(
          eb
            .selectFrom('preservation_mark_item as i')
            .innerJoin('recording as r', 'r.id', 'i.recording_id')
            .select(sql`1`.as('one'))
            .whereRef('i.mark_id', '=', 'm.id')
            .where(visible),
        ),
      ]),
    );
  if (f.state) q = q.where('m.state', '=', f.state as 'proposed');
  if (f.recordingId) {
    const rid = f.recordingId;
    q = q.where((eb) => eb.exists(eb.selectFrom('preservation_mark_item as j').select(sql`1`.as('one')).whereRef('j.mark_id', '=', 'm.id').where('j.recording_id', '=', rid)));
  }
  return q.orderBy('m.proposed_at', 'desc').orderBy('m.id').limit(500).execute();
}

export async function usernames(db: DbOrTx, ids: readonly (string | null)[]): Promise<Map<string, string>> {
  const list = [...new Set(ids.filter((x): x is string => !!x))];
  if (!list.length) return new Map();
  const rows = await db.selectFrom('app_user').select(['id', 'username']).where('id', 'in', list).execute();
  return new Map(rows.map((r) => [r.id, r.username]));
}
