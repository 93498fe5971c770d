import { stat } from 'node:fs/promises';
import { appendAuditEvent, type Actor } from '../../platform/audit/audit-chain.ts';
import { actorOf, type AuthUser } from '../../platform/auth/auth-user.ts';
import type { Tx } from '../../platform/db/database.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError } from '../../platform/errors/error-catalog.ts';
import { hashFile, type DualDigest } from '../../platform/hashing/dual-hasher.ts';
import { enqueueJob } from '../../platform/jobs/queue.ts';
import type { VerifyResult } from '../../platform/storage/object-store.ts';
import { isAllowed } from '../access/access.service.ts';
import * as repo from '../recordings/recordings.repository.ts';
import type { RecordingMetadata } from '../recordings/recordings.schema.ts';
import { checkMetadata } from '../recordings/recordings.service.ts';
import type { UploadFolder } from './upload-store.ts';
import * as uploads from './uploads.repository.ts';

/** What a finished upload became. `recordingId` is null only for a duplicate the uploader may not read. */
export interface IngestResult {
  uploadId: string;
  state: 'stored' | 'duplicate';
  recordingId: string | null;
  sha256: string;
  sm3: string;
  sizeBytes: number;
}

/** Who finishes an upload: its owner (whose rights NOW decide what it becomes) and the audit actor. */
export interface Finisher {
  uploader: AuthUser;
  /** The uploader when their request finishes it; the sweeper job when it does. */
  actor: Actor;
}

/**
 * Points of the finishing step where a crash test stops the process (Deps.faults):
 * `finish.hashed` — every byte is in and hashed, nothing else done;
 * `finish.published` — the object has its name, the database transaction is open (not committed);
 * `finish.committed` — the rows are committed, the upload's own files not yet removed.
 */
export type FinishPoint = 'finish.hashed' | 'finish.published' | 'finish.committed';

const reach = (deps: Deps, point: FinishPoint) => deps.faults?.reach(point);

/** Another finisher published the same content between our check and our publish: check again. */
class LostRace extends Error {}

/** Finishes in progress in this process, so a second caller waits for the first instead of racing it. */
const inFlight = new Map<string, Promise<IngestResult>>();

/**
 * Finishes an upload at most once at a time in this process: a concurrent caller (a second PATCH, the
 * HEAD that noticed a complete upload, the sweeper) gets the same result. Across processes the upload
 * row lock (finishUpload) keeps the outcome single.
 */
export function finishUploadOnce(deps: Deps, by: Finisher, id: string, folder: UploadFolder, running?: DualDigest): Promise<IngestResult> {
  const pending = inFlight.get(id);
  if (pending) return pending;
  const p = finishUpload(deps, by, id, folder, running).finally(() => inFlight.delete(id));
  inFlight.set(id, p);
  return p;
}

/** True while this process is finishing the upload. */
export const isFinishing = (id: string) => inFlight.has(id);

/**
 * Turns an upload whose bytes have all arrived into an original and a recording (第八、十、十五条).
 *
 * Crash-safe at every instant: the upload's file stays until the database has the rows; the object is
 * published as a second hard link of it (never moved), last inside the transaction, so the rows were
 * accepted before any object gets a name; an object found under that name (published by an interrupted
 * attempt, or damaged) is re-hashed before it is relied on. A retry — an empty PATCH, the HEAD of a
 * complete upload, the sweeper — therefore always finishes it. Idempotent: a finished upload answers
 * with its recorded result.
 *
 * Refusals that a retry cannot change (hash mismatch, metadata the uploader may no longer file, data the
 * database refuses) end the upload as rejected, bytes kept aside, audited — never `receiving` forever.
 * Anything else (database or disk unavailable) leaves it receiving and resumable.
 */
export async function finishUpload(deps: Deps, by: Finisher, id: string, folder: UploadFolder, running?: DualDigest): Promise<IngestResult> {
  const up = await uploads.findUpload(deps.db, id);
  if (!up || up.uploaded_by !== by.uploader.id) throw new AppError('UPLOAD_NOT_FOUND');
  if (up.state !== 'receiving') return settled(up, folder);
  let digest: DualDigest | undefined;
  try {
    digest = running ?? (await hashFile(folder.filePath(id)));
    await reach(deps, 'finish.hashed');
    if (up.client_sha256 && up.client_sha256 !== digest.sha256) {
      throw new AppError('HASH_MISMATCH', { actual: digest.sha256, expected: up.client_sha256 });
    }
    return await storeAndRecord(deps, by, up, folder, digest);
  } catch (e) {
    if (digest && isFinal(e) && (await rejectUpload(deps, by.actor, up, folder, digest, e))) {
      // Data the database refused slipped past validation: a clear 4xx to the client, the cause kept for the log.
      throw e instanceof AppError ? e : Object.assign(new AppError('UPLOAD_REJECTED', { reason: codeOf(e) }), { cause: e });
    }
    // Another process may have finished it meanwhile (and removed the file we were reading): its result stands.
    const now = await uploads.findUpload(deps.db, id).catch(() => undefined);
    if (now && now.state !== 'receiving') return settled(now, folder);
    throw e;
  }
}

