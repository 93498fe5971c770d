import { appendAuditEvent, type Actor } from '../../platform/audit/audit-chain.ts';
import { actorOf, type AuthUser } from '../../platform/auth/auth-user.ts';
import { permissionsOf, type Role } from '../../platform/auth/permissions.ts';
import type { DbOrTx } from '../../platform/db/database.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError } from '../../platform/errors/error-catalog.ts';
import { unsafeTextProblem } from '../../platform/http/safe-text.ts';
import { checkMetadata } from '../recordings/recordings.service.ts';
import { checkRecordingTimes } from '../recordings/recording-times.ts';
import { issueFields } from '../../platform/http/zod-messages.ts';
import { recordingMetadata } from '../recordings/recordings.schema.ts';
import * as uploads from './uploads.repository.ts';

/**
 * A file name as the recording keeps it: no control, direction-override or zero-width characters, no
 * path (../), at most 255 bytes; Chinese and other Unicode names are kept (NFC).
 */
export function cleanFileName(raw: string | null | undefined): string {
  const bad = (zh: string, en: string) => new AppError('FILE_NAME_INVALID', { reason: `${zh} / ${en}` }, { filename: `${zh} / ${en}` });
  if (!raw || !raw.trim()) throw bad('缺少文件名', 'missing file name');
  if (/[\u0000-\u001f\u007f]/.test(raw)) throw bad('文件名含控制字符（如 NUL）', 'file name contains control characters (such as NUL)');
  // Direction overrides (`evil\u202Egpj.exe` shows as "evilexe.jpg"), zero-width and C1 characters (issue 6 item 17).
  const problem = unsafeTextProblem(raw);
  if (problem) throw bad(`文件名${problem.zh}`, `the file name ${problem.en}`);
  if (/[\\/]/.test(raw) || raw === '.' || raw === '..') throw bad('文件名不能包含路径（/、\\ 或 ..）', 'file name must not contain a path (/, \\ or ..)');
  const name = raw.normalize('NFC').trim();
  if (Buffer.byteLength(name) > 255) throw bad('文件名超过 255 字节', 'file name is longer than 255 bytes');
  return name;
}

/** Parses and checks the metadata of a new upload (before any byte is accepted). */
export async function prepareUpload(
  { db, config }: Deps,
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
    const fields = issueFields(parsed.error.issues, 'metadata');
    throw new AppError('VALIDATION_FAILED', {}, fields);
  }
  const { clockAhead } = checkRecordingTimes(parsed.data, config.clockToleranceMinutes);
  await checkMetadata(db, user, parsed.data);
  const sizeBytes = u.size;
  await db.transaction().execute(async (trx) => {
    await uploads.insertUpload(trx, { id: u.id, uploadedBy: user.id, fileName, sizeBytes, metadata: parsed.data, clientSha256: clientSha256 ?? null });
    await appendAuditEvent(trx, {
      actor: actorOf(user),
      action: 'upload.create',
      target: { type: 'upload', id: u.id },
      details: { fileName, sizeBytes, clientSha256: clientSha256 ?? null, departmentId: parsed.data.departmentId, ...(clockAhead && { clockAhead }) },
    });
  });
}

/** Whose upload an account is, as the access decision sees it (for finishes the sweeper makes). */
export async function uploaderOf(db: DbOrTx, userId: string): Promise<AuthUser | undefined> {
  const u = await uploads.findUploader(db, userId);
  if (!u) return undefined;
  return {
    id: u.id,
    username: u.username,
    displayName: u.display_name,
    roles: u.roles as Role[],
    departmentId: u.department_id,
    personId: u.person_id,
    permissions: permissionsOf(u.roles),
    via: 'token',
  };
}

/**
 * Ends an upload its owner terminates (tus DELETE): recorded as cancelled and audited first, then the
 * route lets tus remove the bytes. A finished upload cannot be cancelled (its recording exists).
 */
export async function cancelUpload({ db }: Deps, user: Pick<AuthUser, 'id' | 'username'>, id: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const up = await uploads.lockUpload(trx, id);
    if (!up || up.uploaded_by !== user.id) throw new AppError('UPLOAD_NOT_FOUND');
    if (up.state === 'cancelled') return;
    if (up.state !== 'receiving') throw new AppError('UPLOAD_ALREADY_FINISHED');
    await uploads.cancelUpload(trx, id);
    await appendAuditEvent(trx, {
      actor: actorOf(user),
      action: 'upload.cancelled',
      target: { type: 'upload', id },
      details: { fileName: up.file_name, sizeBytes: Number(up.size_bytes) },
    });
  });
}

/** Notes a failed attempt on an upload still receiving (the bytes stay resumable); audited. */
export async function recordUploadFailure(deps: Deps, actor: Actor, id: string, code: string, message: string) {
  await deps.db.transaction().execute(async (trx) => {
    if (!(await uploads.noteError(trx, id, code, message))) return;
    await appendAuditEvent(trx, { actor, action: 'upload.failed', target: { type: 'upload', id }, details: { code, message } });
  });
}

/** An upload as its owner may see it; someone else's upload does not exist for them (no probing of ids). */
export async function ownUpload({ db }: Pick<Deps, 'db'>, user: Pick<AuthUser, 'id'>, id: string): Promise<uploads.UploadRow> {
  const up = await uploads.findUpload(db, id);
  if (!up || up.uploaded_by !== user.id) throw new AppError('UPLOAD_NOT_FOUND');
  return up;
}

/** What an upload became, for its owner (GET /api/upload-results/:id). */
export async function uploadResult(deps: Pick<Deps, 'db'>, user: Pick<AuthUser, 'id'>, id: string) {
  const up = await ownUpload(deps, user, id);
  return {
    id: up.id,
    state: up.state,
    fileName: up.file_name,
    sizeBytes: Number(up.size_bytes),
    recordingId: up.recording_id,
    sha256: up.sha256,
    sm3: up.sm3,
    errorCode: up.error_code,
  };
}

/** The size of an upload that ended stored or as a duplicate (tus answers HEAD of such an upload from it). */
export async function finishedSize({ db }: Pick<Deps, 'db'>, id: string): Promise<{ sizeBytes: number } | undefined> {
  const up = await uploads.findUpload(db, id);
  return up && (up.state === 'stored' || up.state === 'duplicate') ? { sizeBytes: Number(up.size_bytes) } : undefined;
}
