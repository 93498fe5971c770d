import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { DbOrTx } from '../../platform/db/database.ts';
import type { RetentionCategory, RetentionUnit } from '../../platform/db/schema.ts';

/** 保存期限 SQL (0019): the retention table, the set-based recompute, holds and the store sync queue. */

/** Which rows a recompute covers. */
export type RecomputeTarget = { all: true } | { ids: readonly string[] } | { caseIds: readonly string[] } | { missing: true };

/** The approved version in force (the highest approved version number). */
const CURRENT_VERSION = sql`(SELECT id, version FROM retention_table_version WHERE approved_at IS NOT NULL ORDER BY version DESC LIMIT 1)`;

/** A period as an interval (months or years); permanent periods never reach it. */
const PERIOD = (alias: string) =>
  sql.raw(`CASE WHEN ${alias}.period_unit = 'years' THEN make_interval(years => ${alias}.period_count) ELSE make_interval(months => coalesce(${alias}.period_count, 0)) END`);

/**
 * Recomputes case files' keep-until dates. 档案保管期限自次年起算: a fixed period counts from 1 January of the
 * year after closing, so a file closed in 2026 with 30 years is kept through 2056-12-31. An unarchived case
 * has no date yet (its period runs from archiving). The period printed on the archived cover is never
 * undercut: the longer of it and the table's rule counts. A held case file has no date. Rows change only
 * when something differs; a disposed case file's row never changes again. The store sync flag is cleared
 * when the date changes. Returns the number of rows written.
 */
export async function recomputeCases(db: DbOrTx, caseIds: readonly string[] | 'all'): Promise<number> {
  const filter = caseIds === 'all' ? sql<SqlBool>`true` : sql<SqlBool>`ec.id = ANY(${[...caseIds]}::uuid[])`;
  const r = await sql`
    WITH v AS ${CURRENT_VERSION},
    rules AS (SELECT r.* FROM retention_rule r JOIN v ON v.id = r.version_id),
    c AS (
      SELECT ec.id, ec.procedure, ec.closed_on, ca.retention_code, ca.retain_until,
        EXISTS (SELECT 1 FROM retention_hold h WHERE h.subject_type = 'case_file' AND h.subject_id = ec.id AND h.released_at IS NULL) AS held
      FROM enforcement_case ec LEFT JOIN case_archive ca ON ca.case_id = ec.id
      WHERE ${filter}
    ),
    d AS (
      SELECT c.*, r.category, r.period_unit,
        CASE WHEN r.period_unit = 'permanent' OR c.retention_code IS NULL THEN NULL
             ELSE (make_date(extract(year FROM c.closed_on)::int + 1, 1, 1) + ${PERIOD('r')})::date - 1 END AS table_date
      FROM c JOIN rules r ON r.category = 'case_file_' || c.procedure
    ),
    computed AS (
      SELECT d.id AS case_id,
        CASE WHEN d.held OR d.retention_code IS NULL OR d.retention_code = 'Y' OR d.period_unit = 'permanent' THEN NULL
             ELSE greatest(d.table_date, d.retain_until - 1) END AS keep_until,
        CASE WHEN d.held THEN 'hold'
             WHEN d.retention_code IS NULL THEN 'case_not_archived'
             WHEN d.period_unit = 'permanent' THEN d.category
             WHEN d.retention_code = 'Y' OR d.retain_until - 1 > d.table_date THEN 'case_archive_cover'
             ELSE d.category END AS basis
      FROM d
    )
    INSERT INTO case_retention (case_id, keep_until, basis, rule_version, computed_at)
    SELECT case_id, keep_until, basis, (SELECT version FROM v), now() FROM computed
    ON CONFLICT (case_id) DO UPDATE SET keep_until = EXCLUDED.keep_until, basis = EXCLUDED.basis, rule_version = EXCLUDED.rule_version, computed_at = EXCLUDED.computed_at,
      store_synced = case_retention.store_synced AND case_retention.keep_until IS NOT DISTINCT FROM EXCLUDED.keep_until
    WHERE case_retention.disposed_at IS NULL
      AND (case_retention.keep_until, case_retention.basis, case_retention.rule_version) IS DISTINCT FROM (EXCLUDED.keep_until, EXCLUDED.basis, EXCLUDED.rule_version)
  `.execute(db);
  return Number(r.numAffectedRows ?? 0);
}

