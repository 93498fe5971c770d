import { appendAuditEvent } from '../../platform/audit/audit-chain.ts';
import { actorOf, type AuthUser } from '../../platform/auth/auth-user.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError } from '../../platform/errors/error-catalog.ts';
import { hashFile, type DualDigest } from '../../platform/hashing/dual-hasher.ts';
import { enqueueJob } from '../../platform/jobs/queue.ts';
import * as repo from './recordings.repository.ts';
import { checkMetadata } from './recordings.service.ts';
import { recordingMetadata, type RecordingMetadata } from './recordings.schema.ts';
import * as uploads from './uploads.repository.ts';

/** What a finished upload became. */
export interface IngestResult {
  uploadId: string;
  state: 'stored' | 'duplicate';
  recordingId: string;
  sha256: string;
  sm3: string;
  sizeBytes: number;
}

/**
 * A file name as the recording keeps it: no control characters (NUL…), no path (../), at most 255
 * bytes; Chinese and other Unicode names are kept (NFC).
 */
export function cleanFileName(raw: string | null | undefined): string {
  const bad = (zh: string, en: string) => new AppError('FILE_NAME_INVALID', { reason: `${zh} / ${en}` }, { filename: `${zh} / ${en}` });
  if (!raw || !raw.trim()) throw bad('缺少文件名', 'missing file name');
  if (/[\u0000-\u001f\u007f]/.test(raw)) throw bad('文件名含控制字符（如 NUL）', 'file name contains control characters (such as NUL)');
  if (/[\\/]/.test(raw) || raw === '.' || raw === '..') throw bad('文件名不能包含路径（/、\\ 或 ..）', 'file name must not contain a path (/, \\ or ..)');
  const name = raw.normalize('NFC').trim();
  if (Buffer.byteLength(name) > 255) throw bad('文件名超过 255 字节', 'file name is longer than 255 bytes');
  return name;
}

/** Parses and checks the metadata of a new upload (before any byte is accepted). */
export async function prepareUpload(
  { db }: Deps,
  user: AuthUser,
  u: { id: string; size: number | undefined; metadata: Record<string, string | null | undefined> },
  maxBytes: number,
): Promise<void> {
  const fileName = cleanFileName(u.metadata.filename);
  if (u.size === undefined) throw new AppError('VALIDATION_FAILED', {}, { 'Upload-Length': 'required / 必须提供文件大小' });
  if (u.size === 0) throw new AppError('EMPTY_FILE');
  if (u.size > maxBytes) throw new AppError('UPLOAD_TOO_LARGE', { maxBytes });
  const clientSha256 = u.metadata.sha256?.toLowerCase();
  if (clientSha256 !== undefined && !/^[0-9a-f]{64}$/.test(clientSha256)) {
    throw new AppError('VALIDATION_FAILED', {}, { sha256: '64 hex characters / 须为 64 位十六进制' });
  }
  if (!u.metadata.metadata) throw new AppError('UPLOAD_METADATA_MISSING');
  let raw: unknown;
  try {
    raw = JSON.parse(u.metadata.metadata);
  } catch {
    throw new AppError('VALIDATION_FAILED', {}, { metadata: 'not JSON / 不是有效的 JSON' });
  }
  const parsed = recordingMetadata.safeParse(raw);
  if (!parsed.success) {
    const fields = Object.fromEntries(parsed.error.issues.map((i) => [i.path.join('.') || 'metadata', i.message]));
    throw new AppError('VALIDATION_FAILED', {}, fields);
  }
  await checkMetadata(db, user, parsed.data);
  await uploads.insertUpload(db, { id: u.id, uploadedBy: user.id, fileName, sizeBytes: u.size, metadata: parsed.data, clientSha256: clientSha256 ?? null });
}

/**
 * Turns a finished upload into an original and a recording (第八、十五条): hashes from the stored
 * bytes, the client's hash compared, duplicates linked instead of stored twice, the original made
 * immutable, processing queued — all recorded in the audit chain in the same transaction.
 */
