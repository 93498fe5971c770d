import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { DbOrTx } from '../../platform/db/database.ts';

/** What a check compares the stored bytes with: the hashes and size recorded when the object was stored. */
export interface FixityTarget {
  sha256: string;
  kind: 'original' | 'derived';
  sm3: string;
  sizeBytes: number;
}

/** The outcome of checking one object (`ok`, or why not). */
export type FixityResult = 'ok' | 'missing' | 'sha256-mismatch' | 'sm3-mismatch' | 'size-mismatch' | 'unreadable';

interface TargetRow {
  sha256: string;
  kind: 'original' | 'derived';
  sm3: string;
  size_bytes: string;
}

const toTarget = (r: TargetRow): FixityTarget => ({ sha256: r.sha256, kind: r.kind, sm3: r.sm3, sizeBytes: Number(r.size_bytes) });

/**
 * Objects whose bytes an approved disposal destroys (第十一条): from the tombstone on, their absence from the
 * store is the expected outcome, not a `missing` alarm. A case file's shared bytes kept for another record
 * (`destroy: false`) stay checked.
 */
const destroyed = sql`(SELECT original_sha256 AS sha256 FROM disposal_tombstone
  UNION SELECT d->>'sha256' FROM disposal_tombstone, jsonb_array_elements(derived) d
  UNION SELECT f->>'sha256' FROM case_file_tombstone, jsonb_array_elements(files) f WHERE (f->>'destroy')::boolean)`;

/** Every stored object with its recorded hashes, originals and derived files alike (not the destroyed ones). */
const targets = sql`(SELECT sha256, 'original' AS kind, sm3, size_bytes FROM original WHERE sha256 NOT IN ${destroyed}
  UNION ALL SELECT sha256, 'derived' AS kind, sm3, size_bytes FROM derived_object WHERE sha256 NOT IN ${destroyed})`;

/** How many objects are stored (originals + derived files, not the destroyed ones). */
export async function countObjects(db: DbOrTx): Promise<number> {
  const r = await sql<{ n: string }>`SELECT count(*) AS n FROM fixity_object WHERE sha256 NOT IN ${destroyed}`.execute(db);
  return Number(r.rows[0]!.n);
}

/**
 * The next objects a scheduled slice checks: the never-checked ones first, then the least recently
 * checked — a rotation in which every object comes round once per period. Skips objects checked after
 * `notCheckedSince` (just checked by a person or a workstation).
 */
export async function dueObjects(db: DbOrTx, limit: number, notCheckedSince: Date): Promise<FixityTarget[]> {
  const r = await sql<TargetRow>`
    WITH picked AS (SELECT sha256, last_checked_at FROM fixity_object
      WHERE last_checked_at IS NULL OR last_checked_at < ${notCheckedSince}
      ORDER BY last_checked_at NULLS FIRST, sha256 LIMIT ${limit})
    SELECT t.sha256, t.kind, t.sm3, t.size_bytes FROM picked p JOIN ${targets} t ON t.sha256 = p.sha256
    ORDER BY p.last_checked_at NULLS FIRST, p.sha256`.execute(db);
  return r.rows.map(toTarget);
}

/** Failing objects not re-checked since `notCheckedSince`: each slice looks again, so a repair clears its alert. */
export async function failingToRecheck(db: DbOrTx, limit: number, notCheckedSince: Date): Promise<FixityTarget[]> {
  const r = await sql<TargetRow>`
    WITH picked AS (SELECT sha256, failing_since FROM fixity_object
      WHERE failing_since IS NOT NULL AND last_checked_at < ${notCheckedSince} ORDER BY failing_since, sha256 LIMIT ${limit})
    SELECT t.sha256, t.kind, t.sm3, t.size_bytes FROM picked p JOIN ${targets} t ON t.sha256 = p.sha256
    ORDER BY p.failing_since, p.sha256`.execute(db);
  return r.rows.map(toTarget);
}

/** Every stored object, in key order, one page after `afterSha256` (a full pass walks them all). */
export async function objectPage(db: DbOrTx, afterSha256: string, limit: number): Promise<FixityTarget[]> {
  const r = await sql<TargetRow>`SELECT sha256, kind, sm3, size_bytes FROM ${targets} t
    WHERE sha256 > ${afterSha256} ORDER BY sha256 LIMIT ${limit}`.execute(db);
  return r.rows.map(toTarget);
}