/**
 * Recomputes recordings' keep-until dates in one statement (a table change touches every recording).
 * 第十一条: the recording's own category (patrol / other AV) counts from the Beijing calendar date it was
 * recorded (PostgreSQL's month arithmetic clamps to the month's end: Aug 31 + 6 months = Feb 28/29); AV
 * serving a case (a live link) is kept as long as that case file (no date while the file is not archived);
 * the longest wins; a held recording has no date. A disposed recording is never recomputed.
 * The store sync flag is cleared when the date changes. Returns the number of rows written.
 */
export async function recomputeRecordings(db: DbOrTx, target: RecomputeTarget): Promise<number> {
  let filter: RawBuilder<SqlBool>;
  if ('all' in target) filter = sql<SqlBool>`true`;
  else if ('missing' in target) filter = sql<SqlBool>`NOT EXISTS (SELECT 1 FROM recording_retention x WHERE x.recording_id = rec.id)`;
  else if ('ids' in target) filter = sql<SqlBool>`rec.id = ANY(${[...target.ids]}::uuid[])`;
  else filter = sql<SqlBool>`rec.id IN (SELECT l.recording_id FROM case_recording_link l WHERE l.case_id = ANY(${[...target.caseIds]}::uuid[]))`;
  const r = await sql`
    WITH v AS ${CURRENT_VERSION},
    rules AS (SELECT r.* FROM retention_rule r JOIN v ON v.id = r.version_id),
    rec AS MATERIALIZED (SELECT rec.id, rec.activity, rec.recorded_start FROM recording rec WHERE ${filter}),
    top AS (
      SELECT DISTINCT ON (l.recording_id) l.recording_id, cr.case_id, cr.keep_until, cr.basis
      FROM case_recording_link l JOIN case_retention cr ON cr.case_id = l.case_id
      WHERE l.unlinked_at IS NULL AND l.recording_id IN (SELECT id FROM rec)
      ORDER BY l.recording_id, (cr.keep_until IS NULL) DESC, cr.keep_until DESC, cr.case_id
    ),
    held AS (
      SELECT DISTINCT h.subject_id FROM retention_hold h
      WHERE h.subject_type = 'recording' AND h.released_at IS NULL AND h.subject_id IN (SELECT id FROM rec)
    ),
    base AS (
      SELECT rec.id, rl.category, rl.period_unit,
        CASE WHEN rl.period_unit = 'permanent' THEN NULL
             ELSE ((rec.recorded_start AT TIME ZONE 'Asia/Shanghai')::date + ${PERIOD('rl')})::date END AS d
      FROM rec JOIN rules rl ON rl.category = CASE WHEN rec.activity = 'patrol' THEN 'av_patrol' ELSE 'av_other' END
    ),
    computed AS (
      SELECT b.id,
        CASE WHEN held.subject_id IS NOT NULL OR b.period_unit = 'permanent' OR (t.recording_id IS NOT NULL AND t.keep_until IS NULL) THEN NULL
             ELSE greatest(b.d, t.keep_until) END AS keep_until,
        CASE WHEN held.subject_id IS NOT NULL THEN 'hold'
             WHEN b.period_unit = 'permanent' THEN b.category
             WHEN t.recording_id IS NOT NULL AND (t.keep_until IS NULL OR t.keep_until > b.d) THEN
               CASE t.basis WHEN 'case_not_archived' THEN 'case_pending' WHEN 'hold' THEN 'case_held' ELSE t.basis END
             ELSE b.category END AS basis,
        CASE WHEN held.subject_id IS NULL AND b.period_unit <> 'permanent' AND t.recording_id IS NOT NULL AND (t.keep_until IS NULL OR t.keep_until > b.d) THEN t.case_id END AS basis_case_id
      FROM base b LEFT JOIN top t ON t.recording_id = b.id LEFT JOIN held ON held.subject_id = b.id
    )
    INSERT INTO recording_retention AS rr (recording_id, keep_until, basis, basis_case_id, rule_version, computed_at)
    SELECT id, keep_until, basis, basis_case_id, (SELECT version FROM v), now() FROM computed
    ON CONFLICT (recording_id) DO UPDATE SET
      keep_until = EXCLUDED.keep_until, basis = EXCLUDED.basis, basis_case_id = EXCLUDED.basis_case_id,
      rule_version = EXCLUDED.rule_version, computed_at = EXCLUDED.computed_at,
      store_synced = rr.store_synced AND rr.keep_until IS NOT DISTINCT FROM EXCLUDED.keep_until
    WHERE rr.disposed_at IS NULL
      AND (rr.keep_until, rr.basis, rr.basis_case_id, rr.rule_version) IS DISTINCT FROM (EXCLUDED.keep_until, EXCLUDED.basis, EXCLUDED.basis_case_id, EXCLUDED.rule_version)
  `.execute(db);
  return Number(r.numAffectedRows ?? 0);
}

