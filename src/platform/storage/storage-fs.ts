import { open, type FileHandle } from 'node:fs/promises';
import { AppError } from '../errors/error-catalog.ts';

/** The errno code of a Node system error (`ENOENT`, `ENOSPC`…), if it is one. */
export function errnoCode(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** An AppError that keeps the underlying error as `cause`, for the log. */
export function withCause<E extends Error>(error: E, cause: unknown): E {
  return Object.assign(error, { cause });
}

/**
 * Translates a failed storage operation into the catalog: a full disk (or quota) is STORAGE_FULL so the
 * operator sees the real reason; any other system error is STORAGE_WRITE_FAILED naming the errno.
 * AppErrors and non-system errors pass unchanged.
 */
export function toStorageError(error: unknown): unknown {
  if (error instanceof AppError) return error;
  const code = errnoCode(error);
  if (code === 'ENOSPC' || code === 'EDQUOT') return withCause(new AppError('STORAGE_FULL'), error);
  if (code) return withCause(new AppError('STORAGE_WRITE_FAILED', { reason: code }), error);
  return error;
}

/** Runs a storage operation, translating its failure with toStorageError. */
export async function storageOp<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw toStorageError(error);
  }
}

/** Writes all of `chunk`: a single write(2) may write less (e.g. just before the disk fills up). */
export async function writeAll(handle: FileHandle, chunk: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < chunk.length) {
    const { bytesWritten } = await handle.write(chunk, offset, chunk.length - offset);
    offset += bytesWritten;
  }
}

/**
 * fsyncs a directory, making the names created or renamed in it durable: fsync of the file alone
 * persists its bytes but not the directory entry that points to them.
 */
export async function fsyncDirectory(dirPath: string): Promise<void> {
  const handle = await open(dirPath, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** A compact UTC timestamp for file names: `20250102T030405.678Z` (no `:`, sorts by time). */
export function fileTimestamp(date: Date = new Date()): string {
  return date.toISOString().replace(/[-:]/g, '');
}