/** The original of a recording and its derived files (proxy, thumbnail); empty when there is no such recording. */
export async function objectsOfRecording(db: DbOrTx, recordingId: string): Promise<FixityTarget[]> {
  const r = await sql<TargetRow>`
    SELECT o.sha256, 'original' AS kind, o.sm3, o.size_bytes FROM recording r JOIN original o ON o.sha256 = r.original_sha256 WHERE r.id = ${recordingId}
    UNION ALL
    SELECT d.sha256, 'derived' AS kind, d.sm3, d.size_bytes FROM recording r JOIN derived_object d ON d.original_sha256 = r.original_sha256 WHERE r.id = ${recordingId}
    ORDER BY kind DESC, sha256`.execute(db);
  return r.rows.map(toTarget);
}

/** One original with its recorded hashes. */
export async function findOriginalTarget(db: DbOrTx, sha256: string): Promise<FixityTarget | undefined> {
  const r = await sql<TargetRow>`SELECT sha256, 'original' AS kind, sm3, size_bytes FROM original WHERE sha256 = ${sha256}`.execute(db);
  return r.rows[0] && toTarget(r.rows[0]);
}

/** Is there a recording of this original that `scope` (the access filter over `r`) allows? */
export async function originalHasRecordingWhere(db: DbOrTx, sha256: string, scope: RawBuilder<SqlBool>): Promise<boolean> {
  const r = await sql<{ found: boolean }>`SELECT EXISTS (SELECT 1 FROM recording r WHERE r.original_sha256 = ${sha256} AND ${scope}) AS found`.execute(db);
  return r.rows[0]!.found;
}

/** The recordings (ids) that hold an object — as original or as one of its derived files. */
export async function recordingsOfObject(db: DbOrTx, sha256: string): Promise<string[]> {
  const r = await sql<{ id: string }>`SELECT r.id FROM recording r WHERE r.original_sha256 = ${sha256}
    OR r.original_sha256 IN (SELECT original_sha256 FROM derived_object WHERE sha256 = ${sha256}) ORDER BY r.id`.execute(db);
  return r.rows.map((x) => x.id);
}

/** The object's state before a check, to tell a new failure from a known one. */
export async function findObjectState(db: DbOrTx, sha256: string) {
  return db.selectFrom('fixity_object').select(['last_result', 'failing_since']).where('sha256', '=', sha256).executeTakeFirst();
}

export interface CheckRecord {
  target: FixityTarget;
  result: FixityResult;
  durationMs: number;
  detail: string | null;
  reason: 'schedule' | 'manual' | 'workstation';
  runId: string | null;
  at: Date;
}

/** Appends the check to the history and moves the object's latest state (creating it if it was not enrolled). */
export async function recordCheck(db: DbOrTx, c: CheckRecord): Promise<void> {
  await db
    .insertInto('fixity_check')
    .values({ sha256: c.target.sha256, kind: c.target.kind, checked_at: c.at, result: c.result, duration_ms: c.durationMs, detail: c.detail, reason: c.reason, run_id: c.runId })
    .execute();
  const failingSince = c.result === 'ok' ? sql`NULL` : sql`coalesce(fixity_object.failing_since, ${c.at})`;
  await sql`INSERT INTO fixity_object (sha256, kind, last_checked_at, last_result, last_duration_ms, failing_since)
    VALUES (${c.target.sha256}, ${c.target.kind}, ${c.at}, ${c.result}, ${c.durationMs}, ${c.result === 'ok' ? null : c.at})
    ON CONFLICT (sha256) DO UPDATE SET last_checked_at = EXCLUDED.last_checked_at, last_result = EXCLUDED.last_result,
      last_duration_ms = EXCLUDED.last_duration_ms, failing_since = ${failingSince}`.execute(db);
}

/** Which of these keys name no stored object row (original or derived): store files without rows. */
export async function keysWithoutRows(db: DbOrTx, keys: string[]): Promise<string[]> {
  if (keys.length === 0) return [];
  const r = await sql<{ k: string }>`SELECT k FROM unnest(${keys}::text[]) AS k
    WHERE NOT EXISTS (SELECT 1 FROM original WHERE sha256 = k) AND NOT EXISTS (SELECT 1 FROM derived_object WHERE sha256 = k)
    ORDER BY k`.execute(db);
  return r.rows.map((x) => x.k);
}

export interface FailingObject {
  sha256: string;
  kind: 'original' | 'derived';
  result: string;
  failingSince: Date;
  lastCheckedAt: Date;
  /** Recordings holding it, with their departments (for scoping). */
  recordings: { id: string; departmentId: string }[];
}

