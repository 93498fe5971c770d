import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync } from 'node:fs';
import { open, readdir, readFile, rename, rm, stat, statfs, writeFile } from 'node:fs/promises';
import type http from 'node:http';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { FileStore } from '@tus/file-store';
import { ERRORS, Upload, type KvStore } from '@tus/server';
import { createDualHasher, type DualDigest, type DualHasher } from '../../platform/hashing/dual-hasher.ts';
import { PRIVATE_DIRECTORY_MODE, PRIVATE_FILE_MODE } from '../../platform/storage/data-folders.ts';

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
 * The uploads folder: `<id>` holds the bytes received so far, `<id>.json` (the sidecar) the tus record
 * with the recording metadata. Both are private to the server's user (0600 in a 0700 folder).
 */
export class UploadFolder {
  constructor(readonly dir: string) {}

  /** Path of an upload's bytes. */
  filePath(id: string): string {
    return path.join(this.dir, id);
  }

  /** Path of an upload's sidecar. */
  sidecarPath(id: string): string {
    return path.join(this.dir, `${id}.json`);
  }

  /** Removes an upload's bytes and sidecar (either may already be gone). */
  async remove(id: string): Promise<void> {
    await rm(this.filePath(id), { force: true });
    await rm(this.sidecarPath(id), { force: true });
  }

  /** Upload ids that have a file or a sidecar here. */
  async ids(): Promise<string[]> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    return [...new Set(names.filter((n) => !n.endsWith('.tmp')).map((n) => n.replace(/\.json$/, '')))];
  }

  /** Paths of sidecar temp files (`<id>.json.<random>.tmp`) a crash left half-written. */
  async sidecarTemps(): Promise<string[]> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    return names.filter((n) => /\.json\.[0-9a-f]+\.tmp$/.test(n)).map((n) => path.join(this.dir, n));
  }
}

/**
 * tus sidecars written private (0600) and atomically (a temp file renamed over), so a crash never leaves
 * a half-written record that would make the upload unreadable.
 */
class PrivateSidecarStore implements KvStore<Upload> {
  constructor(private readonly folder: UploadFolder) {}

  async get(key: string): Promise<Upload | undefined> {
    try {
      return JSON.parse(await readFile(this.folder.sidecarPath(key), 'utf8')) as Upload;
    } catch {
      return undefined;
    }
  }

  async set(key: string, value: Upload): Promise<void> {
    const target = this.folder.sidecarPath(key);
    const tmp = `${target}.${randomBytes(4).toString('hex')}.tmp`;
    await writeFile(tmp, JSON.stringify(value), { mode: PRIVATE_FILE_MODE, flag: 'wx' });
    await rename(tmp, target);
  }

  async delete(key: string): Promise<void> {
    await rm(this.folder.sidecarPath(key), { force: true });
  }

  async list(): Promise<string[]> {
    const names = await readdir(this.folder.dir);
    return names.filter((n) => n.endsWith('.json')).map((n) => n.slice(0, -'.json'.length)).filter((id) => names.includes(id));
  }
}

/** What the database says about an upload whose files are gone: finished ones still answer HEAD/PATCH. */
export type FinishedLookup = (id: string) => Promise<{ sizeBytes: number } | undefined>;

/**
 * The tus FileStore, plus SHA-256 and SM3 computed while the bytes stream in, so that a finished upload
 * needs no second pass over a multi-GB file. When the running hash cannot be trusted (the server
 * restarted mid-upload, or a write failed part-way) it is dropped and the finished file is hashed from
 * disk instead — the result is the same, only slower. Files are created private (0600 in a 0700 folder).
 * An upload that was finished (its files removed) still answers HEAD and an empty PATCH with its full
 * length, so a client that lost the answer of its last request learns the result instead of a 404.
 */
export class HashingFileStore extends FileStore {
  readonly #running = new Map<string, Running>();
  readonly folder: UploadFolder;

  constructor(
    readonly dir: string,
    private readonly storageFullBody: () => string,
    private readonly finished: FinishedLookup,
  ) {
    mkdirSync(dir, { recursive: true, mode: PRIVATE_DIRECTORY_MODE });
    chmodSync(dir, PRIVATE_DIRECTORY_MODE);
    const folder = new UploadFolder(dir);
    super({ directory: dir, configstore: new PrivateSidecarStore(folder) });
    this.folder = folder;
  }

  /** Path of an upload's bytes on disk. */
  filePath(id: string): string {
    return this.folder.filePath(id);
  }

  override async create(file: Upload): Promise<Upload> {
    const filePath = this.folder.filePath(file.id);
    if (path.dirname(filePath) !== this.dir || path.basename(filePath) !== file.id) throw ERRORS.FILE_NOT_FOUND;
    const handle = await open(filePath, 'wx', PRIVATE_FILE_MODE);
    await handle.close();
    await this.configstore.set(file.id, file);
    file.storage = { type: 'file', path: filePath };
    return file;
  }

  override async getUpload(id: string): Promise<Upload> {
    try {
      return await super.getUpload(id);
    } catch (e) {
      if (e !== ERRORS.FILE_NOT_FOUND && e !== ERRORS.FILE_NO_LONGER_EXISTS) throw e;
      const done = await this.finished(id);
      if (!done) throw e;
      return new Upload({ id, size: done.sizeBytes, offset: done.sizeBytes });
    }
  }

  override async write(readable: http.IncomingMessage | Readable, id: string, offset: number): Promise<number> {
    // All bytes are in (the file is read-only: being published, or gone: finished): nothing to write, and
    // opening it for writing would fail. The request (an empty PATCH) goes on to the finishing step.
    const st = await stat(this.filePath(id)).catch(() => undefined);
    if (!st || (st.mode & 0o200) === 0) {
      let extra = 0;
      for await (const chunk of readable) extra += (chunk as Buffer).length;
      if (extra > 0) throw ERRORS.INVALID_OFFSET;
      return offset;
    }
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
            let wait: void | Promise<void>;
            try {
              wait = r.hasher.update(chunk);
            } catch (e) {
              // The hasher failed (its thread died): this request fails, the bytes written so far stay resumable.
              return done(e as Error);
            }
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

  /** tus termination: the bytes and the sidecar go (the service has recorded the cancellation first). */
  override async remove(id: string): Promise<void> {
    this.#drop(id);
    await this.folder.remove(id);
  }

  /**
   * At shutdown: the running hashes of uploads not finished are dropped, so their jobs leave the shared hash
   * pool's threads (a resumed upload is hashed from the bytes on disk, as after a restart).
   */
  dropRunningHashes(): void {
    for (const id of [...this.#running.keys()]) this.#drop(id);
  }

  #drop(id: string) {
    this.#running.get(id)?.hasher.abort();
    this.#running.delete(id);
  }
}
