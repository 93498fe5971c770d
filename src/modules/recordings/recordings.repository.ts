import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { DbOrTx } from '../../platform/db/database.ts';
import type { RecordingPatch, RecordingQuery } from './recordings.schema.ts';

export interface NewOriginal {
  sha256: string;
  sm3: string;
  sizeBytes: number;
  storage: string;
  uploadedBy: string;
}

/** Records an original; returns false when that content was already known (a duplicate). */
export async function insertOriginal(db: DbOrTx, o: NewOriginal): Promise<boolean> {
  const r = await sql`INSERT INTO original (sha256, sm3, size_bytes, storage, first_uploaded_by)
    VALUES (${o.sha256}, ${o.sm3}, ${o.sizeBytes}, ${o.storage}, ${o.uploadedBy})
    ON CONFLICT (sha256) DO NOTHING`.execute(db);
  return Number(r.numAffectedRows ?? 0) === 1;
}

export function findOriginal(db: DbOrTx, sha256: string) {
  return sql<{ sha256: string; sm3: string; size_bytes: string; stored_at: Date; recording_id: string | null }>`
    SELECT o.sha256, o.sm3, o.size_bytes, o.stored_at, r.id AS recording_id
    FROM original o LEFT JOIN recording r ON r.original_sha256 = o.sha256 WHERE o.sha256 = ${sha256}`
    .execute(db)
    .then((r) => r.rows[0]);
}

export interface NewRecording {
  originalSha256: string;
  fileName: string;
  uploadedBy: string;
  departmentId: string;
  deviceNumber?: string | null;
  officerIds: string[];
  recordedStart: string;
  recordedEnd?: string | null;
  activity: string;
  party?: string | null;
  caseName?: string | null;
  caseNumber?: string | null;
  location?: string | null;
  partyInformed: string;
  partyInformedReason?: string | null;
  notes?: string | null;
}

export async function insertRecording(db: DbOrTx, r: NewRecording): Promise<string> {
  const res = await sql<{ id: string }>`
    INSERT INTO recording (original_sha256, file_name, uploaded_by, department_id, device_number, recorded_start, recorded_end,
      activity, party, case_name, case_number, location, party_informed, party_informed_reason, notes)
    VALUES (${r.originalSha256}, ${r.fileName}, ${r.uploadedBy}, ${r.departmentId}, ${r.deviceNumber ?? null}, ${r.recordedStart},
      ${r.recordedEnd ?? null}, ${r.activity}, ${r.party ?? null}, ${r.caseName ?? null}, ${r.caseNumber ?? null}, ${r.location ?? null},
      ${r.partyInformed}, ${r.partyInformedReason ?? null}, ${r.notes ?? null})
    RETURNING id`.execute(db);
  const id = res.rows[0]!.id;
  await setOfficers(db, id, r.officerIds);
  await sql`INSERT INTO media_info (original_sha256) VALUES (${r.originalSha256}) ON CONFLICT DO NOTHING`.execute(db);
  return id;
}

export async function setOfficers(db: DbOrTx, recordingId: string, officerIds: string[]) {
  await sql`DELETE FROM recording_officer WHERE recording_id = ${recordingId}`.execute(db);
  for (const personId of new Set(officerIds)) {
    await sql`INSERT INTO recording_officer (recording_id, person_id) VALUES (${recordingId}, ${personId})`.execute(db);
  }
}

const columnOf: Record<string, string> = {
  departmentId: 'department_id',
  deviceNumber: 'device_number',
  recordedStart: 'recorded_start',
  recordedEnd: 'recorded_end',
  activity: 'activity',
  party: 'party',
  caseName: 'case_name',
  caseNumber: 'case_number',
  location: 'location',
  partyInformed: 'party_informed',
  partyInformedReason: 'party_informed_reason',
  notes: 'notes',
};

/** Updates descriptive metadata only; the identity columns are guarded by a trigger as well. */
export async function updateMetadata(db: DbOrTx, id: string, patch: RecordingPatch) {
  const sets = Object.entries(patch)
    .filter(([k, v]) => v !== undefined && columnOf[k])
    .map(([k, v]) => sql`${sql.ref(columnOf[k]!)} = ${v as string | null}`);
  if (sets.length) await sql`UPDATE recording SET ${sql.join([...sets, sql`updated_at = now()`])} WHERE id = ${id}`.execute(db);
  if (patch.officerIds) await setOfficers(db, id, patch.officerIds);
}

