import { sql } from 'kysely';
import type { DbOrTx } from '../../platform/db/database.ts';
import type { EventRow } from '../tlog/tlog.repository.ts';

/** All SQL of evidence packages (第十三条, issue 13 §5). */

export type PackageRow = {
  id: string;
  case_id: string | null;
  recording_ids: string[];
  grant_id: string;
  created_by: string;
  created_at: Date;
  state: 'queued' | 'building' | 'ready' | 'failed';
  bytes_total: string;
  bytes_done: string;
  file_size: string | null;
  sha256: string | null;
  checkpoint_size: string | null;
  error: string | null;
  finished_at: Date | null;
};

export async function insertPackage(db: DbOrTx, p: { caseId: string | null; recordingIds: string[]; grantId: string; by: string; bytesTotal: number }): Promise<PackageRow> {
  return (await db
    .insertInto('evidence_package')
    .values({ case_id: p.caseId, recording_ids: p.recordingIds, grant_id: p.grantId, created_by: p.by, bytes_total: p.bytesTotal })
    .returningAll()
    .executeTakeFirstOrThrow()) as PackageRow;
}

export async function findPackage(db: DbOrTx, id: string): Promise<PackageRow | undefined> {
  return (await db.selectFrom('evidence_package').selectAll().where('id', '=', id).executeTakeFirst()) as PackageRow | undefined;
}

/** The caller's packages, newest first (of one case when `caseId`). */
export async function packagesOf(db: DbOrTx, userId: string, o: { caseId?: string; limit: number }): Promise<PackageRow[]> {
  let q = db.selectFrom('evidence_package').selectAll().where('created_by', '=', userId);
  if (o.caseId) q = q.where('case_id', '=', o.caseId);
  return (await q.orderBy('created_at', 'desc').orderBy('id').limit(o.limit).execute()) as PackageRow[];
}

export async function setBuilding(db: DbOrTx, id: string, bytesTotal: number): Promise<boolean> {
  const r = await db
    .updateTable('evidence_package')
    .set({ state: 'building', bytes_done: 0, bytes_total: bytesTotal, error: null })
    .where('id', '=', id)
    .where('state', 'in', ['queued', 'building'])
    .executeTakeFirst();
  return r.numUpdatedRows > 0n;
}

export async function setProgress(db: DbOrTx, id: string, bytesDone: number): Promise<void> {
  await db.updateTable('evidence_package').set({ bytes_done: bytesDone }).where('id', '=', id).where('state', '=', 'building').execute();
}

export async function setReady(db: DbOrTx, id: string, r: { fileSize: number; sha256: string; checkpointSize: number; bytesDone: number }): Promise<void> {
  await db
    .updateTable('evidence_package')
    .set({ state: 'ready', file_size: r.fileSize, sha256: r.sha256, checkpoint_size: r.checkpointSize, bytes_done: r.bytesDone, finished_at: sql`now()` })
    .where('id', '=', id)
    .execute();
}

export async function setFailed(db: DbOrTx, id: string, error: string): Promise<void> {
  await db.updateTable('evidence_package').set({ state: 'failed', error: error.slice(0, 2000), finished_at: sql`now()` }).where('id', '=', id).execute();
}

/** The recordings linked to a case now (each once), oldest recording first. */
export async function linkedRecordingIds(db: DbOrTx, caseId: string): Promise<string[]> {
  const r = await sql<{ id: string }>`
    SELECT r.id FROM recording r
    WHERE EXISTS (SELECT 1 FROM case_recording_link l WHERE l.case_id = ${caseId} AND l.recording_id = r.id AND l.unlinked_at IS NULL)
    ORDER BY r.recorded_start, r.id`.execute(db);
  return r.rows.map((x) => x.id);
}

/** The total size of these recordings' originals. */
export async function originalsSize(db: DbOrTx, recordingIds: string[]): Promise<number> {
  const r = await sql<{ n: string | null }>`
    SELECT sum(o.size_bytes)::text AS n FROM recording r JOIN original o ON o.sha256 = r.original_sha256 WHERE r.id = ANY(${recordingIds}::uuid[])`.execute(db);
  return Number(r.rows[0]?.n ?? 0);
}

export interface ItemRow {
  id: string;
  file_name: string;
  sha256: string;
  sm3: string;
  size_bytes: string;
  recorded_start: Date;
  recorded_end: Date | null;
  device_number: string | null;
  media_kind: string | null;
  uploaded_by: string;
  uploader_name: string;
  officers: { id: string; name: string; staffNumber: string }[];
  /** 证明对象: the notes of the item's live links to the package's case (null outside a case). */
  link_notes: string[];
}

