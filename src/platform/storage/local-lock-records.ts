import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../errors/error-catalog.ts';
import { DIRECTORY_MODE } from './local-layout.ts';
import { assertObjectKey, type ObjectLockState } from './object-store.ts';
import { errnoCode, fsyncDirectory, storageOp } from './storage-fs.ts';

/** One record file: the current state and how it got there (oldest first). */
interface LockRecord {
  retainUntil: string | null;
  legalHold: boolean;
  history: { at: string; retainUntil?: string; legalHold?: boolean }[];
}

/**
 * Retention dates and legal holds of a LocalObjectStore's objects, RECORDED ONLY:
 *   <root>/locks/ab/<sha256>.json
 * A folder cannot enforce a retention date: anyone with the server's (or root's) file rights may delete an
 * object or edit this record, and nothing here stops them. What protects local originals is elsewhere —
 * read-only files, the database refusing DELETE of `original` rows, fixity re-hashing every object. These
 * records exist so that the retention and disposal rules can be written once against the ObjectStore
 * interface and behave the same (refuse to shorten, keep held objects) on both stores; an installation
 * that needs the store itself to refuse deletion uses the S3 store with Object Lock.
 */
export class LocalLockRecords {
  readonly dir: string;
  /** Read-modify-write of one record at a time per key in this process (a record is tiny). */
  readonly #queue = new Map<string, Promise<unknown>>();

  constructor(rootDir: string) {
    this.dir = path.join(rootDir, 'locks');
  }

  #path(key: string): string {
    const k = assertObjectKey(key);
    return path.join(this.dir, k.slice(0, 2), `${k}.json`);
  }

  async read(key: string): Promise<ObjectLockState> {
    const r = await this.#load(key);
    return { retainUntil: r.retainUntil ? new Date(r.retainUntil) : null, legalHold: r.legalHold, enforced: false };
  }

  /** Records a later retain-until date; an earlier one is refused, the same one changes nothing. */
  extend(key: string, until: Date): Promise<ObjectLockState> {
    if (!(until instanceof Date) || Number.isNaN(until.getTime())) throw new TypeError('extendRetention: until must be a valid Date');
    return this.#update(key, (r) => {
      const current = r.retainUntil ? new Date(r.retainUntil) : undefined;
      if (current && until.getTime() < current.getTime()) {
        throw new AppError('RETENTION_SHORTEN_REFUSED', { current: current.toISOString(), requested: until.toISOString() });
      }
      if (current && until.getTime() === current.getTime()) return false;
      r.retainUntil = until.toISOString();
      r.history.push({ at: new Date().toISOString(), retainUntil: r.retainUntil });
      return true;
    });
  }

  setLegalHold(key: string, on: boolean): Promise<ObjectLockState> {
    return this.#update(key, (r) => {
      if (r.legalHold === on) return false;
      r.legalHold = on;
      r.history.push({ at: new Date().toISOString(), legalHold: on });
      return true;
    });
  }

  #update(key: string, change: (r: LockRecord) => boolean): Promise<ObjectLockState> {
    const file = this.#path(key);
    const previous = this.#queue.get(file) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(async () => {
      const r = await this.#load(key);
      if (change(r)) await this.#save(file, r);
      return { retainUntil: r.retainUntil ? new Date(r.retainUntil) : null, legalHold: r.legalHold, enforced: false };
    });
    this.#queue.set(file, next);
    void next.finally(() => {
      if (this.#queue.get(file) === next) this.#queue.delete(file);
    }).catch(() => undefined);
    return next;
  }

  async #load(key: string): Promise<LockRecord> {
    try {
      return JSON.parse(await readFile(this.#path(key), 'utf8')) as LockRecord;
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return { retainUntil: null, legalHold: false, history: [] };
      throw error;
    }
  }

  /** Written to a temp name, fsynced, renamed over the old record: a crash leaves the old or the new one. */
  async #save(file: string, r: LockRecord): Promise<void> {
    const dir = path.dirname(file);
    await storageOp(() => mkdir(dir, { recursive: true, mode: DIRECTORY_MODE }));
    const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      const handle = await storageOp(() => open(tmp, 'wx', 0o640));
      try {
        await storageOp(() => handle.writeFile(JSON.stringify(r)));
        await storageOp(() => handle.sync());
      } finally {
        await handle.close();
      }
      await storageOp(() => rename(tmp, file));
      await storageOp(() => fsyncDirectory(dir));
    } catch (error) {
      await rm(tmp, { force: true }).catch(() => undefined);
      throw error;
    }
  }
}