async function storeAndRecord(deps: Deps, by: Finisher, up: uploads.UploadRow, folder: UploadFolder, digest: DualDigest): Promise<IngestResult> {
  for (let attempt = 1; ; attempt++) {
    // The object under this name, checked fresh: never adopted, and never counted as a duplicate, on its name alone.
    const found = (await deps.storage.exists(digest.sha256)) ? await deps.storage.verify(digest.sha256, { expectedSm3: digest.sm3 }) : undefined;
    try {
      const r = await deps.db.transaction().execute((trx) => record(trx, deps, by, up.id, folder, digest, found));
      if ('settledRow' in r) return settled(r.settledRow, folder);
      await reach(deps, 'finish.committed');
      await folder.remove(up.id);
      return r;
    } catch (e) {
      if (e instanceof LostRace && attempt < 3) continue;
      throw e;
    }
  }
}

/**
 * The rows, then the object. One recording per original and department (migration 0003): the same bytes
 * uploaded into another department become that department's own recording linked to the same original —
 * whoever uploaded first does not decide who holds the evidence — and into the same department a duplicate
 * of the recording there (its id returned only when the uploader may read it).
 */
async function record(
  trx: Tx,
  deps: Deps,
  by: Finisher,
  id: string,
  folder: UploadFolder,
  digest: DualDigest,
  found: VerifyResult | undefined,
): Promise<IngestResult | { settledRow: uploads.UploadRow }> {
  const row = await uploads.lockUpload(trx, id);
  if (!row || row.state !== 'receiving') return { settledRow: row! };
  await repo.lockContent(trx, digest.sha256);
  const meta = row.metadata as RecordingMetadata;
  // The uploader's rights when the recording is made, not only when the upload began (第七条 officers too).
  await checkMetadata(trx, by.uploader, meta);
  const known = await repo.findOriginalRow(trx, digest.sha256);
  if (known && (known.sm3 !== digest.sm3 || Number(known.size_bytes) !== digest.size)) throw new AppError('ORIGINAL_MISMATCH');
  if (!known) await repo.insertOriginal(trx, { sha256: digest.sha256, sm3: digest.sm3, sizeBytes: digest.size, storage: deps.storage.kind, uploadedBy: by.uploader.id });
  const hashes = { sha256: digest.sha256, sm3: digest.sm3 };
  const facts = { uploadId: id, fileName: row.file_name, ...hashes, sizeBytes: digest.size, clientSha256: row.client_sha256 };

  let result: IngestResult;
  const existing = await repo.findRecordingOfOriginal(trx, digest.sha256, meta.departmentId);
  if (existing) {
    // Same bytes into the same department again: linked, not stored twice. The new metadata stays on the
    // upload row and in the event (corrections are edits of the one recording).
    const visible = await isAllowed(trx, by.uploader, 'recording.metadata.read', existing.id);
    const recordingId = visible ? existing.id : null;
    await uploads.finishUpload(trx, id, { state: 'duplicate', ...hashes, recordingId });
    await appendAuditEvent(trx, { actor: by.actor, action: 'recording.duplicate', target: { type: 'recording', id: existing.id }, details: { ...facts, metadata: meta } });
    result = { uploadId: id, state: 'duplicate', recordingId, ...hashes, sizeBytes: digest.size };
  } else {
    const recordingId = await repo.insertRecording(trx, { ...meta, originalSha256: digest.sha256, fileName: row.file_name, uploadedBy: by.uploader.id });
    await uploads.finishUpload(trx, id, { state: 'stored', ...hashes, recordingId });
    if (!known) await enqueueJob(trx, 'media.process', { sha256: digest.sha256 }, { dedupeKey: `media.process:${digest.sha256}` });
    await appendAuditEvent(trx, {
      actor: by.actor,
      action: 'recording.create',
      target: { type: 'recording', id: recordingId },
      details: { ...facts, sharedOriginal: !!known, metadata: meta },
    });
    result = { uploadId: id, state: 'stored', recordingId, ...hashes, sizeBytes: digest.size };
  }

  // Last, so that nothing the database refuses ever gets an object name. A crash from here to the commit
  // leaves an object without rows, which the retry re-hashes (above) and adopts.
  const file = folder.filePath(id);
  let damage: string | undefined;
  if (!found) {
    if (!(await deps.storage.adoptFile(file, digest)).created) throw new LostRace();
    if (known) damage = 'missing';
  } else if (!found.ok) {
    // Write-once, except to restore: good bytes (they hash to the key) replace a missing or damaged object.
    await deps.storage.replaceDamaged(file, digest, found);
    damage = found.error;
  } else if (!known) {
    // Sound bytes already stored without an original row (a derived file with the same bytes, or the object
    // of an attempt that crashed before its commit): they become an original, so they get its retention.
    await ensureInitialRetention(deps, digest.sha256);
  }
  if (known && damage) {
    await appendAuditEvent(trx, {
      actor: by.actor,
      action: 'original.repaired',
      target: { type: 'original', id: digest.sha256 },
      details: { found: damage, detail: found && !found.ok ? found.message : 'the object file does not exist', ...facts },
    });
  }
  await reach(deps, 'finish.published');
  return result;
}

