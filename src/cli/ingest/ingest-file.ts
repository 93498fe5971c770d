import path from 'node:path';
import { hashFile } from '../../platform/hashing/dual-hasher.ts';
import { ApiError, ServerUnreachable, type ApiClient, type Me, type Person } from './api-client.ts';
import type { IngestOptions } from './ingest-options.ts';
import type { ProgressReporter } from './progress.ts';
import type { FileRecord } from './receipt.ts';
import { planMetadata, type OfficerResolver } from './recording-metadata.ts';
import { tusUploadFile, UploadFailed, type TusDone } from './tus-upload.ts';
import type { CardFile } from './walk.ts';

/** Everything one file's ingest needs from the run. */
export interface FileContext {
  options: IngestOptions;
  api: ApiClient;
  me: Me;
  officers: OfficerResolver;
  /** The person given by --officer, applied to every file. */
  fixedOfficer: Person | undefined;
  /** Resume state of unfinished uploads. */
  stateFile: string;
  progress: ProgressReporter;
  signal: AbortSignal;
  /** Work in progress by SHA-256: a second copy of the same bytes on the card waits for the first. */
  inFlight: Map<string, Promise<unknown>>;
}

const reasonOf = (e: unknown): string => {
  if (e instanceof UploadFailed || e instanceof ApiError) return `${e.code}: ${e.message}`;
  if (e instanceof ServerUnreachable) return `无法连接服务器 / cannot reach the server: ${e.message}`;
  return (e as Error).message ?? String(e);
};

/** How long to wait for a server that has every byte but is still finishing (hashing a large file). */
const FINISH_WAIT_MS = 120_000;
const FINISH_POLL_MS = 2_000;

interface Confirmation {
  state?: string;
  recordingId?: string | null;
  sha256?: string;
  sm3?: string;
  errorCode?: string | null;
}

/**
 * The server's final word on an upload: the hash headers of the last PATCH, or — when tus-js-client
 * ended on a HEAD that found every byte present (an earlier run died after the last byte, or the
 * finishing step failed and the retry saw a full upload) — what /api/upload-results says it became.
 */
async function confirmation(api: ApiClient, done: TusDone): Promise<Confirmation> {
  if (done.sha256 && done.sm3) return done;
  if (!done.uploadId) return {};
  const until = Date.now() + FINISH_WAIT_MS;
  for (;;) {
    const r = await api.uploadResult(done.uploadId);
    if (!r) return {};
    if (r.state !== 'receiving' || Date.now() > until) return { state: r.state, recordingId: r.recordingId, sha256: r.sha256 ?? undefined, sm3: r.sm3 ?? undefined, errorCode: r.errorCode };
    await new Promise((res) => setTimeout(res, FINISH_POLL_MS));
  }
}

/** Runs `fn` after any earlier work on the same content has finished (so identical files upload once). */
async function oneAtATime<T>(locks: Map<string, Promise<unknown>>, key: string, fn: () => Promise<T>): Promise<T> {
  const before = locks.get(key) ?? Promise.resolve();
  const mine = before.catch(() => undefined).then(fn);
  locks.set(key, mine);
  try {
    return await mine;
  } finally {
    if (locks.get(key) === mine) locks.delete(key);
  }
}

/**
 * Ingests one file: hash it locally (SHA-256 + SM3), skip the upload when the server already holds the
 * bytes, otherwise build the metadata from the file name and upload by tus, then compare the hashes
 * the server computed from what it stored with the local ones. Never throws: every outcome, including
 * errors, becomes the file's receipt line.
 */
export async function ingestFile(file: CardFile, index: number, ctx: FileContext): Promise<FileRecord> {
  const rec: FileRecord = { path: file.path, relPath: file.relPath, sizeBytes: file.sizeBytes, mtimeMs: file.mtimeMs, state: 'failed', verified: false, cleared: false };
  if (file.sizeBytes === 0) return { ...rec, state: 'skipped', reason: '空文件（0 字节），服务器不保存 / empty file (0 bytes); the server does not store it' };
  try {
    ctx.progress.hashing(index, file.relPath, file.sizeBytes);
    const digest = await hashFile(file.path);
    rec.sha256 = digest.sha256;
    rec.sm3 = digest.sm3;
    if (digest.size !== file.sizeBytes) return { ...rec, reason: '读取期间文件大小发生变化 / the file changed size while it was read' };
    return await oneAtATime(ctx.inFlight, digest.sha256, () => afterHash(file, index, ctx, rec, digest));
  } catch (e) {
    return { ...rec, state: 'failed', reason: reasonOf(e) };
  }
}

