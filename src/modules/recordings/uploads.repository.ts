import type { DbOrTx } from '../../platform/db/database.ts';
import { sql } from 'kysely';

export interface UploadRow {
  id: string;
  uploaded_by: string;
  file_name: string;
  size_bytes: string;
  metadata: unknown;
  state: 'receiving' | 'stored' | 'duplicate' | 'rejected';
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

export async function finishUpload(
  db: DbOrTx,
  id: string,
  f: { state: 'stored' | 'duplicate' | 'rejected'; sha256: string; sm3: string; recordingId?: string; errorCode?: string },
) {
  await sql`UPDATE upload SET state = ${f.state}, sha256 = ${f.sha256}, sm3 = ${f.sm3}, recording_id = ${f.recordingId ?? null},
    error_code = ${f.errorCode ?? null}, finished_at = now() WHERE id = ${id}`.execute(db);
}

export async function noteError(db: DbOrTx, id: string, code: string, message: string) {
  await sql`UPDATE upload SET error_code = ${code}, error_message = ${message.slice(0, 1000)} WHERE id = ${id}`.execute(db);
}

/** Uploads still receiving that were created before `before` (candidates for the sweeper). */
export async function receivingUploads(db: DbOrTx, before: Date, limit = 200) {
  const r = await sql<UploadRow & { username: string }>`SELECT upload.*, u.username FROM upload JOIN app_user u ON u.id = upload.uploaded_by
    WHERE upload.state = 'receiving' AND upload.created_at < ${before} ORDER BY upload.created_at LIMIT ${limit}`.execute(db);
  return r.rows;
}

export async function expireUpload(db: DbOrTx, id: string) {
  await sql`UPDATE upload SET state = 'rejected', error_code = 'EXPIRED', finished_at = now() WHERE id = ${id} AND state = 'receiving'`.execute(db);
}