/** An original without any retention date gets the initial one (第十一条; S3: COMPLIANCE lock, local: recorded). */
async function ensureInitialRetention(deps: Deps, sha256: string): Promise<void> {
  const state = await deps.storage.lockState(sha256);
  if (state && !state.retainUntil) await deps.storage.extendRetention(sha256, new Date(Date.now() + deps.config.storage.objectLockDays * 86_400_000));
}

/**
 * A refusal a retry cannot change: a domain error about the upload itself (4xx), or data PostgreSQL
 * refuses (class 22 data exception, class 23 integrity — except a unique clash, which a retry resolves).
 */
function isFinal(e: unknown): boolean {
  if (e instanceof AppError) return e.status >= 400 && e.status < 500;
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' && /^2[23][0-9A-Z]{3}$/.test(code) && code !== '23505';
}

/** The error code an upload is rejected with: the catalog code, or `DB_<sqlstate>`. */
const codeOf = (e: unknown) => (e instanceof AppError ? e.code : `DB_${(e as { code?: string }).code ?? 'ERROR'}`);

/**
 * Ends an upload as rejected: its bytes are kept aside first (rejected/), then the refusal is recorded
 * and audited, then the upload's files go — a crash in between loses nothing and leaves no sidecar for
 * long (the retry or the sweeper removes it). False when the upload was no longer receiving.
 */
async function rejectUpload(deps: Deps, actor: Actor, up: uploads.UploadRow, folder: UploadFolder, digest: DualDigest, e: unknown): Promise<boolean> {
  const code = codeOf(e);
  const message = e instanceof Error ? e.message : String(e);
  const keptAt = await deps.storage.setAside(folder.filePath(up.id), digest.sha256);
  const done = await deps.db.transaction().execute(async (trx) => {
    const row = await uploads.lockUpload(trx, up.id);
    if (!row || row.state !== 'receiving') return false;
    await uploads.finishUpload(trx, up.id, { state: 'rejected', sha256: digest.sha256, sm3: digest.sm3, errorCode: code, errorMessage: message });
    await appendAuditEvent(trx, {
      actor,
      action: 'upload.rejected',
      target: { type: 'upload', id: up.id },
      details: { reason: code, message, fileName: up.file_name, clientSha256: up.client_sha256, sha256: digest.sha256, sm3: digest.sm3, keptAt },
    });
    return true;
  });
  if (done) await folder.remove(up.id);
  return done;
}

/** The recorded outcome of an upload that is no longer receiving (its leftover files removed). */
async function settled(up: uploads.UploadRow, folder: UploadFolder): Promise<IngestResult> {
  await folder.remove(up.id);
  if ((up.state === 'stored' || up.state === 'duplicate') && up.sha256 && up.sm3) {
    return { uploadId: up.id, state: up.state, recordingId: up.recording_id, sha256: up.sha256, sm3: up.sm3, sizeBytes: Number(up.size_bytes) };
  }
  if (up.state === 'rejected' && up.error_code === 'HASH_MISMATCH') throw new AppError('HASH_MISMATCH', { actual: up.sha256 ?? '?', expected: up.client_sha256 ?? '?' });
  if (up.state === 'rejected') throw new AppError('UPLOAD_REJECTED', { reason: up.error_code ?? '?' });
  throw new AppError('UPLOAD_NOT_FOUND');
}

/**
 * tus-js-client resuming an upload whose every byte already arrived (the server died before finishing it)
 * sends only a HEAD and, seeing the full offset, reports success without the PATCH that would finish it.
 * So a HEAD of a complete, unfinished upload of the caller's starts its finish (`finishing`, which the
 * caller awaits in the background), and a HEAD of a finished one gives its result.
 */
export async function onUploadHead(
  deps: Deps,
  folder: UploadFolder,
  user: AuthUser,
  id: string,
): Promise<{ result?: Pick<IngestResult, 'state' | 'recordingId' | 'sha256' | 'sm3'>; finishing?: Promise<IngestResult> }> {
  const up = await uploads.findUpload(deps.db, id);
  if (!up || up.uploaded_by !== user.id) return {};
  if ((up.state === 'stored' || up.state === 'duplicate') && up.sha256 && up.sm3) {
    return { result: { state: up.state, recordingId: up.recording_id, sha256: up.sha256, sm3: up.sm3 } };
  }
  if (up.state === 'receiving' && !isFinishing(id)) {
    const st = await stat(folder.filePath(id)).catch(() => undefined);
    if (st && st.size === Number(up.size_bytes)) return { finishing: finishUploadOnce(deps, { uploader: user, actor: actorOf(user) }, id, folder) };
  }
  return {};
}