// Retention table ---------------------------------------------------------------------------------------

export async function listVersions(db: DbOrTx) {
  return db
    .selectFrom('retention_table_version as v')
    .leftJoin('app_user as p', 'p.id', 'v.proposed_by')
    .leftJoin('app_user as a', 'a.id', 'v.approved_by')
    .select(['v.id', 'v.version', 'v.note', 'v.proposed_by', 'v.proposed_at', 'v.approved_by', 'v.approved_at', 'p.username as proposed_by_name', 'a.username as approved_by_name'])
    .orderBy('v.version', 'desc')
    .execute();
}

export async function rulesOf(db: DbOrTx, versionIds: readonly string[]) {
  if (!versionIds.length) return [];
  return db.selectFrom('retention_rule').selectAll().where('version_id', 'in', versionIds).orderBy('category').execute();
}

/** The version row, locked for its approval. */
export async function lockVersion(db: DbOrTx, id: string) {
  return db.selectFrom('retention_table_version').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

export async function maxVersion(db: DbOrTx): Promise<{ all: number; approved: number }> {
  const r = await db
    .selectFrom('retention_table_version')
    .select((eb) => [eb.fn.max('version').as('all'), sql<number | null>`max(version) FILTER (WHERE approved_at IS NOT NULL)`.as('approved')])
    .executeTakeFirstOrThrow();
  return { all: Number(r.all ?? 0), approved: Number(r.approved ?? 0) };
}

export async function insertVersion(db: DbOrTx, v: { version: number; note: string; by: string; rules: { category: RetentionCategory; unit: RetentionUnit; count: number | null }[] }) {
  // The table lock makes version numbers gap-free under concurrent proposals.
  await sql`LOCK TABLE retention_table_version IN SHARE ROW EXCLUSIVE MODE`.execute(db);
  const row = await db.insertInto('retention_table_version').values({ version: v.version, note: v.note, proposed_by: v.by }).returning('id').executeTakeFirstOrThrow();
  await db
    .insertInto('retention_rule')
    .values(v.rules.map((r) => ({ version_id: row.id, category: r.category, period_unit: r.unit, period_count: r.count })))
    .execute();
  return row.id;
}

export async function approveVersion(db: DbOrTx, id: string, by: string) {
  await db.updateTable('retention_table_version').set({ approved_by: by, approved_at: sql<Date>`now()` }).where('id', '=', id).execute();
}

// Views -------------------------------------------------------------------------------------------------

export async function recordingRetention(db: DbOrTx, recordingId: string) {
  return db
    .selectFrom('recording_retention as rr')
    .leftJoin('enforcement_case as c', 'c.id', 'rr.basis_case_id')
    .select(['rr.keep_until', 'rr.basis', 'rr.basis_case_id', 'c.case_number', 'rr.rule_version', 'rr.computed_at', 'rr.store_until', 'rr.store_hold', 'rr.store_synced', 'rr.disposed_at'])
    .where('rr.recording_id', '=', recordingId)
    .executeTakeFirst();
}

/** Recordings among these whose keep-until is open (permanent, held, or serving a case not yet archived). */
export async function recordingsWithoutDate(db: DbOrTx, recordingIds: readonly string[]): Promise<Set<string>> {
  if (!recordingIds.length) return new Set();
  const rows = await db
    .selectFrom('recording_retention')
    .select('recording_id')
    .where('recording_id', 'in', recordingIds)
    .where('keep_until', 'is', null)
    .execute();
  return new Set(rows.map((r) => r.recording_id));
}

export async function caseRetention(db: DbOrTx, caseId: string) {
  return db.selectFrom('case_retention').selectAll().where('case_id', '=', caseId).executeTakeFirst();
}

export async function activeHolds(db: DbOrTx, subjectType: 'recording' | 'case_file', subjectId: string) {
  return db
    .selectFrom('retention_hold')
    .select(['id', 'kind', 'reason', 'placed_at', 'source_id'])
    .where('subject_type', '=', subjectType)
    .where('subject_id', '=', subjectId)
    .where('released_at', 'is', null)
    .orderBy('placed_at')
    .execute();
}

/**
 * 工作台 digest: recordings the caller may read whose keep-until date falls within [from, to] (Beijing
 * dates) and that are not disposed, soonest first, with the total.
 */
export async function upcoming(db: DbOrTx, visible: RawBuilder<SqlBool>, from: string, to: string, limit: number) {
  const base = db
    .selectFrom('recording_retention as rr')
    .innerJoin('recording as r', 'r.id', 'rr.recording_id')
    .where('rr.keep_until', '>=', from)
    .where('rr.keep_until', '<=', to)
    .where('rr.disposed_at', 'is', null)
    .where(visible);
  const [items, total] = await Promise.all([
    base.select(['r.id', 'r.file_name', 'r.recorded_start', 'r.activity', 'rr.keep_until', 'rr.basis']).orderBy('rr.keep_until').orderBy('r.id').limit(limit).execute(),
    base.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { items, total: Number(total.n) };
}

// Holds -------------------------------------------------------------------------------------------------

/** Places case_reopened holds on the case file and its live-linked recordings (one per subject). */
export async function placeReopenHolds(db: DbOrTx, caseId: string, by: string, reason: string): Promise<string[]> {
  const rows = await sql<{ subject_id: string }>`
    INSERT INTO retention_hold (subject_type, subject_id, kind, source_id, reason, placed_by)
    SELECT s.subject_type, s.subject_id, 'case_reopened', ${caseId}::uuid, ${reason}, ${by}::uuid
    FROM (
      SELECT 'case_file'::text AS subject_type, ${caseId}::uuid AS subject_id
      UNION SELECT 'recording', l.recording_id FROM case_recording_link l WHERE l.case_id = ${caseId}::uuid AND l.unlinked_at IS NULL
    ) s
    ON CONFLICT DO NOTHING
    RETURNING subject_id
  `.execute(db);
  return rows.rows.map((r) => r.subject_id);
}

/** Releases the case_reopened holds a case placed (the system releases them when the case closes again). */
export async function releaseReopenHolds(db: DbOrTx, caseId: string): Promise<string[]> {
  const rows = await db
    .updateTable('retention_hold')
    .set({ released_at: sql<Date>`now()` })
    .where('kind', '=', 'case_reopened')
    .where('source_id', '=', caseId)
    .where('released_at', 'is', null)
    .returning(['subject_type', 'subject_id'])
    .execute();
  return rows.filter((r) => r.subject_type === 'recording').map((r) => r.subject_id);
}

export async function insertHold(db: DbOrTx, h: { subjectType: 'recording' | 'case_file'; subjectId: string; reason: string; by: string }) {
  const r = await db
    .insertInto('retention_hold')
    .values({ subject_type: h.subjectType, subject_id: h.subjectId, kind: 'legal', reason: h.reason, placed_by: h.by })
    .returning('id')
    .executeTakeFirstOrThrow();
  return r.id;
}

export async function lockHold(db: DbOrTx, id: string) {
  return db.selectFrom('retention_hold').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

export async function releaseHold(db: DbOrTx, id: string, by: string) {
  await db.updateTable('retention_hold').set({ released_at: sql<Date>`now()`, released_by: by }).where('id', '=', id).execute();
}

// Object store sync -------------------------------------------------------------------------------------

/** Recordings whose store retention has not caught up with their computed date (oldest first). */
export async function unsynced(db: DbOrTx, limit: number) {
  return db
    .selectFrom('recording_retention as rr')
    .innerJoin('recording as r', 'r.id', 'rr.recording_id')
    .select(['rr.recording_id', 'r.original_sha256', 'rr.keep_until', 'rr.store_until', 'rr.store_hold'])
    .where('rr.store_synced', '=', false)
    .where('rr.disposed_at', 'is', null)
    .orderBy('rr.recording_id')
    .limit(limit)
    .execute();
}

/** Marks a sync done, unless the date moved again meanwhile (then the next pass takes it). */
export async function markSynced(db: DbOrTx, recordingId: string, keepUntil: string | null, store: { until: Date | null; hold: boolean }) {
  await db
    .updateTable('recording_retention')
    .set({ store_until: store.until, store_hold: store.hold, store_synced: sql<boolean>`keep_until IS NOT DISTINCT FROM ${keepUntil}::date` })
    .where('recording_id', '=', recordingId)
    .execute();
}

/**
 * What the store must keep for each of these objects, over EVERYTHING its bytes serve (content addressing:
 * one object may be a recording's original and a document of two case files): `until` is the longest
 * keep-until date among them; `hold` is true while any of them has no date (永久, held, serving a case not
 * archived yet, or not computed yet). Disposed recordings and case files no longer count. A key nothing
 * serves answers { until: null, hold: false }.
 */
export async function objectNeeds(db: DbOrTx, keys: readonly string[]): Promise<Map<string, { until: string | null; hold: boolean }>> {
  if (!keys.length) return new Map();
  const r = await sql<{ sha256: string; until: string | null; hold: boolean | null }>`
    WITH s AS (
      SELECT r.original_sha256 AS sha256, rr.keep_until, (rr.recording_id IS NULL OR rr.keep_until IS NULL) AS open
        FROM recording r LEFT JOIN recording_retention rr ON rr.recording_id = r.id
        WHERE r.original_sha256 = ANY(${[...keys]}::text[]) AND rr.disposed_at IS NULL
      UNION ALL
      SELECT x.sha256, cr.keep_until, (cr.case_id IS NULL OR cr.keep_until IS NULL)
        FROM (SELECT case_id, sha256 FROM case_document UNION ALL SELECT case_id, sha256 FROM case_file_build) x
        LEFT JOIN case_retention cr ON cr.case_id = x.case_id
        WHERE x.sha256 = ANY(${[...keys]}::text[]) AND cr.disposed_at IS NULL
    )
    SELECT k.sha256, max(s.keep_until)::text AS until, bool_or(s.open) AS hold
    FROM unnest(${[...keys]}::text[]) AS k(sha256) LEFT JOIN s ON s.sha256 = k.sha256
    GROUP BY k.sha256`.execute(db);
  return new Map(r.rows.map((x) => [x.sha256, { until: x.until, hold: x.hold === true }]));
}

/** Case files whose objects' store retention has not caught up with their computed date (by id). */
export async function unsyncedCases(db: DbOrTx, limit: number) {
  return db
    .selectFrom('case_retention')
    .select(['case_id', 'keep_until'])
    .where('store_synced', '=', false)
    .where('disposed_at', 'is', null)
    .orderBy('case_id')
    .limit(limit)
    .execute();
}

/** The stored objects of a case file: its documents' originals and its built PDFs (each key once). */
export async function caseObjectKeys(db: DbOrTx, caseId: string): Promise<string[]> {
  const r = await sql<{ sha256: string }>`
    SELECT sha256 FROM case_document WHERE case_id = ${caseId}::uuid
    UNION SELECT sha256 FROM case_file_build WHERE case_id = ${caseId}::uuid
    ORDER BY sha256`.execute(db);
  return r.rows.map((x) => x.sha256);
}

/**
 * Marks a case file's sync done (with what it found on the objects, and when), unless meanwhile its date
 * moved again or an object was added to it (not among the `keyCount` objects synced): then the next pass
 * takes it.
 */
export async function markCaseSynced(db: DbOrTx, caseId: string, keepUntil: string | null, keyCount: number, store: { until: Date | null; hold: boolean }) {
  await sql`
    UPDATE case_retention SET store_until = ${store.until}, store_hold = ${store.hold}, store_synced_at = now(),
      store_synced = keep_until IS NOT DISTINCT FROM ${keepUntil}::date
        AND (SELECT count(*) FROM (SELECT sha256 FROM case_document WHERE case_id = ${caseId}::uuid
                                   UNION SELECT sha256 FROM case_file_build WHERE case_id = ${caseId}::uuid) k) = ${keyCount}
    WHERE case_id = ${caseId}::uuid AND disposed_at IS NULL`.execute(db);
}
