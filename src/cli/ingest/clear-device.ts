import { lstat, unlink } from 'node:fs/promises';
import { ApiError, ServerUnreachable, type FreshCheck } from './api-client.ts';
import type { FileRecord } from './receipt.ts';

/** States in which the server holds the bytes (uploaded now, or before). */
const ON_SERVER = new Set<FileRecord['state']>(['uploaded', 'already_stored', 'duplicate']);

/** May this file be deleted from the card? Only when the server confirmed both hashes of these very bytes. */
export function mayClear(f: FileRecord): boolean {
  return ON_SERVER.has(f.state) && f.verified && !!f.sha256 && f.server?.sha256 === f.sha256 && f.server.sm3 === f.sm3;
}

/** Why a card file is kept after the server's fresh check, or undefined when the check allows deleting it. */
function keepReason(f: FileRecord, c: FreshCheck | undefined): string | undefined {
  if (!c) return '服务器上找不到该文件（或不在您的范围内），未删除 / the server holds no copy you may see; kept';
  if (c.result === 'missing') return '服务器存储的文件已缺失，卡上文件保留，请通知管理员 / the server\'s stored copy is missing; the card copy is kept — tell an administrator';
  if (c.result !== 'ok') {
    return `服务器存储的文件已损坏（${c.check}），卡上文件保留，请通知管理员 / the server's stored copy is damaged (${c.check}); the card copy is kept — tell an administrator`;
  }
  if (c.sha256 !== f.sha256 || c.sm3 !== f.sm3 || c.sizeBytes !== f.sizeBytes) return '服务器复核的哈希与本地不一致，未删除 / the server\'s fresh check differs from the local hashes; kept';
  return undefined;
}

/**
 * --clear: deletes from the card only the files the server confirmed (第十条: the device is wiped
 * after upload, never before) AND that the server has just re-hashed and found intact (a fresh check of
 * its stored object: the row saying "stored" does not prove the bytes are still right). A file whose size
 * or modification time changed since it was hashed is kept — the bytes on the card are no longer the
 * bytes the server checked. Marks each deleted record `cleared` and returns the files kept, with why.
 */
export async function clearVerified(files: FileRecord[], verify: (sha256: string) => Promise<FreshCheck | undefined>): Promise<{ relPath: string; reason: string }[]> {
  const errors: { relPath: string; reason: string }[] = [];
  for (const f of files) {
    if (!mayClear(f)) continue;
    try {
      const st = await lstat(f.path);
      if (!st.isFile() || st.size !== f.sizeBytes || st.mtimeMs !== f.mtimeMs) {
        errors.push({ relPath: f.relPath, reason: '文件在核验后被改动，未删除 / the file changed after it was verified; kept' });
        continue;
      }
      const kept = keepReason(f, await verify(f.sha256!));
      if (kept) {
        errors.push({ relPath: f.relPath, reason: kept });
        continue;
      }
      await unlink(f.path);
      f.cleared = true;
    } catch (e) {
      const why = e instanceof ApiError ? `${e.code}: ${e.message}` : e instanceof ServerUnreachable ? `无法连接服务器 / cannot reach the server: ${e.message}` : (e as Error).message;
      errors.push({ relPath: f.relPath, reason: `${why}（未删除 / kept）` });
    }
  }
  return errors;
}
