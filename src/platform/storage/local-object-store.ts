import { createReadStream } from 'node:fs';
import { open, readdir, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { AppError } from '../errors/error-catalog.ts';
import { createDualHasher, hashFile, HASH_READ_BYTES, type DualDigest } from '../hashing/dual-hasher.ts';
import { LocalLayout, OBJECT_MODE } from './local-layout.ts';
import {
  assertObjectKey,
  normalizeSha256,
  type ByteRange,
  type ObjectStat,
  type ObjectStore,
  type PutOptions,
  type PutResult,
  type VerifyOptions,
  type VerifyResult,
} from './object-store.ts';
import { errnoCode, storageOp, withCause, writeAll } from './storage-fs.ts';

export interface LocalObjectStoreOptions {
  /**
   * While a put streams, flush what was written every this many bytes (fdatasync in the background).
   * With tens of GB of RAM the kernel would otherwise hold a whole multi-GB upload in the page cache and
   * write it all during the final fsync — after hashing, so the two would add up. 0 = only the final fsync.
   */
  syncEveryBytes?: number;
}

/** Default flush interval: large enough that the flushes cost nothing, small enough to keep the disk busy. */
const SYNC_EVERY_BYTES = 64 << 20;

/** The object store in a local folder (layout: see LocalLayout). */
export class LocalObjectStore implements ObjectStore {
  readonly kind = 'local' as const;
  readonly rootDir: string;
  readonly #layout: LocalLayout;
  readonly #syncEveryBytes: number;
  #ready: Promise<void> | undefined;

  constructor(rootDir: string, options: LocalObjectStoreOptions = {}) {
    this.rootDir = path.resolve(rootDir);
    this.#layout = new LocalLayout(this.rootDir);
    this.#syncEveryBytes = options.syncEveryBytes ?? SYNC_EVERY_BYTES;
  }

  /** Where the object with this key lives (or would live). Validates the key. */
  objectPath(key: string): string {
    return this.#layout.objectPath(key);
  }

  /** The stored file of an object, for ffmpeg to read in place (no copy of a multi-GB original). */
  localPath(key: string): string {
    return this.#layout.objectPath(key);
  }

  /**
   * Streams into a temp file while hashing, fsyncs it, makes it read-only and only then publishes it
   * under its SHA-256: a half-written file never has its final name. On a client hash mismatch the
   * bytes go to rejected/ instead; on any failure the temp file is removed.
   */
  async put(source: Readable | AsyncIterable<Uint8Array>, options: PutOptions = {}): Promise<PutResult> {
    const expected = options.expectedSha256 === undefined ? undefined : normalizeSha256(options.expectedSha256);
    const { maxBytes } = options;
    if (maxBytes !== undefined && !(Number.isSafeInteger(maxBytes) && maxBytes >= 0)) throw new TypeError('maxBytes must be a non-negative integer');
    await this.#ensureLayout();
    const tmpPath = this.#layout.tmpPath();
    const handle = await storageOp(() => open(tmpPath, 'wx', 0o600));
    const hasher = createDualHasher();
    let handleOpen = true;
    let keptAsRejected = false;
    let flushing: Promise<void> | undefined;
    try {
      let size = 0;
      let unflushed = 0;
      for await (const chunk of source as AsyncIterable<unknown>) {
        if (!(chunk instanceof Uint8Array)) throw new TypeError('put: the stream must yield bytes, not strings or objects');
        size += chunk.length;
        if (maxBytes !== undefined && size > maxBytes) throw new AppError('OBJECT_TOO_LARGE', { maxBytes });
        // The write runs on libuv's thread pool while this thread hashes the same chunk.
        await Promise.all([storageOp(() => writeAll(handle, chunk)), hasher.update(chunk)]);
        unflushed += chunk.length;
        if (this.#syncEveryBytes > 0 && unflushed >= this.#syncEveryBytes) {
          await flushing; // one flush at a time: if the disk is slower than the hashing, ingest waits here
          unflushed = 0;
          flushing = storageOp(() => handle.datasync());
          flushing.catch(() => undefined); // handled where awaited; avoid an "unhandled rejection" meanwhile
        }
      }
      // SM3 may still be finishing the last MiBs on its thread: let it, while the disk flushes.
      const digesting = hasher.digest();
      digesting.catch(() => undefined);
      await flushing;
      await storageOp(() => handle.sync());
      await storageOp(() => handle.chmod(OBJECT_MODE));
      handleOpen = false;
      await storageOp(() => handle.close());
      const digest = await digesting;
      if (expected !== undefined && digest.sha256 !== expected) {
        const rejectedAs = await this.#layout.moveToRejected(tmpPath, digest.sha256);
        keptAsRejected = true;
        throw new AppError('HASH_MISMATCH', { expected, actual: digest.sha256, sm3: digest.sm3, rejectedAs });
      }
      const created = await this.#layout.publish(tmpPath, digest.sha256);
      return { key: digest.sha256, size, sha256: digest.sha256, sm3: digest.sm3, created };
    } catch (error) {
      hasher.abort();
      await flushing?.catch(() => undefined);
      if (handleOpen) await handle.close().catch(() => undefined);
      if (!keptAsRejected) await rm(tmpPath, { force: true }).catch(() => undefined);
      throw error;
    }
  }

  /** Stores a local file, read in 1 MiB pieces (faster hashing than the 64 KiB default). The file stays. */
  putFile(filePath: string, options?: PutOptions): Promise<PutResult> {
    return this.put(createReadStream(filePath, { highWaterMark: HASH_READ_BYTES }), options);
  }

  /**
   * Takes over a finished upload hashed while it arrived. Same filesystem: moved into tmp/, fsynced,
   * made read-only and published — no second pass over a multi-GB file. The size is checked against the
   * digest; the bytes themselves are re-hashed by the fixity job. Another filesystem: copied through
   * put(), which re-hashes and must match the digest.
   */
  async adoptFile(filePath: string, digest: DualDigest): Promise<PutResult> {
    const key = assertObjectKey(digest.sha256);
    if (this.#layout.holds(filePath)) throw new TypeError('adoptFile: the file is already a stored object');
    await this.#ensureLayout();
    const { size } = await storageOp(() => stat(filePath));
    if (size !== digest.size) throw new AppError('STORAGE_WRITE_FAILED', { reason: `file has ${size} bytes but ${digest.size} were hashed` });
    const tmpPath = this.#layout.tmpPath();
    try {
      await rename(filePath, tmpPath);
    } catch (error) {
      if (errnoCode(error) !== 'EXDEV') throw withCause(new AppError('STORAGE_WRITE_FAILED', { reason: errnoCode(error) ?? 'rename' }), error);
      const result = await this.putFile(filePath, { expectedSha256: key });
      await rm(filePath, { force: true });
      return result;
    }
    try {
      const handle = await storageOp(() => open(tmpPath, 'r'));
      try {
        await storageOp(() => handle.sync());
        await storageOp(() => handle.chmod(OBJECT_MODE));
      } finally {
        await handle.close();
      }
      const created = await this.#layout.publish(tmpPath, key);
      return { key, size, sha256: key, sm3: digest.sm3, created };
    } catch (error) {
      await rm(tmpPath, { force: true }).catch(() => undefined);
      throw error;
    }
  }

  /** Moves a local file to rejected/<time>-<sha256>; returns that name. */
  async setAside(filePath: string, sha256: string): Promise<string> {
    if (this.#layout.holds(filePath)) throw new TypeError('setAside: stored objects are never moved');
    await this.#ensureLayout();
    return this.#layout.moveToRejected(filePath, sha256);
  }

  /** Deletes a staging file; a path inside objects/ is refused (originals are write-once). */
  async discardFile(filePath: string): Promise<void> {
    if (this.#layout.holds(filePath)) throw new TypeError('discardFile: stored objects are never deleted');
    await rm(filePath, { force: true });
  }

  /** Opens the object first, so a missing key or a bad range is an error here, not on the stream. */
  async get(key: string, range?: ByteRange): Promise<Readable> {
    const handle = await openObject(this.objectPath(key), key);
    try {
      const { size } = await handle.stat();
      if (!range) return handle.createReadStream({ highWaterMark: HASH_READ_BYTES });
      const { start } = range;
      const end = Math.min(range.end ?? size - 1, size - 1);
      const wellFormed = Number.isSafeInteger(start) && (range.end === undefined || Number.isSafeInteger(range.end));
      if (!wellFormed || start < 0 || start >= size || end < start) throw new AppError('RANGE_NOT_SATISFIABLE', { size });
      return handle.createReadStream({ start, end, highWaterMark: HASH_READ_BYTES });
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  async stat(key: string): Promise<ObjectStat | undefined> {
    try {
      const s = await stat(this.objectPath(key));
      return { size: s.size, mtime: s.mtime };
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return undefined;
      throw error;
    }
  }

  async exists(key: string): Promise<boolean> {
    return (await this.stat(key)) !== undefined;
  }

  /** Re-hashes the stored bytes. Reports (does not throw) a missing, changed or unreadable object. */
  async verify(key: string, options: VerifyOptions = {}): Promise<VerifyResult> {
    const filePath = this.objectPath(key);
    let digest: DualDigest;
    try {
      digest = await hashFile(filePath);
    } catch (error) {
      const code = errnoCode(error);
      if (code === 'ENOENT') return { key, ok: false, error: 'missing', message: 'the object file does not exist' };
      return { key, ok: false, error: 'unreadable', message: code ?? String(error) };
    }
    const { sha256, sm3, size } = digest;
    if (sha256 !== key) return { key, ok: false, error: 'sha256-mismatch', message: `stored bytes hash to ${sha256}`, sha256, sm3, size };
    if (options.expectedSm3 !== undefined && sm3 !== options.expectedSm3.toLowerCase()) {
      return { key, ok: false, error: 'sm3-mismatch', message: `stored bytes have SM3 ${sm3}, recorded ${options.expectedSm3}`, sha256, sm3, size };
    }
    return { key, ok: true, sha256, sm3, size };
  }

  /** Walks objects/ab/cd/; lists only well-formed keys stored in the folder their name implies. */
  async *list(): AsyncIterable<string> {
    const objectsDir = this.#layout.objectsDir;
    for (const a of await listNames(objectsDir, /^[0-9a-f]{2}$/)) {
      for (const b of await listNames(path.join(objectsDir, a), /^[0-9a-f]{2}$/)) {
        for (const name of await listNames(path.join(objectsDir, a, b), /^[0-9a-f]{64}$/)) {
          if (name.startsWith(a + b)) yield name;
        }
      }
    }
  }

  /**
   * Removes temp files older than `olderThanMs` — left by a crash or a killed process. Only old ones:
   * another process (a worker) may be writing a young one right now. Returns how many were removed.
   */
  async sweepTemp(olderThanMs = 24 * 3600_000): Promise<number> {
    let removed = 0;
    for (const name of await listNames(this.#layout.tmpDir, /\.part$/)) {
      const p = path.join(this.#layout.tmpDir, name);
      const s = await stat(p).catch(() => undefined);
      if (s && Date.now() - s.mtimeMs > olderThanMs) {
        await rm(p, { force: true });
        removed++;
      }
    }
    return removed;
  }

  #ensureLayout(): Promise<void> {
    this.#ready ??= this.#layout.create().catch((error: unknown) => {
      this.#ready = undefined; // retry next time (e.g. the disk was remounted)
      throw error;
    });
    return this.#ready;
  }
}

async function openObject(filePath: string, key: string): Promise<FileHandle> {
  try {
    return await open(filePath, 'r');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') throw withCause(new AppError('OBJECT_NOT_FOUND', { key }), error);
    throw error;
  }
}

/** Sorted names in a folder matching the pattern; nothing when the folder does not exist. */
async function listNames(dir: string, pattern: RegExp): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((n) => pattern.test(n)).sort();
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return [];
    throw error;
  }
}