export async function finishUpload(deps: Deps, user: Pick<AuthUser, 'id' | 'username'>, id: string, filePath: string, running: DualDigest | undefined): Promise<IngestResult> {
  const { db, storage } = deps;
  const up = await uploads.findUpload(db, id);
  if (!up || up.uploaded_by !== user.id) throw new AppError('UPLOAD_NOT_FOUND');
  const digest = running ?? (await hashFile(filePath));
  const actor = actorOf(user);

  if (up.client_sha256 && up.client_sha256 !== digest.sha256) {
    // Not stored as an original: the bytes are set aside for inspection.
    const keptAt = await storage.setAside(filePath, digest.sha256);
    await db.transaction().execute(async (trx) => {
      await uploads.finishUpload(trx, id, { state: 'rejected', sha256: digest.sha256, sm3: digest.sm3, errorCode: 'HASH_MISMATCH' });
      await appendAuditEvent(trx, {
        actor,
        action: 'upload.rejected',
        target: { type: 'upload', id },
        details: { reason: 'HASH_MISMATCH', fileName: up.file_name, clientSha256: up.client_sha256, sha256: digest.sha256, sm3: digest.sm3, keptAt },
      });
    });
    throw new AppError('HASH_MISMATCH', { actual: digest.sha256, expected: up.client_sha256 });
  }

  // Known content is not stored twice; new content is published under its SHA-256 (fsync, read-only).
  if (await repo.findOriginal(db, digest.sha256)) await storage.discardFile(filePath);
  else await storage.adoptFile(filePath, digest);
  const meta = up.metadata as RecordingMetadata;

  return db.transaction().execute(async (trx) => {
    const isNew = await repo.insertOriginal(trx, { sha256: digest.sha256, sm3: digest.sm3, sizeBytes: digest.size, storage: storage.kind, uploadedBy: user.id });
    const known = isNew ? undefined : await repo.findOriginal(trx, digest.sha256);
    if (known?.recording_id) {
      // Same bytes again: linked to the existing recording, not stored twice; the duplication is audited.
      await uploads.finishUpload(trx, id, { state: 'duplicate', sha256: digest.sha256, sm3: digest.sm3, recordingId: known.recording_id });
      await appendAuditEvent(trx, {
        actor,
        action: 'recording.duplicate',
        target: { type: 'recording', id: known.recording_id },
        details: { uploadId: id, fileName: up.file_name, sha256: digest.sha256, sizeBytes: digest.size },
      });
      return { uploadId: id, state: 'duplicate' as const, recordingId: known.recording_id, sha256: digest.sha256, sm3: digest.sm3, sizeBytes: digest.size };
    }
    const recordingId = await repo.insertRecording(trx, { ...meta, originalSha256: digest.sha256, fileName: up.file_name, uploadedBy: user.id });
    await uploads.finishUpload(trx, id, { state: 'stored', sha256: digest.sha256, sm3: digest.sm3, recordingId });
    await enqueueJob(trx, 'media.process', { sha256: digest.sha256 }, { dedupeKey: `media.process:${digest.sha256}` });
    await appendAuditEvent(trx, {
      actor,
      action: 'recording.create',
      target: { type: 'recording', id: recordingId },
      details: { uploadId: id, fileName: up.file_name, sha256: digest.sha256, sm3: digest.sm3, sizeBytes: digest.size, clientSha256: up.client_sha256, metadata: meta },
    });
    return { uploadId: id, state: 'stored' as const, recordingId, sha256: digest.sha256, sm3: digest.sm3, sizeBytes: digest.size };
  });
}

/** Marks an upload that failed while receiving (the partial bytes stay resumable). */
export async function recordUploadFailure(deps: Deps, user: Pick<AuthUser, 'id' | 'username'>, id: string, code: string, message: string) {
  await deps.db.transaction().execute(async (trx) => {
    await uploads.noteError(trx, id, code, message);
    await appendAuditEvent(trx, { actor: actorOf(user), action: 'upload.failed', target: { type: 'upload', id }, details: { code, message } });
  });
}
