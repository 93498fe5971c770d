import { lstat, unlink } from 'node:fs/promises';
import type { FileRecord } from './receipt.ts';

/** States in which the server holds the bytes (uploaded now, or before). */
const ON_SERVER = new Set<FileRecord['state']>(['uploaded', 'already_stored', 'duplicate']);

/** May this file be deleted from the card? Only when the server confirmed both hashes of these very bytes. */
export function mayClear(f: FileRecord): boolean {
  return ON_SERVER.has(f.state) && f.verified && !!f.sha256 && f.server?.sha256 === f.sha256 && f.server.sm3 === f.sm3;
}

/**
 * --clear: deletes from the card only the files the server confirmed (第十条: the device is wiped
 * after upload, never before). A file whose size or modification time changed since it was hashed is
 * kept — the bytes on the card are no longer the bytes the server checked. Marks each deleted record
 * `cleared` and returns the files that could not be deleted.
 */
export async function clearVerified(files: FileRecord[]): Promise<{ relPath: string; reason: string }[]> {
  const errors: { relPath: string; reason: string }[] = [];
  for (const f of files) {
    if (!mayClear(f)) continue;
    try {
      const st = await lstat(f.path);
      if (!st.isFile() || st.size !== f.sizeBytes || st.mtimeMs !== f.mtimeMs) {
        errors.push({ relPath: f.relPath, reason: '文件在核验后被改动，未删除 / the file changed after it was verified; kept' });
        continue;
      }
      await unlink(f.path);
      f.cleared = true;
    } catch (e) {
      errors.push({ relPath: f.relPath, reason: (e as Error).message });
    }
  }
  return errors;
}
