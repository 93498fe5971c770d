import type { DbOrTx } from '../../platform/db/database.ts';
import { sql } from 'kysely';

export type UploadState = 'receiving' | 'stored' | 'duplicate' | 'rejected' | 'cancelled';

export interface UploadRow {
  id: string;
  uploaded_by: string;
  file_name: string;
  size_bytes: string;
  metadata: unknown;
  state: UploadState;
  sha256: string | null;
  sm3: string | null;
  client_sha256: string | null;
  recording_id: string | null;
  error_code: string | null;
  error_message: string | null;
  created_at: Date;
  finished_at: Date | null;
}

export async function insertUpload(
  db: DbOrTx,
  u: { id: string; uploadedBy: string; fileName: string; sizeBytes: number; metadata: unknown; clientSha256: string | null },
) {
  await sql`INSERT INTO upload (id, uploaded_by, file_name, size_bytes, metadata, client_sha256)
    VALUES (${u.id}, ${u.uploadedBy}, ${u.fileName}, ${u.sizeBytes}, ${JSON.stringify(u.metadata)}, ${u.clientSha256})`.execute(db);
}

export async function findUpload(db: DbOrTx, id: string): Promise<UploadRow | undefined> {
  return (await sql<UploadRow>`SELECT * FROM upload WHERE id = ${id}`.execute(db)).rows[0];
}

/** The upload row, locked until the transaction ends: one finisher (or canceller) at a time, in any process. */
export async function lockUpload(db: DbOrTx, id: string): Promise<UploadRow | undefined> {
  return (await sql<UploadRow>`SELECT * FROM upload WHERE id = ${id} FOR UPDATE`.execute(db)).rows[0];
}

export async function finishUpload(
  db: DbOrTx,
  id: string,
  f: { state: 'stored' | 'duplicate' | 'rejected'; sha256: string | null; sm3: string | null; recordingId?: string | null; errorCode?: string; errorMessage?: string },
) {
  await sql`UPDATE upload SET state = ${f.state}, sha256 = ${f.sha256}, sm3 = ${f.sm3}, recording_id = ${f.recordingId ?? null},
    error_code = ${f.errorCode ?? null}, error_message = ${f.errorMessage?.slice(0, 1000) ?? null}, finished_at = now() WHERE id = ${id}`.execute(db);
}

/** Ends an upload its owner terminated (tus DELETE). */
export async function cancelUpload(db: DbOrTx, id: string) {
  await sql`UPDATE upload SET state = 'cancelled', finished_at = now() WHERE id = ${id} AND state = 'receiving'`.execute(db);
}

/** Notes why the last attempt failed on an upload still receiving; false when it is no longer receiving. */
export async function noteError(db: DbOrTx, id: string, code: string, message: string): Promise<boolean> {
  const r = await sql`UPDATE upload SET error_code = ${code}, error_message = ${message.slice(0, 1000)} WHERE id = ${id} AND state = 'receiving'`.execute(db);
  return Number(r.numAffectedRows ?? 0) > 0;
}

/** Uploads still receiving that were created before `before` (candidates for the sweeper). */
export async function receivingUploads(db: DbOrTx, before: Date, limit = 200) {
  const r = await sql<UploadRow & { username: string }>`SELECT upload.*, u.username FROM upload JOIN app_user u ON u.id = upload.uploaded_by
    WHERE upload.state = 'receiving' AND upload.created_at < ${before} ORDER BY upload.created_at LIMIT ${limit}`.execute(db);
  return r.rows;
}

/** The state of each of these uploads that has a row. */
export async function statesOf(db: DbOrTx, ids: readonly string[]): Promise<Map<string, UploadState>> {
  if (!ids.length) return new Map();
  const r = await sql<{ id: string; state: UploadState }>`SELECT id, state FROM upload WHERE id = ANY(${ids as string[]}::text[])`.execute(db);
  return new Map(r.rows.map((x) => [x.id, x.state]));
}

export async function expireUpload(db: DbOrTx, id: string) {
  await sql`UPDATE upload SET state = 'rejected', error_code = 'EXPIRED', finished_at = now() WHERE id = ${id} AND state = 'receiving'`.execute(db);
}

/** The account behind an upload, as the access decision needs it (for finishes the sweeper makes). */
export async function findUploader(db: DbOrTx, userId: string) {
  return (
    await sql<{ id: string; username: string; display_name: string; roles: string[]; department_id: string | null; person_id: string | null }>`
      SELECT id, username, display_name, roles, department_id, person_id FROM app_user WHERE id = ${userId}`.execute(db)
  ).rows[0];
}
