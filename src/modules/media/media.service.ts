import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { appendAuditEvent } from '../../platform/audit/audit-chain.ts';
import { actorOf, type AuthUser } from '../../platform/auth/auth-user.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError } from '../../platform/errors/error-catalog.ts';
import { makeProxy, makeThumbnail, probe, readExif, type ProbeResult } from '../../platform/media/media.ts';
import type { ObjectStore } from '../../platform/storage/object-store.ts';
import { accessFilter, requireAccess } from '../access/access.service.ts';
import * as repo from '../recordings/recordings.repository.ts';
import { thumbnailTicketCovers } from '../playback/thumbnails.service.ts';
import * as media from './media.repository.ts';

/**
 * Is this content stored as a recording the caller may read, and which? (The workstation skips what is.)
 * Content held only in recordings outside the caller's reach answers NOT_FOUND, exactly like unknown content:
 * its hashes and size are not the caller's to learn (issue 6 item 6).
 */
export async function originalInfo({ db }: Deps, user: AuthUser, sha256: string) {
  const o = await repo.findOriginalInScope(db, sha256, await accessFilter(db, user, 'recording.metadata.read', 'r'));
  if (!o) throw new AppError('NOT_FOUND');
  return { sha256: o.sha256, sm3: o.sm3, sizeBytes: Number(o.size_bytes), recordingId: o.recording_id };
}

/**
 * A recording's thumbnail. A thumbnail is a still of the footage, so each read is audited — unless it is read
 * with a list page's ticket, whose issue was audited once for the whole page (playback/thumbnails.service.ts).
 * Access is checked on every read either way.
 */
export async function readThumbnail({ db, storage }: Deps, user: AuthUser, recordingId: string, ticket?: string) {
  await requireAccess(db, user, 'recording.media.view', [recordingId]);
  const r = await repo.findRecording(db, recordingId);
  if (!r) throw new AppError('NOT_FOUND');
  if (!r.thumbnail_sha256) throw new AppError('NOT_FOUND');
  const stat = await storage.stat(r.thumbnail_sha256);
  if (!stat) throw new AppError('OBJECT_NOT_FOUND', { key: r.thumbnail_sha256 });
  if (!(await thumbnailTicketCovers(db, user, ticket, recordingId))) {
    await db.transaction().execute((trx) =>
      appendAuditEvent(trx, { actor: actorOf(user), action: 'recording.thumbnail.read', target: { type: 'recording', id: recordingId }, details: { sha256: r.thumbnail_sha256 } }),
    );
  }
  return { size: stat.size, stream: await storage.get(r.thumbnail_sha256) };
}

/** A local file of an object for ffmpeg: the stored file itself where the backend has one, else a temp copy. */
async function withLocalFile<T>(storage: ObjectStore, key: string, workDir: string, fn: (file: string) => Promise<T>): Promise<T> {
  // A missing object is a storage fault (fixity reports it), not footage ffprobe cannot read: the attempt fails.
  if (!(await storage.stat(key))) throw new AppError('OBJECT_NOT_FOUND', { key });
  const local = storage.localPath?.(key);
  if (local) return fn(local);
  const tmp = path.join(workDir, `${key}.orig`);
  await pipeline(await storage.get(key), createWriteStream(tmp));
  return fn(tmp);
}

async function storeDerived(deps: Deps, originalSha256: string, file: string, kind: 'proxy' | 'thumbnail', mimeType: string): Promise<string> {
  const put = await deps.storage.putFile(file);
  await media.insertDerived(deps.db, { sha256: put.sha256, sm3: put.sm3, sizeBytes: put.size, kind, mimeType, originalSha256 });
  return put.sha256;
}

/** The audit actor of processing results: the media job. */
const MEDIA_JOB = { kind: 'system' as const, label: 'job:media.process' };

const mediaKind = (p: ProbeResult): 'video' | 'audio' | 'photo' | 'unknown' => (p.kind === 'image' ? 'photo' : p.kind);

/**
 * The media job for one original: ffprobe facts, an H.264/AAC proxy browsers play, a thumbnail, EXIF
 * for photos. A file ffprobe cannot read stays an original, marked "not processable" — never dropped.
 * Other failures throw, so the queue retries with back-off.
 */
export async function processMedia(deps: Deps, sha256: string): Promise<void> {
  const { db } = deps;
  await media.markProcessing(db, sha256);
  const workDir = path.join(deps.config.dataDir, 'tmp', `media-${randomBytes(6).toString('hex')}`);
  await mkdir(workDir, { recursive: true });
  try {
    await withLocalFile(deps.storage, sha256, workDir, async (file) => {
      let info: ProbeResult;
      try {
        info = await probe(file);
      } catch (e) {
        if (e instanceof AppError && e.code === 'MEDIA_UNREADABLE') {
          await finish(deps, sha256, { state: 'not_processable', kind: 'unknown', error: e.message });
          return;
        }
        throw e;
      }
      const kind = mediaKind(info);
      let proxy: string | null = null;
      let thumbnail: string | null = null;
      let exif: unknown = null;
      if (kind === 'video') {
        const out = path.join(workDir, 'proxy.mp4');
        await makeProxy(file, out);
        proxy = await storeDerived(deps, sha256, out, 'proxy', 'video/mp4');
      } else if (kind === 'audio') {
        const out = path.join(workDir, 'proxy.m4a');
        await makeProxy(file, out);
        proxy = await storeDerived(deps, sha256, out, 'proxy', 'audio/mp4');
      }
      if (kind === 'video' || kind === 'photo') {
        const out = path.join(workDir, 'thumb.jpg');
        await makeThumbnail(file, out);
        thumbnail = await storeDerived(deps, sha256, out, 'thumbnail', 'image/jpeg');
      }
      if (kind === 'photo') exif = await readExif(file).catch(() => null);
      await finish(deps, sha256, {
        state: kind === 'unknown' ? 'not_processable' : 'ready',
        kind,
        durationSec: info.durationSec ?? null,
        width: info.video?.width ?? null,
        height: info.video?.height ?? null,
        videoCodec: info.video?.codec ?? null,
        audioCodec: info.audio?.codec ?? null,
        creationTime: info.creationTime ?? null,
        probe: info,
        exif,
        proxy,
        thumbnail,
      });
    });
  } catch (e) {
    // Each failed attempt is recorded and audited as the job's; the job runner retries it with back-off.
    const error = (e instanceof Error ? e.message : String(e)).slice(0, 1000);
    await db.transaction().execute(async (trx) => {
      await media.markFailed(trx, sha256, error);
      await appendAuditEvent(trx, { actor: MEDIA_JOB, action: 'media.failed', target: { type: 'original', id: sha256 }, details: { error } });
    });
    throw e;
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

/** Records what processing found, audited as the job's (the result of the work, not of any user's request). */
async function finish(deps: Deps, sha256: string, f: media.MediaFacts) {
  await deps.db.transaction().execute(async (trx) => {
    await media.saveFacts(trx, sha256, f);
    await appendAuditEvent(trx, {
      actor: MEDIA_JOB,
      action: 'media.processed',
      target: { type: 'original', id: sha256 },
      details: { state: f.state, kind: f.kind, proxy: f.proxy ?? null, thumbnail: f.thumbnail ?? null, error: f.error ?? null },
    });
  });
}