/** What the package says of each recording, in the order of `ids`. */
export async function itemFacts(db: DbOrTx, ids: string[], caseId: string | null): Promise<ItemRow[]> {
  const r = await sql<ItemRow>`
    SELECT r.id, r.file_name, r.original_sha256 AS sha256, o.sm3, o.size_bytes::text AS size_bytes, r.recorded_start, r.recorded_end,
      r.device_number, mi.kind AS media_kind, r.uploaded_by, COALESCE(up.name, u.display_name) AS uploader_name,
      COALESCE((SELECT json_agg(json_build_object('id', p.id, 'name', p.name, 'staffNumber', p.staff_number) ORDER BY p.name, p.id)
        FROM recording_officer ro JOIN person p ON p.id = ro.person_id WHERE ro.recording_id = r.id), '[]'::json) AS officers,
      COALESCE((SELECT array_agg(l.note ORDER BY l.linked_at) FROM case_recording_link l
        WHERE l.case_id = ${caseId}::uuid AND l.recording_id = r.id AND l.unlinked_at IS NULL AND l.note IS NOT NULL AND l.note <> ''), '{}') AS link_notes
    FROM recording r
    JOIN original o ON o.sha256 = r.original_sha256
    JOIN app_user u ON u.id = r.uploaded_by
    LEFT JOIN person up ON up.id = u.person_id
    LEFT JOIN media_info mi ON mi.original_sha256 = r.original_sha256
    WHERE r.id = ANY(${ids}::uuid[])`.execute(db);
  const byId = new Map(r.rows.map((x) => [x.id, x]));
  return ids.map((id) => byId.get(id)).filter((x): x is ItemRow => !!x);
}

/** The event that created the recording (its ingest: the hashes the server computed when it stored the bytes). */
export async function ingestSeq(db: DbOrTx, recordingId: string): Promise<string | undefined> {
  const r = await sql<{ seq: string }>`
    SELECT seq::text AS seq FROM audit_event
    WHERE target_type = 'recording' AND target_id = ${recordingId} AND action = 'recording.create' ORDER BY seq LIMIT 1`.execute(db);
  return r.rows[0]?.seq;
}

/** An audit event as stored (the transparency log's row shape). */
export type StoredEvent = EventRow;

/** Audit events by sequence number, as stored. */
export async function eventsBySeq(db: DbOrTx, seqs: string[]): Promise<StoredEvent[]> {
  if (!seqs.length) return [];
  const r = await sql<StoredEvent>`
    SELECT seq::text AS seq, at, actor_id, actor_label, action, target_type, target_id, details, prev_hash, hash
    FROM audit_event WHERE seq = ANY(${seqs}::bigint[]) ORDER BY seq`.execute(db);
  return r.rows;
}

/** The grant a package was made under, with its request and approver. */
export async function grantFacts(db: DbOrTx, grantId: string) {
  const r = await sql<{ request_id: string; decided_at: Date | null; created_at: Date; approver_name: string | null }>`
    SELECT g.request_id, q.decided_at, g.created_at, COALESCE(ap.name, a.display_name) AS approver_name
    FROM access_grant g JOIN access_request q ON q.id = g.request_id
    LEFT JOIN app_user a ON a.id = COALESCE(g.approved_by, q.decided_by)
    LEFT JOIN person ap ON ap.id = a.person_id
    WHERE g.id = ${grantId}`.execute(db);
  return r.rows[0];
}

/** A case's identity for the package: number, title parts, procedure, and its archive record if archived. */
export async function caseFacts(db: DbOrTx, caseId: string) {
  const c = await db.selectFrom('enforcement_case').select(['id', 'case_number', 'cause', 'procedure']).where('id', '=', caseId).executeTakeFirst();
  if (!c) return undefined;
  const parties = await db.selectFrom('case_party').select('name').where('case_id', '=', caseId).orderBy('position').execute();
  const archive = await db.selectFrom('case_archive').select(['archive_number', 'dossier_code', 'build_id']).where('case_id', '=', caseId).executeTakeFirst();
  return { ...c, parties: parties.map((p) => p.name), archive };
}

/** The case file PDF a package carries: the archived build, else the latest build. */
export async function caseFilePdf(db: DbOrTx, caseId: string, archivedBuildId: string | null) {
  let q = db.selectFrom('case_file_build').select(['id', 'sha256', 'final']).where('case_id', '=', caseId);
  q = archivedBuildId ? q.where('id', '=', archivedBuildId) : q.orderBy('built_at', 'desc').orderBy('id', 'desc');
  return q.limit(1).executeTakeFirst();
}

export async function userName(db: DbOrTx, userId: string): Promise<{ id: string; username: string; name: string } | undefined> {
  const r = await sql<{ id: string; username: string; name: string }>`
    SELECT u.id, u.username, COALESCE(p.name, u.display_name) AS name FROM app_user u LEFT JOIN person p ON p.id = u.person_id WHERE u.id = ${userId}`.execute(db);
  return r.rows[0];
}
