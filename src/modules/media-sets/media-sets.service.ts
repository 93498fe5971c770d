import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { ZipFile } from 'yazl';
import { actorOf, type AuthUser } from '../../platform/auth/auth-user.ts';
import { appendAuditEvent } from '../../platform/audit/audit-chain.ts';
import type { Config } from '../../platform/config/config.ts';
import type { DbOrTx } from '../../platform/db/database.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError } from '../../platform/errors/error-catalog.ts';
import { enqueueJob } from '../../platform/jobs/queue.ts';
import { accessFilter, allowedIds, requireAccess } from '../access/access.service.ts';
import * as repo from './media-sets.repository.ts';
import { safeVolumeName } from './volume-content.ts';
import { DISC_BYTES, planVolumes, type MediaType } from './volume-plan.ts';

/**
 * 第十二条: disc and removable-media sets. A set gathers the recordings of approved preservation marks, split into
 * volumes that fit the medium; a job (media.build) writes each volume as an ISO image or a folder with the
 * originals, a manifest and an offline verifier, and reads it back. The operator downloads each image (audited)
 * and burns it, then registers the physical medium (media-register.service.ts).
 */

/** Where a set's finished images (or folders) are kept for download: <data>/media-images/<set id>/. */
export function imagesDir(config: Pick<Config, 'dataDir'>, setId: string): string {
  return path.join(config.dataDir, 'media-images', setId);
}

export interface SetInput {
  mediaType: MediaType;
  volumeBytes?: number;
  format: 'iso' | 'folder';
  label: string;
  markIds?: string[];
  departmentId?: string;
}

/**
 * Creates a set and queues its build. The volumes are planned now (first-fit decreasing), so a file larger than
 * a volume is refused at once (MEDIA_FILE_TOO_LARGE) and nothing is written.
 */
export async function createSet(deps: Deps, user: AuthUser, input: SetInput) {
  const departmentId = input.departmentId ?? user.departmentId;
  if (!departmentId) throw new AppError('VALIDATION_FAILED', {}, { departmentId: { zh: '请选择介质集所属部门', en: 'choose the department of the set' } });
  const id = await deps.db.transaction().execute(async (trx) => {
    if (!(await allowedIds(trx, user, 'disc.write', [departmentId])).has(departmentId)) {
      throw new AppError('DEPARTMENT_OUT_OF_SCOPE', {}, { departmentId: 'outside your departments / 不在您的部门范围内' });
    }
    let rows = await repo.approvedMarkRecordings(trx, input.markIds ?? null);
    if (input.markIds) {
      const found = new Set(rows.map((r) => r.mark_id));
      if (input.markIds.some((m) => !found.has(m))) throw new AppError('NOT_FOUND');
      const notApproved = rows.find((r) => r.state !== 'approved');
      if (notApproved) throw new AppError('MEDIA_NOTHING_TO_BURN');
      // Every recording of the chosen marks must be in the builder's reach (else as if unknown).
      await requireAccess(trx, user, 'recording.disc', [...new Set(rows.map((r) => r.id))]);
    } else {
      // Every approved mark not on a set yet whose recordings are all in reach.
      const reach = await allowedIds(trx, user, 'recording.disc', [...new Set(rows.map((r) => r.id))]);
      const outside = new Set(rows.filter((r) => !reach.has(r.id)).map((r) => r.mark_id));
      rows = rows.filter((r) => !outside.has(r.mark_id));
    }
    const byRecording = new Map<string, (typeof rows)[number]>();
    for (const r of rows) if (!byRecording.has(r.id)) byRecording.set(r.id, r);
    if (!byRecording.size) throw new AppError('MEDIA_NOTHING_TO_BURN');
    const items = [...byRecording.values()].map((r) => ({
      id: r.id,
      markId: r.mark_id,
      name: r.file_name,
      size: Number(r.size_bytes),
      path: `recordings/${r.id.slice(0, 8)}_${safeVolumeName(r.file_name)}`,
    }));
    const volumeBytes = input.mediaType === 'removable' ? input.volumeBytes! : DISC_BYTES[input.mediaType];
    const volumes = planVolumes(items, volumeBytes);
    const total = items.reduce((s, i) => s + i.size, 0);
    const id = await repo.insertSet(trx, { label: input.label, mediaType: input.mediaType, volumeBytes, format: input.format, departmentId, createdBy: user.id, totalBytes: total * 2 });
    await repo.insertItems(
      trx,
      id,
      volumes.flatMap((v, n) => v.map((i) => ({ recordingId: i.id, markId: i.markId, volumeNo: n + 1, path: i.path, size: i.size }))),
    );
    await repo.insertVolumes(trx, id, volumes.map((_, n) => `${input.label}_${n + 1}`));
    await enqueueJob(trx, 'media.build', { setId: id }, { dedupeKey: `media.build:${id}`, maxAttempts: 3 });
    await appendAuditEvent(trx, {
      actor: actorOf(user),
      action: 'media.set.create',
      target: { type: 'media_set', id },
      details: { label: input.label, mediaType: input.mediaType, volumeBytes, format: input.format, departmentId, volumes: volumes.length, recordingIds: items.map((i) => i.id) },
    });
    return id;
  });
  return getSet(deps, user, id);
}

