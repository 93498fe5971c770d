import { createReadStream } from 'node:fs';
import { chmod, copyFile, mkdir, open, readdir, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { AppError } from '../errors/error-catalog.ts';
import { createDualHasher, hashFile, HASH_READ_BYTES, type DualDigest } from '../hashing/dual-hasher.ts';
import { DIRECTORY_MODE, fsyncFile, LocalLayout, OBJECT_MODE } from './local-layout.ts';
import { LocalLockRecords } from './local-lock-records.ts';
import {
  assertObjectKey,
  normalizeSha256,
  type ByteRange,
  type ObjectLockState,
  type ObjectStat,
  type ObjectStore,
  type PutOptions,
  type PutResult,
  type VerifyOptions,
  type VerifyResult,
} from './object-store.ts';
import { errnoCode, fsyncDirectory, storageOp, withCause, writeAll } from './storage-fs.ts';

export interface LocalObjectStoreOptions {
  /**
   * While a put streams, flush what was written every this many bytes (fdatasync in the background).
   * With tens of GB of RAM the kernel would otherwise hold a whole multi-GB upload in the page cache and
   * write it all during the final fsync — after hashing, so the two would add up. 0 = only the final fsync.
   */
  syncEveryBytes?: number;
  /**
   * Days an original adopted from an upload is recorded as kept (config.storage.objectLockDays). Recorded
   * only — this store cannot enforce it (see LocalLockRecords). Unset: no initial date is recorded.
   */
  objectLockDays?: number;
}

/** Default flush interval: large enough that the flushes cost nothing, small enough to keep the disk busy. */
const SYNC_EVERY_BYTES = 64 << 20;

/**
 * The object store in a local folder (layout: see LocalLayout). Retention dates and legal holds are
 * recorded beside the objects (LocalLockRecords) but NOT enforced: a folder cannot refuse its owner.
 */
export class LocalObjectStore implements ObjectStore {
  readonly kind = 'local' as const;
  readonly rootDir: string;
  readonly #layout: LocalLayout;
  readonly #locks: LocalLockRecords;
  readonly #syncEveryBytes: number;
  readonly #objectLockDays: number | undefined;
  #ready: Promise<void> | undefined;

  constructor(rootDir: string, options: LocalObjectStoreOptions = {}) {
    this.rootDir = path.resolve(rootDir);
    this.#layout = new LocalLayout(this.rootDir);
    this.#locks = new LocalLockRecords(this.rootDir);
    this.#syncEveryBytes = options.syncEveryBytes ?? SYNC_EVERY_BYTES;
    this.#objectLockDays = options.objectLockDays;
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
   * Publishes a finished local file (a tus upload) whose digest was computed from its bytes, WITHOUT
   * moving it: fsynced, made read-only and given its object name as a second hard link, so no second
   * pass over a multi-GB file and, at every instant of a crash, the bytes are under the upload's name or
   * the object's (or both) — never in a temp file only. The caller removes its file once the database
   * has the rows. `created` is false when another file already holds the object name: the caller must
   * check that object's bytes (verify) before relying on it. The file is the same inode as the object
   * afterwards, so the caller must not write to it again. Another filesystem: copied through put(),
   * which re-hashes and must match the digest.
   */
  async adoptFile(filePath: string, digest: DualDigest): Promise<PutResult> {
    const key = assertObjectKey(digest.sha256);
    await this.#prepareForLink(filePath, digest);
    let outcome: 'created' | 'same-file' | 'other';
    try {
      outcome = await this.#layout.linkAs(filePath, key);
    } catch (error) {
      if (!cannotLink(error)) throw error;
      const put = await this.putFile(filePath, { expectedSha256: key });
      if (put.created) await this.#recordInitialRetention(key);
      return put;
    }
    if (outcome !== 'other') await this.#recordInitialRetention(key);
    return { key, size: digest.size, sha256: key, sm3: digest.sm3, created: outcome !== 'other' };
  }

  /** An original's first retention date (第十一条), recorded only, and only when none is recorded yet. */
  async #recordInitialRetention(key: string): Promise<void> {
    if (this.#objectLockDays === undefined) return;
    if ((await this.#locks.read(key)).retainUntil) return;
    await this.#locks.extend(key, new Date(Date.now() + this.#objectLockDays * 86_400_000));
  }

  /**
   * Records a later retain-until date. RECORDED ONLY: this store cannot stop anyone with file rights from
   * deleting the object before then (LocalLockRecords). Shortening is refused all the same.
   */
  async extendRetention(key: string, until: Date): Promise<ObjectLockState> {
    if (!(await this.exists(key))) throw new AppError('OBJECT_NOT_FOUND', { key });
    return this.#locks.extend(key, until);
  }

  /** Records a legal hold (or its end). RECORDED ONLY, not enforced (see extendRetention). */
  async setLegalHold(key: string, on: boolean): Promise<ObjectLockState> {
    if (!(await this.exists(key))) throw new AppError('OBJECT_NOT_FOUND', { key });
    return this.#locks.setLegalHold(key, on);
  }

  /**
   * Disposal only: removes the object file when its recorded retention has passed and it is not held. The
   * lock record stays (its history is evidence). As with retention, a folder cannot stop someone with file
   * rights; this refuses the application's own early deletion.
   */
  async deleteForDisposal(key: string): Promise<void> {
    return this.#deleteUnlocked(key);
  }

  /** The orphan sweep only (see ObjectStore.removeUnreferenced): the same refusal while a lock is recorded. */
  async removeUnreferenced(key: string): Promise<void> {
    return this.#deleteUnlocked(key);
  }

  async #deleteUnlocked(key: string): Promise<void> {
    const k = assertObjectKey(key);
    if (!(await this.exists(k))) return;
    const state = await this.#locks.read(k);
    if (state.legalHold || (state.retainUntil && state.retainUntil.getTime() > Date.now())) {
      throw new AppError('RETENTION_DELETE_REFUSED', { key: k, until: state.legalHold ? 'legal hold' : state.retainUntil!.toISOString() });
    }
    await storageOp(() => rm(this.objectPath(k), { force: true }));
  }

  /** The recorded retention and hold (`enforced: false`). */
  async lockState(key: string): Promise<ObjectLockState | undefined> {
    if (!(await this.exists(key))) return undefined;
    return this.#locks.read(key);
  }

  /**
   * Restores an object that a fresh check (`found`, from verify()) reported missing, changed or
   * unreadable, from a local file whose digest was computed from its bytes and equals the key. Never
   * touches a sound object: `found.ok` is refused. The file stays where it is (see adoptFile).
   */
  async replaceDamaged(filePath: string, digest: DualDigest, found: VerifyResult): Promise<PutResult> {
    const key = assertObjectKey(digest.sha256);
    if (found.ok || found.key !== key) throw new TypeError('replaceDamaged: only an object found damaged or missing is replaced');
    await this.#prepareForLink(filePath, digest);
    try {
      await this.#layout.replaceWith(filePath, key);
    } catch (error) {
      if (!cannotLink(error)) throw error;
      // Another filesystem: copy (re-hashed against the key) into tmp/, then rename over the bad object.
      const put = await this.#putReplacing(filePath, key);
      await this.#recordInitialRetention(key);
      return put;
    }
    await this.#recordInitialRetention(key);
    return { key, size: digest.size, sha256: key, sm3: digest.sm3, created: true };
  }

  /** A file about to become an object: the size fits the digest, its bytes are on disk, it is read-only. */
  async #prepareForLink(filePath: string, digest: DualDigest): Promise<void> {
    if (this.#layout.holds(filePath)) throw new TypeError('the file is already a stored object');
    await this.#ensureLayout();
    const { size } = await storageOp(() => stat(filePath));
    if (size !== digest.size) throw new AppError('STORAGE_WRITE_FAILED', { reason: `file has ${size} bytes but ${digest.size} were hashed` });
    const handle = await storageOp(() => open(filePath, 'r'));
    try {
      await storageOp(() => handle.sync());
      await storageOp(() => handle.chmod(OBJECT_MODE));
    } finally {
      await handle.close();
    }
  }

  async #putReplacing(filePath: string, key: string): Promise<PutResult> {
    const tmpPath = this.#layout.tmpPath();
    const digest = await hashFile(filePath);
    if (digest.sha256 !== key) throw new AppError('HASH_MISMATCH', { expected: key, actual: digest.sha256 });
    try {
      await storageOp(() => copyFile(filePath, tmpPath));
      await storageOp(() => fsyncFile(tmpPath));
      await storageOp(() => chmod(tmpPath, OBJECT_MODE));
      const copied = await hashFile(tmpPath);
      if (copied.sha256 !== key) throw new AppError('STORAGE_WRITE_FAILED', { reason: 'the copy does not hash to the key' });
      const finalPath = this.objectPath(key);
      await storageOp(() => mkdir(path.dirname(finalPath), { recursive: true, mode: DIRECTORY_MODE }));
      await storageOp(() => rename(tmpPath, finalPath));
      await storageOp(() => fsyncDirectory(path.dirname(finalPath)));
      return { key, size: digest.size, sha256: key, sm3: digest.sm3, created: true };
    } catch (error) {
      await rm(tmpPath, { force: true }).catch(() => undefined);
      throw error;
    }
  }

  /**
   * Keeps the bytes of a local file that must not become an object (hash mismatch) in rejected/ for
   * inspection and returns where; the file itself stays (the caller removes it once the refusal is recorded).
   */
  async setAside(filePath: string, sha256: string): Promise<string> {
    if (this.#layout.holds(filePath)) throw new TypeError('setAside: stored objects are never moved');
    await this.#ensureLayout();
    return this.#layout.copyToRejected(filePath, sha256);
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

  /**
   * At start-up: removes every temp file a dead process left (a crash while a file was copied or
   * published). A file whose name carries the id of another process that is still running on this
   * machine is left alone (a worker sharing this store may be writing it). Returns how many were removed.
   */
  async cleanTemp(): Promise<number> {
    let removed = 0;
    for (const name of await listNames(this.#layout.tmpDir, /\.part$/)) {
      if (ownedByOtherLiveProcess(name)) continue;
      await rm(path.join(this.#layout.tmpDir, name), { force: true });
      removed++;
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

/** A temp or work name tagged `-p<pid>-` by a process other than this one that is still alive here. */
export function ownedByOtherLiveProcess(name: string): boolean {
  const pid = Number(/-p(\d+)-/.exec(name)?.[1]);
  if (!Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errnoCode(error) === 'EPERM'; // alive, owned by another user
  }
}

/** link(2) is impossible here (another filesystem, or one without hard links): copy instead. */
function cannotLink(error: unknown): boolean {
  const code = errnoCode((error as { cause?: unknown }).cause) ?? errnoCode(error);
  return code === 'EXDEV' || code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'ENOSYS';
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