/** Everything after the local hash: ask the server, plan the metadata, upload, verify. */
async function afterHash(file: CardFile, index: number, ctx: FileContext, rec: FileRecord, digest: { sha256: string; sm3: string; size: number }): Promise<FileRecord> {
  const { api, options: o, progress } = ctx;
  try {
    const known = await api.findOriginal(digest.sha256);
    if (known) {
      rec.recordingId = known.recordingId;
      rec.server = { sha256: known.sha256, sm3: known.sm3 };
      if (known.sm3 !== digest.sm3 || known.sizeBytes !== digest.size) {
        return { ...rec, reason: '服务器上同一 SHA-256 的 SM3 或大小不同，请联系管理员 / the server holds this SHA-256 with a different SM3 or size; contact an administrator' };
      }
      // Before --clear trusts "already stored", the server re-hashes its copy now. A damaged or missing
      // copy is not "stored": the card's bytes go up again (the server restores its object from good bytes).
      const fresh = o.clear && !o.dryRun ? await api.verifyOriginal(digest.sha256) : undefined;
      if (!fresh || fresh.result === 'ok') return { ...rec, state: 'already_stored', verified: true };
      rec.notes = [...(rec.notes ?? []), `服务器存储的副本${fresh.result === 'missing' ? '已缺失' : `已损坏（${fresh.check}）`}，重新上传卡上文件 / the server's stored copy is ${fresh.result} (${fresh.check}); uploading the card copy again`];
      rec.server = undefined;
    }

    const plan = await planMetadata(file, o, ctx.officers, ctx.fixedOfficer);
    if (!plan.ok) return { ...rec, state: 'skipped', reason: plan.reason };
    rec.metadata = plan.summary;
    if (plan.notes.length) rec.notes = [...(rec.notes ?? []), ...plan.notes];
    if (o.dryRun) return { ...rec, state: 'would_upload' };
    if (ctx.signal.aborted) return { ...rec, reason: '已中断 / interrupted' };

    progress.started(index, file.relPath, file.sizeBytes);
    const done = await tusUploadFile({
      endpoint: `${o.server}/api/uploads`,
      file: file.path,
      sizeBytes: file.sizeBytes,
      fileName: path.basename(file.path),
      sha256: digest.sha256,
      metadata: JSON.stringify(plan.metadata),
      headers: api.authHeaders,
      stateFile: ctx.stateFile,
      userId: ctx.me.id,
      onProgress: (sent, total) => progress.progress(index, file.relPath, sent, total),
      signal: ctx.signal,
    });
    if (done.resumed) rec.resumed = true;
    const c = await confirmation(api, done);
    rec.recordingId = c.recordingId ?? null;
    if (c.sha256 && c.sm3) rec.server = { sha256: c.sha256, sm3: c.sm3 };
    if (c.sha256 !== digest.sha256 || c.sm3 !== digest.sm3) {
      const why = c.sha256
        ? `服务器哈希 ${c.sha256} 与本地不一致 / the server's hash ${c.sha256} differs from the local one`
        : `服务器未确认哈希（上传状态 ${c.state ?? '未知'}${c.errorCode ? `，${c.errorCode}` : ''}），请稍后重新采集 / the server did not confirm the hash (upload state ${c.state ?? 'unknown'}${c.errorCode ? `, ${c.errorCode}` : ''}); run again later`;
      return { ...rec, reason: why };
    }
    if (c.state !== 'stored' && c.state !== 'duplicate') return { ...rec, reason: `服务器上传状态异常 / unexpected upload state: ${c.state ?? 'none'}` };
    return { ...rec, state: c.state === 'stored' ? 'uploaded' : 'duplicate', verified: true };
  } catch (e) {
    return { ...rec, state: 'failed', reason: reasonOf(e) };
  }
}
