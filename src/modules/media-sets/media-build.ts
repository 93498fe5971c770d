import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { appendAuditEvent } from '../../platform/audit/audit-chain.ts';
import type { Deps } from '../../platform/deps.ts';
import { WORK_FOLDER } from '../../platform/storage/data-folders.ts';
import { getSetting } from '../settings/settings.service.ts';
import { GROUND_LABEL } from '../preservation/preservation.schema.ts';
import { assertXorriso, writeIso } from './iso-image.ts';
import * as repo from './media-sets.repository.ts';
import { imagesDir } from './media-sets.service.ts';
import { copyOriginal, MANIFEST_FORMAT, writeVolumeFiles, type Manifest, type ManifestFile } from './volume-content.ts';
import { verifyVolume, type VolumeCheck } from './volume-verify.ts';

const BUILD_ACTOR = { kind: 'system' as const, label: 'job:media.build' };
/** Progress is written at most this often (bytes), so a DVD's build does not write thousands of rows. */
const PROGRESS_STEP = 8 * 1024 * 1024;

function sha256Of(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(file, { highWaterMark: 1 << 20 })
      .on('data', (c) => h.update(c))
      .on('error', reject)
      .on('end', () => resolve(h.digest('hex')));
  });
}

/** A one-line account of a read-back, for the volume row and the audit event. */
function describe(c: VolumeCheck): string {
  if (c.ok) return `读回校验通过 read back OK: ${c.filesChecked} files, ${c.bytesChecked} bytes`;
  return `读回校验失败 read-back FAILED: ${c.problems.map((p) => `${p.path} (${p.problem})`).join('; ')}`.slice(0, 2000);
}

/**
 * Builds every volume of a set (the media.build job): copies each original out of the store (comparing its
 * SHA-256 and SM3 with those recorded at ingest — a changed original never reaches a medium), writes the
 * manifest, checksum lists, verifier and README, makes the ISO image with xorriso (or keeps the folder), and
 * reads the result back against the recorded digests. The set ends `built` only when every volume read back
 * intact; otherwise `failed`, with the reason. Re-running starts the set afresh (nothing of a half build is kept).
 */
