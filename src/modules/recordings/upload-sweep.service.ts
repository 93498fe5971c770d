import { rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { appendAuditEvent } from '../../platform/audit/audit-chain.ts';
import type { Deps } from '../../platform/deps.ts';
import { finishUpload, recordUploadFailure } from './ingest.service.ts';
import * as uploads from './uploads.repository.ts';

/** An upload whose bytes have all arrived but was not finished is finished after this quiet time. */
const STALLED_AFTER_MS = 10 * 60_000;
/** Partial uploads nobody resumed are removed after this long (the officer re-offloads the device). */
export const ABANDONED_AFTER_MS = 14 * 86_400_000;

const SYSTEM = { kind: 'system' as const, label: 'job:uploads.sweep' };

/**
 * Tidies uploads (an hourly job). tus releases its lock before the finishing step runs, so a crash or
 * a database outage at that moment leaves every byte on disk with no original: such an upload is
 * finished here, exactly as if its last request had succeeded (nothing is lost). Partial uploads left
 * for ABANDONED_AFTER_MS are removed and marked expired. Both are audited.
 */
export async function sweepUploads(deps: Deps, now = Date.now()): Promise<{ finished: number; expired: number; failed: number }> {
  const dir = path.join(deps.config.dataDir, 'uploads');
  const out = { finished: 0, expired: 0, failed: 0 };
  for (const up of await uploads.receivingUploads(deps.db, new Date(now - STALLED_AFTER_MS))) {
    const file = path.join(dir, up.id);
    const st = await stat(file).catch(() => undefined);
    if (st && st.size === Number(up.size_bytes) && now - st.mtimeMs > STALLED_AFTER_MS) {
      const user = { id: up.uploaded_by, username: up.username };
      try {
        await finishUpload(deps, user, up.id, file, undefined);
        await rm(`${file}.json`, { force: true });
        out.finished++;
      } catch (e) {
        out.failed++;
        await recordUploadFailure(deps, user, up.id, (e as { code?: string }).code ?? 'FINISH_FAILED', e instanceof Error ? e.message : String(e));
      }
    } else if (now - up.created_at.getTime() > ABANDONED_AFTER_MS) {
      await rm(file, { force: true });
      await rm(`${file}.json`, { force: true });
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
  return out;
}