/** The columns of a recording as the API shows it (one row per recording, officers aggregated). */
const selectRecording = sql`
  SELECT r.id, r.file_name, r.department_id, d.name AS department_name, r.device_number, r.recorded_start, r.recorded_end,
    r.uploaded_at, r.uploaded_by, u.username AS uploaded_by_username, r.activity, r.party, r.case_name, r.case_number, r.location,
    r.party_informed, r.party_informed_reason, r.notes, r.late_offload, r.offload_deadline, r.original_sha256, o.sm3, o.size_bytes, o.stored_at,
    m.state AS media_state, m.kind AS media_kind, m.duration_sec, m.width, m.height, m.video_codec, m.audio_codec, m.creation_time,
    m.proxy_sha256, m.thumbnail_sha256, m.error AS media_error,
    coalesce((SELECT json_agg(json_build_object('id', p.id, 'name', p.name, 'staffNumber', p.staff_number) ORDER BY p.staff_number)
      FROM recording_officer ro JOIN person p ON p.id = ro.person_id WHERE ro.recording_id = r.id), '[]') AS officers
  FROM recording r
  JOIN department d ON d.id = r.department_id
  JOIN app_user u ON u.id = r.uploaded_by
  JOIN original o ON o.sha256 = r.original_sha256
  LEFT JOIN media_info m ON m.original_sha256 = r.original_sha256`;

export interface RecordingRow {
  id: string;
  file_name: string;
  department_id: string;
  department_name: string;
  device_number: string | null;
  recorded_start: Date;
  recorded_end: Date | null;
  uploaded_at: Date;
  uploaded_by: string;
  uploaded_by_username: string;
  activity: string;
  party: string | null;
  case_name: string | null;
  case_number: string | null;
  location: string | null;
  party_informed: string;
  party_informed_reason: string | null;
  notes: string | null;
  late_offload: boolean;
  offload_deadline: Date;
  original_sha256: string;
  sm3: string;
  size_bytes: string;
  stored_at: Date;
  media_state: string | null;
  media_kind: string | null;
  duration_sec: number | null;
  width: number | null;
  height: number | null;
  video_codec: string | null;
  audio_codec: string | null;
  creation_time: Date | null;
  proxy_sha256: string | null;
  thumbnail_sha256: string | null;
  media_error: string | null;
  officers: { id: string; name: string; staffNumber: string }[];
}