async function views(db: DbOrTx, sets: (repo.SetRow & { department_name: string })[]) {
  const vols = await repo.volumesOf(db, sets.map((s) => s.id));
  const counts = new Map<string, { files: number; bytes: number }>();
  for (const s of sets) {
    for (const c of await repo.setContents(db, s.id)) {
      const k = `${s.id}:${c.volume_no}`;
      const x = counts.get(k) ?? { files: 0, bytes: 0 };
      x.files++;
      x.bytes += Number(c.size_bytes);
      counts.set(k, x);
    }
  }
  return sets.map((s) => ({
    id: s.id,
    label: s.label,
    mediaType: s.media_type,
    volumeBytes: Number(s.volume_bytes),
    format: s.format,
    departmentId: s.department_id,
    departmentName: s.department_name,
    state: s.state,
    doneBytes: Number(s.done_bytes),
    totalBytes: Number(s.total_bytes),
    phase: s.phase,
    error: s.error,
    createdAt: s.created_at.toISOString(),
    builtAt: s.built_at?.toISOString() ?? null,
    volumes: vols
      .filter((v) => v.set_id === s.id)
      .map((v) => ({
        id: v.id,
        volumeNo: v.volume_no,
        volumeCount: v.volume_count,
        label: v.label,
        imageName: v.image_name,
        imageBytes: v.image_bytes === null ? null : Number(v.image_bytes),
        imageSha256: v.image_sha256,
        verifiedAt: v.verified_at?.toISOString() ?? null,
        verifyOk: v.verify_ok,
        verifyDetail: v.verify_detail,
        ...(counts.get(`${s.id}:${v.volume_no}`) ?? { files: 0, bytes: 0 }),
      })),
  }));
}

/** One set the caller may see (its department in their disc.read reach), or NOT_FOUND. */
export async function getSet(deps: Deps, user: AuthUser, id: string) {
  const s = await repo.findSet(deps.db, id);
  if (!s) throw new AppError('NOT_FOUND');
  await requireAccess(deps.db, user, 'disc.read', [s.department_id]);
  return (await views(deps.db, [{ ...s, department_name: await repo.departmentName(deps.db, s.department_id) }]))[0]!;
}

/** Sets of the departments the caller may see, newest first. */
export async function listSets(deps: Deps, user: AuthUser) {
  const visible = await accessFilter(deps.db, user, 'disc.read', 'd');
  return { items: await views(deps.db, await repo.listSets(deps.db, visible)) };
}

/** A volume the caller may act on with `action` (its set's department in reach), or NOT_FOUND. */
export async function volumeFor(db: DbOrTx, user: AuthUser, id: string, action: 'disc.read' | 'disc.write') {
  const v = await repo.findVolume(db, id);
  if (!v) throw new AppError('NOT_FOUND');
  await requireAccess(db, user, action, [v.department_id]);
  return v;
}

async function folderEntries(dir: string, prefix = ''): Promise<{ rel: string; abs: string; size: number }[]> {
  const out: { rel: string; abs: string; size: number }[] = [];
  for (const e of await readdir(path.join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await folderEntries(dir, rel)));
    else out.push({ rel, abs: path.join(dir, rel), size: (await stat(path.join(dir, rel))).size });
  }
  return out.sort((a, b) => (a.rel < b.rel ? -1 : 1));
}

/**
 * Downloads a verified volume to burn it (an ISO image, or a folder as a ZIP to copy onto a drive). It carries
 * originals, so it is a copy taken out (第二十条): only the set's department custodians, and each download is
 * audited before the first byte leaves.
 */
export async function downloadVolume(deps: Deps, user: AuthUser, id: string): Promise<{ fileName: string; size?: number; mimeType: string; stream: Readable }> {
  const v = await volumeFor(deps.db, user, id, 'disc.write');
  if (v.set_state !== 'built' || !v.verify_ok || !v.image_name) throw new AppError('MEDIA_SET_NOT_BUILT', { state: v.set_state });
  const file = path.join(imagesDir(deps.config, v.set_id), v.image_name);
  await deps.db.transaction().execute((trx) =>
    appendAuditEvent(trx, {
      actor: actorOf(user),
      action: 'media.volume.download',
      target: { type: 'media_volume', id },
      details: { setId: v.set_id, label: v.label, imageName: v.image_name, imageSha256: v.image_sha256, format: v.format },
    }),
  );
  if (v.format === 'iso') return { fileName: v.image_name, size: Number(v.image_bytes), mimeType: 'application/x-iso9660-image', stream: createReadStream(file) };
  const zip = new ZipFile();
  for (const e of await folderEntries(file)) zip.addFile(e.abs, `${v.image_name}/${e.rel}`, { compress: false });
  zip.end();
  return { fileName: `${v.image_name}.zip`, mimeType: 'application/zip', stream: zip.outputStream as Readable };
}
