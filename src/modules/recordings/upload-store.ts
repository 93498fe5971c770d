import { statfs } from 'node:fs/promises';
import type http from 'node:http';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { FileStore } from '@tus/file-store';
import { createDualHasher, type DualDigest, type DualHasher } from '../../platform/hashing/dual-hasher.ts';

interface Running {
  hasher: DualHasher;
  /** Bytes fed to the hasher so far; must equal the upload offset to keep hashing in-stream. */
  bytes: number;
}

/** Free space under which a failed write is reported as "storage full" rather than a generic error. */
const NEARLY_FULL_BYTES = 64 * 1024 * 1024;

/** Thrown to tus as `{ status_code, body }`: the client receives our error JSON. */
export class TusError {
  constructor(
    readonly status_code: number,
    readonly body: string,
  ) {}
}

/**
 * The tus FileStore, plus SHA-256 and SM3 computed while the bytes stream in, so that a finished upload
 * needs no second pass over a multi-GB file. When the running hash cannot be trusted (the server
 * restarted mid-upload, or a write failed part-way) it is dropped and the finished file is hashed from
 * disk instead — the result is the same, only slower.
 */
export class HashingFileStore extends FileStore {
  readonly #running = new Map<string, Running>();

  constructor(
    readonly dir: string,
    private readonly storageFullBody: () => string,
  ) {
    super({ directory: dir });
  }

  /** Path of an upload's bytes on disk. */
  filePath(id: string): string {
    return path.join(this.dir, id);
  }

  override async write(readable: http.IncomingMessage | Readable, id: string, offset: number): Promise<number> {
    let run = this.#running.get(id);
    if (offset === 0) {
      run?.hasher.abort();
      run = { hasher: createDualHasher(), bytes: 0 };
      this.#running.set(id, run);
    } else if (run && run.bytes !== offset) {
      this.#drop(id);
      run = undefined;
    }
    let source: Readable | http.IncomingMessage = readable;
    if (run) {
      const r = run;
      source = readable.pipe(
        new Transform({
          transform(chunk: Buffer, _enc, done) {
            r.bytes += chunk.length;
            const wait = r.hasher.update(chunk);
            if (wait) wait.then(() => done(null, chunk), done);
            else done(null, chunk);
          },
        }),
      );
      readable.on('error', (e) => (source as Readable).destroy(e));
    }
    try {
      const newOffset = await super.write(source, id, offset);
      if (run && run.bytes !== newOffset) this.#drop(id);
      return newOffset;
    } catch (e) {
      this.#drop(id);
      const fs = await statfs(this.dir).catch(() => undefined);
      if (fs && fs.bavail * fs.bsize < NEARLY_FULL_BYTES) throw new TusError(507, this.storageFullBody());
      throw e;
    }
  }

  /**
   * The digest of a finished upload of `size` bytes, from the running hash when it saw every byte,
   * or undefined (the caller hashes the file).
   */
  async takeDigest(id: string, size: number): Promise<DualDigest | undefined> {
    const run = this.#running.get(id);
    this.#running.delete(id);
    if (!run) return undefined;
    if (run.bytes !== size) {
      run.hasher.abort();
      return undefined;
    }
    return run.hasher.digest();
  }

  override async remove(id: string): Promise<void> {
    this.#drop(id);
    await super.remove(id);
  }

  #drop(id: string) {
    this.#running.get(id)?.hasher.abort();
    this.#running.delete(id);
  }
}
