import { randomBytes } from 'node:crypto';
import { copyFile, link, mkdir, open, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../errors/error-catalog.ts';
import { assertObjectKey } from './object-store.ts';
import { errnoCode, fileTimestamp, fsyncDirectory, storageOp, withCause } from './storage-fs.ts';

/** Stored objects are read-only: a careless process cannot rewrite an original in place. */
export const OBJECT_MODE = 0o444;
/** Store folders: not for other users of the machine (evidence); the group may read (backups). */
export const DIRECTORY_MODE = 0o750;
/** Filesystems without hard links answer link() with one of these; publishing then falls back to rename(). */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS']);

/**
 * The folder layout of a LocalObjectStore:
 *   <root>/objects/ab/cd/<sha256>          stored objects, read-only
 *   <root>/tmp/<time>-p<pid>-<random>.part files being written (same filesystem, so publishing is atomic);
 *                                          the pid tells a start-up clean-up whose file it is
 *   <root>/rejected/<time>-<sha256>        uploads refused at finish (e.g. a hash that differed from the
 *                                          client's), kept for inspection
 */
export class LocalLayout {
  readonly objectsDir: string;
  readonly tmpDir: string;
  readonly rejectedDir: string;

  constructor(readonly rootDir: string) {
    this.objectsDir = path.join(rootDir, 'objects');
    this.tmpDir = path.join(rootDir, 'tmp');
    this.rejectedDir = path.join(rootDir, 'rejected');
  }

  /** Where the object with this key lives (or would live); the key is validated first. */
  objectPath(key: string): string {
    const k = assertObjectKey(key);
    return path.join(this.objectsDir, k.slice(0, 2), k.slice(2, 4), k);
  }

  /** A fresh, unused temp file name, tagged with this process's id (see cleanTemp). */
  tmpPath(): string {
    return path.join(this.tmpDir, `${fileTimestamp()}-p${process.pid}-${randomBytes(8).toString('hex')}.part`);
  }

  /** Creates the three folders (idempotent). */
  async create(): Promise<void> {
    for (const dir of [this.objectsDir, this.tmpDir, this.rejectedDir]) {
      await storageOp(() => mkdir(dir, { recursive: true, mode: DIRECTORY_MODE }));
    }
  }

  /**
   * Gives a finished, fsynced, read-only temp file its final name; false when that content was already
   * stored (the temp file is then just removed). link(2) rather than rename(2): link never replaces an
   * existing name, so concurrent uploads of the same bytes cannot overwrite each other and a stored
   * original is never rewritten. The directory is fsynced so the new name survives a power cut.
   */
  async publish(tmpPath: string, key: string): Promise<boolean> {
    const finalPath = this.objectPath(key);
    const madeDir = await this.#makeObjectDir(finalPath);
    let created = true;
    try {
      await link(tmpPath, finalPath);
    } catch (error) {
      const code = errnoCode(error);
      if (code === 'EEXIST') created = false;
      else if (code && NO_HARD_LINKS.has(code)) created = await storageOp(() => renameUnlessExists(tmpPath, finalPath));
      else throw withCause(new AppError('STORAGE_WRITE_FAILED', { reason: code ?? 'link' }), error);
    }
    await rm(tmpPath, { force: true }).catch(() => undefined); // a leftover is removed at the next start
    if (created) await this.#syncNewName(finalPath, madeDir);
    return created;
  }

  /**
   * Gives a finished, fsynced, read-only file that lives OUTSIDE the store (a finished upload) its object
   * name as a second hard link, leaving the file where it is: at every instant either the caller's file or
   * the object (or both) holds the bytes, so a crash loses nothing. 'same-file' when that name already
   * points at this very file (an earlier, interrupted attempt); 'other' when another file holds the name.
   * Throws STORAGE_WRITE_FAILED with `cause.code` EXDEV (or a no-hard-links code) when linking is not
   * possible — the caller then copies.
   */
  async linkAs(filePath: string, key: string): Promise<'created' | 'same-file' | 'other'> {
    const finalPath = this.objectPath(key);
    const madeDir = await this.#makeObjectDir(finalPath);
    try {
      await link(filePath, finalPath);
    } catch (error) {
      if (errnoCode(error) !== 'EEXIST') throw withCause(new AppError('STORAGE_WRITE_FAILED', { reason: errnoCode(error) ?? 'link' }), error);
      const [mine, theirs] = await Promise.all([stat(filePath), stat(finalPath)]);
      return mine.ino === theirs.ino && mine.dev === theirs.dev ? 'same-file' : 'other';
    }
    await this.#syncNewName(finalPath, madeDir);
    return 'created';
  }

  /**
   * Replaces the object `key` with a finished, fsynced, read-only file (kept where it is) in one atomic
   * rename: a reader sees the old or the new file, never a mix. Only for an object a fresh check found
   * missing or damaged — the caller's file must hash to `key` (see LocalObjectStore.replaceDamaged).
   */
  async replaceWith(filePath: string, key: string): Promise<void> {
    const finalPath = this.objectPath(key);
    const madeDir = await this.#makeObjectDir(finalPath);
    const tmpPath = this.tmpPath();
    await storageOp(() => link(filePath, tmpPath));
    try {
      await storageOp(() => rename(tmpPath, finalPath));
    } catch (error) {
      await rm(tmpPath, { force: true }).catch(() => undefined);
      throw error;
    }
    await this.#syncNewName(finalPath, madeDir);
  }

  async #makeObjectDir(finalPath: string): Promise<boolean> {
    return !!(await storageOp(() => mkdir(path.dirname(finalPath), { recursive: true, mode: DIRECTORY_MODE })));
  }

  /** fsyncs the folder of a new name (and new ab/, ab/cd/ folders, or the name hangs off a lost folder). */
  async #syncNewName(finalPath: string, madeDir: boolean): Promise<void> {
    const dir = path.dirname(finalPath);
    await storageOp(() => fsyncDirectory(dir));
    if (madeDir) for (const d of [path.dirname(dir), path.dirname(path.dirname(dir))]) await storageOp(() => fsyncDirectory(d));
  }

  /**
   * Moves a file to rejected/ under `<time>-<sha256>` and returns that name. A rename when on the same
   * filesystem; otherwise copied (fsynced) and the source removed.
   */
  async moveToRejected(filePath: string, sha256: string): Promise<string> {
    const name = await this.copyToRejected(filePath, sha256);
    await rm(filePath, { force: true });
    return name;
  }

  /**
   * Keeps the bytes of a file in rejected/ under `<time>-<sha256>` and returns that name; the file itself
   * stays (a hard link on the same filesystem, else an fsynced copy), so the caller can record the refusal
   * first and remove its file after — a crash in between loses nothing.
   */
  async copyToRejected(filePath: string, sha256: string): Promise<string> {
    const name = `${fileTimestamp()}-${assertObjectKey(sha256)}`;
    const target = path.join(this.rejectedDir, name);
    await storageOp(async () => {
      try {
        await link(filePath, target);
      } catch (error) {
        const code = errnoCode(error);
        if (code !== 'EXDEV' && !(code && NO_HARD_LINKS.has(code))) throw error;
        await copyFile(filePath, target);
        await fsyncFile(target);
      }
      await fsyncDirectory(this.rejectedDir);
    });
    return name;
  }

  /** True when `filePath` is inside objects/ (such a path must never be moved or deleted). */
  holds(filePath: string): boolean {
    const rel = path.relative(this.objectsDir, path.resolve(filePath));
    return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
  }
}

/** fsync of a file's data, through a read-only descriptor (Linux allows it). */
export async function fsyncFile(filePath: string): Promise<void> {
  const handle = await open(filePath, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Fallback publish for filesystems without hard links: check, then rename (a small race remains). */
async function renameUnlessExists(from: string, to: string): Promise<boolean> {
  if (await stat(to).then(() => true, () => false)) return false;
  await rename(from, to);
  return true;
}