/** Objects whose latest check failed, oldest failure first, with the recordings they belong to. */
export async function failingObjects(db: DbOrTx, limit: number): Promise<FailingObject[]> {
  const r = await sql<{ sha256: string; kind: 'original' | 'derived'; last_result: string; failing_since: Date; last_checked_at: Date; recordings: { id: string; departmentId: string }[] | null }>`
    SELECT f.sha256, f.kind, f.last_result, f.failing_since, f.last_checked_at,
      (SELECT json_agg(json_build_object('id', r.id, 'departmentId', r.department_id) ORDER BY r.id) FROM recording r
        WHERE r.original_sha256 = f.sha256 OR r.original_sha256 IN (SELECT original_sha256 FROM derived_object d WHERE d.sha256 = f.sha256)) AS recordings
    FROM fixity_object f WHERE f.failing_since IS NOT NULL
    ORDER BY f.failing_since, f.sha256 LIMIT ${limit}`.execute(db);
  return r.rows.map((x) => ({ sha256: x.sha256, kind: x.kind, result: x.last_result, failingSince: x.failing_since, lastCheckedAt: x.last_checked_at, recordings: x.recordings ?? [] }));
}

/** How many objects are failing now. */
export async function countFailing(db: DbOrTx): Promise<number> {
  const r = await sql<{ n: string }>`SELECT count(*) AS n FROM fixity_object WHERE failing_since IS NOT NULL`.execute(db);
  return Number(r.rows[0]!.n);
}

/** How many objects have not been checked within the period (the schedule is behind when this grows). */
export async function countOverdue(db: DbOrTx, checkedBefore: Date): Promise<number> {
  const r = await sql<{ n: string }>`SELECT count(*) AS n FROM fixity_object WHERE last_checked_at IS NULL OR last_checked_at < ${checkedBefore}`.execute(db);
  return Number(r.rows[0]!.n);
}

export async function insertRun(db: DbOrTx, r: { reason: 'schedule' | 'manual'; scope: object; requestedBy: string | null; state: 'queued' | 'running' }): Promise<string> {
  const row = await db
    .insertInto('fixity_run')
    .values({ reason: r.reason, scope: JSON.stringify(r.scope), requested_by: r.requestedBy, state: r.state })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export interface RunProgress {
  state?: 'running' | 'done' | 'failed';
  total?: number;
  checked: number;
  failed: number;
  bytes: number;
  failures: unknown[];
  orphans?: unknown;
  error?: string | null;
  finished?: boolean;
}

export async function updateRun(db: DbOrTx, id: string, p: RunProgress): Promise<void> {
  await db
    .updateTable('fixity_run')
    .set({
      ...(p.state && { state: p.state }),
      ...(p.total !== undefined && { total: p.total }),
      checked: p.checked,
      failed: p.failed,
      bytes: p.bytes,
      failures: JSON.stringify(p.failures),
      ...(p.orphans !== undefined && { orphans: JSON.stringify(p.orphans) }),
      ...(p.error !== undefined && { error: p.error }),
      ...(p.finished && { finished_at: new Date() }),
    })
    .where('id', '=', id)
    .execute();
}

export function findRun(db: DbOrTx, id: string) {
  return db.selectFrom('fixity_run').selectAll().where('id', '=', id).executeTakeFirst();
}

/** When the store was last listed for orphans (by any finished pass). */
export async function lastOrphanScanAt(db: DbOrTx): Promise<Date | undefined> {
  const r = await db.selectFrom('fixity_run').select('started_at').where('orphans', 'is not', null).where('state', '=', 'done').orderBy('started_at', 'desc').limit(1).executeTakeFirst();
  return r?.started_at;
}

/** Id and username of a user (the actor of a queued pass). */
export function findUserLabel(db: DbOrTx, id: string) {
  return db.selectFrom('app_user').select(['id', 'username']).where('id', '=', id).executeTakeFirst();
}

/**
 * Removes at most `batch` routine 'ok' checks older than `keepDays` that a later check of the same object
 * supersedes, through the database's prune_fixity_checks() (0028: failures, workstation checks and each object's
 * latest check are never removed; the serving role cannot DELETE from fixity_check itself). Returns how many.
 */
export async function pruneRoutineChecks(db: DbOrTx, keepDays: number, batch: number): Promise<number> {
  const r = await sql<{ n: number }>`SELECT prune_fixity_checks(${keepDays}::int, ${batch}::int) AS n`.execute(db);
  return Number(r.rows[0]!.n);
}
