import { opendir, stat } from 'node:fs/promises';
import path from 'node:path';

/** File types body cameras, recorders and phones write (video, audio, photo). */
export const MEDIA_EXTENSIONS = new Set(['mp4', 'mov', 'avi', 'mkv', 'mts', 'ts', '3gp', 'm4a', 'wav', 'mp3', 'aac', 'amr', 'jpg', 'jpeg', 'png']);

/** One media file found on the card. */
export interface CardFile {
  /** Absolute path. */
  path: string;
  /** Path relative to the ingested folder, with `/` separators (as the receipt shows it). */
  relPath: string;
  sizeBytes: number;
  /** Last modification, kept to notice a file that changes between hashing and clearing. */
  mtimeMs: number;
}

/** A folder or file that could not be read (the receipt lists it: it was not ingested). */
export interface WalkProblem {
  relPath: string;
  reason: string;
}

const isMedia = (name: string) => MEDIA_EXTENSIONS.has(path.extname(name).slice(1).toLowerCase());

/**
 * Lists the media files under `root`, sorted by path. Hidden entries (`.Trashes`, `._DSJ…` resource
 * forks) are skipped, and symbolic links are not followed: a card holds plain files, and a link could
 * lead outside it — or, with `--clear`, to a file that must not be deleted.
 */
export async function walkMedia(root: string): Promise<{ files: CardFile[]; problems: WalkProblem[] }> {
  const files: CardFile[] = [];
  const problems: WalkProblem[] = [];
  const rel = (p: string) => path.relative(root, p).split(path.sep).join('/');

  async function visit(dir: string): Promise<void> {
    let handle;
    try {
      handle = await opendir(dir);
    } catch (e) {
      problems.push({ relPath: rel(dir) || '.', reason: (e as Error).message });
      return;
    }
    for await (const entry of handle) {
      if (entry.name.startsWith('.')) continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await visit(full);
      else if (entry.isFile() && isMedia(entry.name)) {
        const st = await stat(full).catch((e: Error) => e);
        if (st instanceof Error) problems.push({ relPath: rel(full), reason: st.message });
        else files.push({ path: full, relPath: rel(full), sizeBytes: st.size, mtimeMs: st.mtimeMs });
      }
    }
  }

  await visit(root);
  files.sort((a, b) => (a.relPath < b.relPath ? -1 : a.relPath > b.relPath ? 1 : 0));
  return { files, problems };
}
