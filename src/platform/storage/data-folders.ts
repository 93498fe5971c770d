import { chmod, lstat, mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config/config.ts';
import { LocalObjectStore, ownedByOtherLiveProcess } from './local-object-store.ts';
import { errnoCode } from './storage-fs.ts';

/**
 * The working folders of the data folder that hold evidence before it is stored:
 *   <data>/uploads/   tus uploads in progress (`<id>` bytes, `<id>.json` with the recording metadata)
 *   <data>/tmp/       work folders of the media tools (`media-…`: a copy of an original, proxies)
 *   <data>/store/     the object store (see LocalLayout)
 */
export const UPLOADS_FOLDER = 'uploads';
export const WORK_FOLDER = 'tmp';
export const STORE_FOLDER = 'store';
/** Watermarked copies awaiting their download (in the shared folder: made on one api node, fetched from any). */
export const COPIES_FOLDER = 'copies';

/**
 * The uploads folder: in the folder all nodes share (QUANLU_SHARED_DIR, default the data folder), so an upload
 * begun on one api node can be resumed on another, and the worker's sweeper sees every node's uploads.
 */
export const uploadsDir = (config: Pick<Config, 'sharedDir'>) => path.join(config.sharedDir, UPLOADS_FOLDER);
/** The copies folder (shared, like the uploads folder). */
export const copiesDir = (config: Pick<Config, 'sharedDir'>) => path.join(config.sharedDir, COPIES_FOLDER);

/** Folders with evidence in progress: for the server's own user only, also when it runs as root. */
export const PRIVATE_DIRECTORY_MODE = 0o700;
/** Files with evidence in progress (upload bytes, their metadata sidecars). */
export const PRIVATE_FILE_MODE = 0o600;

/**
 * Creates the upload and work folders mode 0700 and tightens them when an earlier version left them
 * open (0755 + 0644 files under root's umask: anyone on the machine could read footage and metadata in
 * progress — issue 6 item 7). Upload files that are already hard links of stored objects (read-only,
 * several links) keep their mode: it is the object's.
 */
export async function preparePrivateFolders(config: Pick<Config, 'dataDir' | 'sharedDir'>): Promise<void> {
  const uploads = uploadsDir(config);
  for (const dir of [uploads, path.join(config.dataDir, WORK_FOLDER)]) {
    await mkdir(dir, { recursive: true, mode: PRIVATE_DIRECTORY_MODE });
    await chmod(dir, PRIVATE_DIRECTORY_MODE);
  }
  for (const name of await readdir(uploads)) {
    const s = await lstat(path.join(uploads, name)).catch(() => undefined);
    if (s?.isFile() && s.nlink === 1 && (s.mode & 0o077) !== 0) await chmod(path.join(uploads, name), s.mode & 0o700);
  }
}

/**
 * Start-up clean-up of what a killed process left behind: temp files in store/tmp (a copy or a publish
 * interrupted) and media work folders in tmp/ (a transcode interrupted; the job runs again). Names that
 * carry the id of another process still running here are kept — a worker may share this data folder.
 * Media work folders carry no process id: a data folder is served by one QuanLu server (its embedded
 * database allows one), and a worker started beside it at the same instant would see its job fail and
 * retried, nothing lost.
 */
export async function cleanLeftovers(dataDir: string): Promise<{ tempFiles: number; workFolders: number }> {
  const tempFiles = await new LocalObjectStore(path.join(dataDir, STORE_FOLDER)).cleanTemp();
  let workFolders = 0;
  const work = path.join(dataDir, WORK_FOLDER);
  let names: string[] = [];
  try {
    names = await readdir(work);
  } catch (error) {
    if (errnoCode(error) !== 'ENOENT') throw error;
  }
  for (const name of names) {
    if (!name.startsWith('media-') || ownedByOtherLiveProcess(name)) continue;
    await rm(path.join(work, name), { recursive: true, force: true });
    workFolders++;
  }
  return { tempFiles, workFolders };
}

/** What the server does with its data folder before it serves: private folders, leftovers removed. */
export async function prepareDataFolder(config: Pick<Config, 'dataDir' | 'sharedDir'>): Promise<{ tempFiles: number; workFolders: number }> {
  await preparePrivateFolders(config);
  return cleanLeftovers(config.dataDir);
}
