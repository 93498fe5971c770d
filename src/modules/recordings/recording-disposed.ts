import type { DbOrTx } from '../../platform/db/database.ts';
import { AppError } from '../../platform/errors/error-catalog.ts';
import { disposedAmong } from './recordings.repository.ts';

/**
 * Refuses (410 RECORDING_DISPOSED) any new use of a recording whose bytes an approved disposal destroyed
 * (第十一条; its tombstone stays): asked at request time — a copy, a package, a grant, a playback — so the
 * caller learns it at once instead of a job or a stream failing later. Call it after the access check, so a
 * recording out of the caller's reach stays a 404.
 */
export async function assertRecordingsNotDisposed(db: DbOrTx, ids: readonly string[]): Promise<void> {
  const [first, ...rest] = await disposedAmong(db, ids);
  if (first) throw new AppError('RECORDING_DISPOSED', { fileName: first.file_name, at: first.disposed_at.toISOString(), more: rest.length ? { zh: `（另有 ${rest.length} 条同样已销毁）`, en: ` (${rest.length} more likewise destroyed)` } : { zh: '', en: '' } });
}
