import { setTimeout as sleep } from 'node:timers/promises';
import { AppError } from '../../platform/errors/error-catalog.ts';
import { createDualHasher } from '../../platform/hashing/dual-hasher.ts';
import type { ObjectStore } from '../../platform/storage/object-store.ts';
import type { FixityResult, FixityTarget } from './fixity.repository.ts';

/** What re-hashing one stored object found. */
export interface CheckOutcome {
  result: FixityResult;
  /** What differed or failed, for people (hashes found, error code). */
  detail: string | null;
  durationMs: number;
  bytesRead: number;
}

export interface CheckOptions {
  /** Read no faster than this (bytes per second), so ingest and playback keep the disk. Unlimited when undefined. */
  bytesPerSecond?: number;
  signal?: AbortSignal;
}

/**
 * Yields the source's chunks no faster than the budget allows: after each chunk it waits until the
 * bytes read so far fit the budget. The waits are the point (a rate limit), not a synchronisation.
 */
async function* paced(source: AsyncIterable<unknown>, bytesPerSecond: number | undefined, signal: AbortSignal | undefined): AsyncGenerator<Uint8Array> {
  const started = performance.now();
  let bytes = 0;
  for await (const chunk of source) {
    if (!(chunk instanceof Uint8Array)) throw new TypeError('fixity: the store must yield bytes');
    yield chunk;
    bytes += chunk.length;
    if (bytesPerSecond !== undefined) {
      const ahead = (bytes / bytesPerSecond) * 1000 - (performance.now() - started);
      if (ahead > 1) await sleep(ahead, undefined, { signal });
    }
  }
}

/**
 * Re-hashes one stored object (SHA-256 and SM3) through the store's read interface — not a path — so the
 * S3 backend is checked the same way, and compares the result with what was recorded when it was stored.
 * Never throws for bad content: a missing, changed or unreadable object is an outcome.
 */
export async function checkObject(storage: ObjectStore, target: FixityTarget, opts: CheckOptions = {}): Promise<CheckOutcome> {
  const started = performance.now();
  const done = (result: FixityResult, detail: string | null, bytesRead: number): CheckOutcome => ({ result, detail, durationMs: Math.round(performance.now() - started), bytesRead });
  let stream: AsyncIterable<unknown>;
  try {
    stream = await storage.get(target.sha256);
  } catch (error) {
    if (error instanceof AppError && error.code === 'OBJECT_NOT_FOUND') return done('missing', 'the stored object does not exist / 存储中找不到该文件', 0);
    return done('unreadable', describe(error), 0);
  }
  const hasher = createDualHasher();
  let bytesRead = 0;
  try {
    for await (const chunk of paced(stream, opts.bytesPerSecond, opts.signal)) {
      bytesRead += chunk.length;
      const wait = hasher.update(chunk);
      if (wait) await wait;
    }
  } catch (error) {
    hasher.abort();
    (stream as { destroy?: () => void }).destroy?.();
    if (opts.signal?.aborted) throw error;
    return done('unreadable', describe(error), bytesRead);
  }
  const d = await hasher.digest();
  if (d.sha256 !== target.sha256) return done('sha256-mismatch', `stored bytes hash to SHA-256 ${d.sha256} (${d.size} bytes)`, bytesRead);
  if (d.sm3 !== target.sm3) return done('sm3-mismatch', `stored bytes have SM3 ${d.sm3}, recorded ${target.sm3}`, bytesRead);
  if (d.size !== target.sizeBytes) return done('size-mismatch', `stored object has ${d.size} bytes, recorded ${target.sizeBytes}`, bytesRead);
  return done('ok', null, bytesRead);
}

function describe(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  return typeof code === 'string' ? `${code}: ${message}` : message;
}