export async function findRecording(db: DbOrTx, id: string): Promise<RecordingRow | undefined> {
  return (await sql<RecordingRow>`${selectRecording} WHERE r.id = ${id}`.execute(db)).rows[0];
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** What a search is limited to: the access filter over `r` (from the access decision point); none = all. */
export interface SearchScope {
  scope?: RawBuilder<SqlBool>;
}

/** The WHERE conditions of a search (also used by the benchmark's EXPLAIN). */
export function searchConditions(f: RecordingQuery & SearchScope) {
  const w = [sql<SqlBool>`true`];
  if (f.scope) w.push(f.scope);
  if (f.departmentId) w.push(sql`r.department_id = ${f.departmentId}`);
  if (f.deviceNumber) w.push(sql`r.device_number = ${f.deviceNumber}`);
  if (f.officerId) w.push(sql`EXISTS (SELECT 1 FROM recording_officer ro WHERE ro.recording_id = r.id AND ro.person_id = ${f.officerId})`);
  if (f.activity) w.push(sql`r.activity = ${f.activity}`);
  if (f.processingState) {
    w.push(sql`EXISTS (SELECT 1 FROM media_info m WHERE m.original_sha256 = r.original_sha256 AND m.state = ${f.processingState})`);
  }
  if (f.from) w.push(sql`r.recorded_start >= ${f.from}`);
  if (f.to) w.push(sql`r.recorded_start < ${f.to}`);
  if (f.uploadedFrom) w.push(sql`r.uploaded_at >= ${f.uploadedFrom}`);
  if (f.uploadedTo) w.push(sql`r.uploaded_at < ${f.uploadedTo}`);
  if (f.ids) w.push(f.ids.length ? sql`r.id = ANY(${f.ids}::uuid[])` : sql`false`);
  if (f.party) w.push(sql`r.party ILIKE ${`%${escapeLike(f.party)}%`}`);
  if (f.caseName) w.push(sql`r.case_name ILIKE ${`%${escapeLike(f.caseName)}%`}`);
  if (f.q) {
    // The bigram index narrows the candidates; ILIKE confirms the exact substring.
    if (f.q.length >= 2) w.push(sql`r.search_bigrams @> text_bigrams(${f.q})`);
    w.push(sql`r.search_text ILIKE ${`%${escapeLike(f.q)}%`}`);
  }
  return w;
}

/** Newest rows a text search first looks through before it asks the bigram index (see below). */
const TEXT_PROBE_ROWS = 5_000;

/**
 * Newest first by recording start (or upload time), keyset-paged on (time, id).
 *
 * A text search for a common word (a frequent name, "拒绝签字") matches tens of thousands of rows; the
 * planner cannot see that (it multiplies bigram frequencies as if independent) and would fetch them all
 * through the bigram index. So a text search first filters only the newest TEXT_PROBE_ROWS candidates
 * (by the time index); when that already fills the page, the page is exact — the newest matches — and
 * only a rarer word falls through to the index.
 */
export async function searchRecordings(db: DbOrTx, f: RecordingQuery & SearchScope & { after?: [string, string] }) {
  const col = f.sort === 'uploadedAt' ? sql.ref('r.uploaded_at') : sql.ref('r.recorded_start');
  const keyset = f.after ? [sql<SqlBool>`(${col}, r.id) < (${f.after[0]}::timestamptz, ${f.after[1]}::uuid)`] : [];
  const page = async (idsQuery: ReturnType<typeof sql>) =>
    (
      await sql<RecordingRow>`WITH page AS (${idsQuery})
        ${selectRecording} WHERE r.id IN (SELECT id FROM page) ORDER BY ${col} DESC, r.id DESC`.execute(db)
    ).rows;
  const all = [...searchConditions(f), ...keyset];
  if (f.q) {
    const nonText = [...searchConditions({ ...f, q: undefined }), ...keyset];
    const probe = await page(sql`
      SELECT id FROM (SELECT r.id, r.search_text, ${col} AS t FROM recording r WHERE ${sql.join(nonText, sql` AND `)}
        ORDER BY ${col} DESC, r.id DESC LIMIT ${TEXT_PROBE_ROWS}) newest
      WHERE newest.search_text ILIKE ${`%${escapeLike(f.q)}%`} ORDER BY t DESC, id DESC LIMIT ${f.limit + 1}`);
    if (probe.length > f.limit) return probe;
  }
  // Filter, sort and cut the page on the recording table alone; join the display columns for that page only.
  return page(sql`SELECT r.id FROM recording r WHERE ${sql.join(all, sql` AND `)} ORDER BY ${col} DESC, r.id DESC LIMIT ${f.limit + 1}`);
}

/**
 * An original and the earliest recording of it that `scope` (the access filter over `r`) allows; undefined
 * when no such recording exists, so the answer says nothing about content held only for others.
 */
export async function findOriginalInScope(db: DbOrTx, sha256: string, scope: RawBuilder<SqlBool>) {
  const r = await sql<{ sha256: string; sm3: string; size_bytes: string; recording_id: string }>`
    SELECT o.sha256, o.sm3, o.size_bytes, r.id AS recording_id
    FROM original o JOIN recording r ON r.original_sha256 = o.sha256
    WHERE o.sha256 = ${sha256} AND ${scope}
    ORDER BY r.uploaded_at, r.id LIMIT 1`.execute(db);
  return r.rows[0];
}

export interface TimeCorrectionRow {
  id: string;
  field: 'recordedStart' | 'recordedEnd';
  before: Date | null;
  after: Date | null;
  reason: string;
  corrected_by: string;
  corrected_by_username: string;
  corrected_at: Date;
}

/** Records a correction of a recording's start or end (append-only). */
export async function insertTimeCorrection(
  db: DbOrTx,
  c: { recordingId: string; field: 'recordedStart' | 'recordedEnd'; before: Date | string | null; after: Date | string | null; reason: string; by: string },
) {
  await db
    .insertInto('recording_time_correction')
    .values({ recording_id: c.recordingId, field: c.field, before: c.before, after: c.after, reason: c.reason, corrected_by: c.by })
    .execute();
}

/** A recording's time corrections, oldest first. */
export async function listTimeCorrections(db: DbOrTx, recordingId: string): Promise<TimeCorrectionRow[]> {
  return db
    .selectFrom('recording_time_correction as c')
    .innerJoin('app_user as u', 'u.id', 'c.corrected_by')
    .select(['c.id', 'c.field', 'c.before', 'c.after', 'c.reason', 'c.corrected_by', 'u.username as corrected_by_username', 'c.corrected_at'])
    .where('c.recording_id', '=', recordingId)
    .orderBy('c.corrected_at')
    .orderBy('c.id')
    .execute();
}

/** An original as recorded (no recording joined: several recordings may share it). */
export async function findOriginalRow(db: DbOrTx, sha256: string) {
  return (await sql<{ sha256: string; sm3: string; size_bytes: string }>`SELECT sha256, sm3, size_bytes FROM original WHERE sha256 = ${sha256}`.execute(db)).rows[0];
}

/** Serialises, until the transaction ends, everything that decides what a piece of content becomes. */
export async function lockContent(db: DbOrTx, sha256: string) {
  await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`original:${sha256}`}, 0))`.execute(db);
}

/** The recording of this original in this department, if there is one (at most one: see migration 0003). */
export async function findRecordingOfOriginal(db: DbOrTx, sha256: string, departmentId: string) {
  return (
    await sql<{ id: string }>`SELECT id FROM recording WHERE original_sha256 = ${sha256} AND department_id = ${departmentId}`.execute(db)
  ).rows[0];
}

/** Those of these recordings whose bytes an approved disposal destroyed (第十一条), oldest disposal first. */
export async function disposedAmong(db: DbOrTx, ids: readonly string[]): Promise<{ id: string; file_name: string; disposed_at: Date }[]> {
  if (!ids.length) return [];
  return db
    .selectFrom('recording_retention as rr')
    .innerJoin('recording as r', 'r.id', 'rr.recording_id')
    .select(['r.id', 'r.file_name', 'rr.disposed_at'])
    .where('rr.recording_id', 'in', [...ids])
    .where('rr.disposed_at', 'is not', null)
    .orderBy('rr.disposed_at')
    .execute() as Promise<{ id: string; file_name: string; disposed_at: Date }[]>;
}
