import { rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { appendAuditEvent } from '../../platform/audit/audit-chain.ts';
import type { Deps } from '../../platform/deps.ts';
import { uploadsDir } from '../../platform/storage/data-folders.ts';
import { recordUploadFailure, uploaderOf } from './uploads.service.ts';
import { finishUploadOnce } from './upload-finish.service.ts';
import { UploadFolder } from './upload-store.ts';
import * as uploads from './uploads.repository.ts';

/** An upload whose bytes have all arrived but was not finished is finished after this quiet time. */
const STALLED_AFTER_MS = 10 * 60_000;
/** Partial uploads nobody resumed are removed after this long (the officer re-offloads the device). */
export const ABANDONED_AFTER_MS = 14 * 86_400_000;
/** Files in the uploads folder without any upload row are removed after this long (a creation that died). */
const STRAY_AFTER_MS = 86_400_000;

const SYSTEM = { kind: 'system' as const, label: 'job:uploads.sweep' };

/**
 * Tidies uploads (an hourly job). A crash or an outage during the finishing step leaves every byte on
 * disk and the upload receiving: such an upload is finished here, exactly as if its last request had
 * succeeded (nothing is lost), with the job as the audit actor. Partial uploads left for
 * ABANDONED_AFTER_MS are removed and marked expired. Files left behind by uploads that already ended
 * (a crash between the commit and the clean-up) are removed. All state changes are audited.
 */
export async function sweepUploads(deps: Deps, now = Date.now()): Promise<{ finished: number; expired: number; failed: number; leftovers: number }> {
  const folder = new UploadFolder(uploadsDir(deps.config));
  const out = { finished: 0, expired: 0, failed: 0, leftovers: 0 };
  for (const up of await uploads.receivingUploads(deps.db, new Date(now - STALLED_AFTER_MS))) {
    const file = folder.filePath(up.id);
    const st = await stat(file).catch(() => undefined);
    if (st && st.size === Number(up.size_bytes) && now - st.mtimeMs > STALLED_AFTER_MS) {
      try {
        const uploader = await uploaderOf(deps.db, up.uploaded_by);
        if (!uploader) throw new Error(`the uploading account ${up.uploaded_by} no longer exists`);
        await finishUploadOnce(deps, { uploader, actor: SYSTEM }, up.id, folder);
        out.finished++;
      } catch (e) {
        out.failed++;
        await recordUploadFailure(deps, SYSTEM, up.id, (e as { code?: string }).code ?? 'FINISH_FAILED', e instanceof Error ? e.message : String(e));
      }
    } else if (now - up.created_at.getTime() > ABANDONED_AFTER_MS) {
      await folder.remove(up.id);
      await deps.db.transaction().execute(async (trx) => {
        await uploads.expireUpload(trx, up.id);
        await appendAuditEvent(trx, {
          actor: SYSTEM,
          action: 'upload.expired',
          target: { type: 'upload', id: up.id },
          details: { fileName: up.file_name, receivedBytes: st?.size ?? 0, sizeBytes: Number(up.size_bytes), uploadedBy: up.username },
        });
      });
      out.expired++;
    }
  }
  out.leftovers = await removeLeftovers(deps, folder, now);
  return out;
}

/** Files of uploads that ended (stored, duplicate, rejected, cancelled), old files without a row, old half-written sidecars. */
async function removeLeftovers(deps: Deps, folder: UploadFolder, now: number): Promise<number> {
  const ids = await folder.ids();
  const states = await uploads.statesOf(deps.db, ids);
  let removed = 0;
  for (const id of ids) {
    const state = states.get(id);
    if (state === 'receiving') continue;
    if (!state) {
      const st = (await stat(folder.filePath(id)).catch(() => undefined)) ?? (await stat(folder.sidecarPath(id)).catch(() => undefined));
      if (!st || now - st.mtimeMs < STRAY_AFTER_MS) continue;
    }
    await folder.remove(id);
    removed++;
  }
  for (const tmp of await folder.sidecarTemps()) {
    const st = await stat(tmp).catch(() => undefined);
    if (st && now - st.mtimeMs > STRAY_AFTER_MS) {
      await rm(tmp, { force: true });
      removed++;
    }
  }
  return removed;
}