export async function buildSet(deps: Deps, setId: string, signal?: AbortSignal): Promise<'built' | 'failed' | 'skipped'> {
  const { db } = deps;
  const set = await repo.findSet(db, setId);
  if (!set || set.state === 'built') return 'skipped';
  const work = path.join(deps.config.dataDir, WORK_FOLDER, `media-${setId}`);
  const out = imagesDir(deps.config, setId);
  await rm(work, { recursive: true, force: true });
  await rm(out, { recursive: true, force: true });
  await mkdir(out, { recursive: true });
  let done = 0;
  let reported = 0;
  const progress = async (n: number, phase?: string) => {
    done += n;
    if (phase || done - reported >= PROGRESS_STEP) {
      reported = done;
      await repo.updateSet(db, setId, { doneBytes: done, ...(phase && { phase }) });
    }
  };
  await repo.updateSet(db, setId, { state: 'building', phase: 'copy', doneBytes: 0, error: null });
  try {
    if (set.format === 'iso') await assertXorriso();
    const contents = await repo.setContents(db, setId);
    const ids = contents.map((c) => c.recording_id);
    const officers = await repo.officersOf(db, ids);
    const grounds = await repo.groundsOf(db, ids);
    const agency = String(await getSetting(db, 'agency.name'));
    const volumes = await repo.volumesOf(db, [setId]);
    const failures: string[] = [];
    for (const vol of volumes) {
      signal?.throwIfAborted();
      const dir = path.join(work, vol.label);
      const files: ManifestFile[] = [];
      await progress(0, `copy ${vol.volume_no}/${vol.volume_count}`);
      for (const c of contents.filter((x) => x.volume_no === vol.volume_no)) {
        signal?.throwIfAborted();
        const got = await copyOriginal(deps.storage, c.sha256, path.join(dir, c.path), (n) => void progress(n));
        if (got.sha256 !== c.sha256 || got.sm3 !== c.sm3) throw new Error(`the stored original of ${c.file_name} does not match its recorded digests; run a fixity check`);
        files.push({
          path: c.path,
          sizeBytes: got.size,
          sha256: c.sha256,
          sm3: c.sm3,
          recording: {
            id: c.recording_id,
            fileName: c.file_name,
            department: c.department_name,
            officers: officers.filter((o) => o.recording_id === c.recording_id).map((o) => ({ name: o.name, staffNumber: o.staff_number })),
            recordedStart: c.recorded_start.toISOString(),
            recordedEnd: c.recorded_end?.toISOString() ?? null,
            deviceNumber: c.device_number,
            activity: c.activity,
            caseNumber: c.case_number,
          },
          grounds: grounds
            .filter((g) => g.recording_id === c.recording_id)
            .map((g) => ({ markId: g.id, ground: g.ground, label: GROUND_LABEL[g.ground].zh, description: g.description, approvedBy: g.username, approvedAt: g.decided_at?.toISOString() ?? null })),
        });
      }
      const manifest: Manifest = {
        format: MANIFEST_FORMAT,
        agency,
        set: { id: setId, label: set.label, mediaType: set.media_type },
        volume: { number: vol.volume_no, count: vol.volume_count, label: vol.label },
        createdAt: new Date().toISOString(),
        files,
      };
      const { manifestSha256 } = await writeVolumeFiles(dir, manifest);
      const expected = files.map((f) => ({ path: f.path, sha256: f.sha256, sm3: f.sm3, size: f.sizeBytes }));
      let imageName: string;
      let check: VolumeCheck;
      let imageSha256: string | null = null;
      if (set.format === 'iso') {
        imageName = `${vol.label}.iso`;
        const iso = path.join(out, imageName);
        await progress(0, `image ${vol.volume_no}/${vol.volume_count}`);
        await writeIso(dir, vol.label, iso, undefined, signal);
        await rm(dir, { recursive: true, force: true });
        await progress(0, `verify ${vol.volume_no}/${vol.volume_count}`);
        check = await verifyVolume({ kind: 'iso', file: iso }, expected, manifestSha256, (n) => void progress(n));
        imageSha256 = await sha256Of(iso);
      } else {
        imageName = vol.label;
        await rename(dir, path.join(out, imageName));
        await progress(0, `verify ${vol.volume_no}/${vol.volume_count}`);
        check = await verifyVolume({ kind: 'folder', dir: path.join(out, imageName) }, expected, manifestSha256, (n) => void progress(n));
      }
      const imageBytes = set.format === 'iso' ? (await stat(path.join(out, imageName))).size : files.reduce((s, f) => s + f.sizeBytes, 0);
      await repo.updateVolume(db, vol.id, { imageName, imageBytes, imageSha256, manifestSha256, verifyOk: check.ok, verifyDetail: describe(check) });
      if (!check.ok) failures.push(`${vol.label}: ${describe(check)}`);
    }
    const state = failures.length ? 'failed' : 'built';
    await db.transaction().execute(async (trx) => {
      await repo.updateSet(trx, setId, { state, phase: null, doneBytes: done, error: failures.length ? failures.join('\n').slice(0, 4000) : null, built: state === 'built' });
      await appendAuditEvent(trx, {
        actor: BUILD_ACTOR,
        action: state === 'built' ? 'media.set.built' : 'media.set.failed',
        target: { type: 'media_set', id: setId },
        details: { volumes: volumes.length, failures },
      });
    });
    return state;
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    await db.transaction().execute(async (trx) => {
      await repo.updateSet(trx, setId, { state: 'failed', phase: null, error: message.slice(0, 4000) });
      await appendAuditEvent(trx, { actor: BUILD_ACTOR, action: 'media.set.failed', target: { type: 'media_set', id: setId }, details: { error: message.slice(0, 1000) } });
    });
    throw e;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
