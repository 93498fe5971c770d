import { execFile, spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { promisify } from 'node:util';
import { AppError } from '../../platform/errors/error-catalog.ts';
import { hashStream, type DualDigest } from '../../platform/hashing/dual-hasher.ts';
import { SECTOR } from './volume-plan.ts';

const run = promisify(execFile);

/**
 * ISO images through xorriso (Debian package `xorriso`; no pure-JS ISO writer exists): ISO 9660 level 3 (files
 * over 4 GiB as several extents), Rock Ridge (POSIX names, UTF-8, so Chinese names stay) and Joliet with long
 * names (what Windows shows).
 */
export const XORRISO = 'xorriso';

/** The mkisofs-compatible arguments that write `dir` as an image (also what the benchmark runs by hand). */
export function mkisofsArgs(dir: string, label: string, out: string): string[] {
  return ['-as', 'mkisofs', '-iso-level', '3', '-R', '-J', '-joliet-long', '-input-charset', 'utf-8', '-V', label, '-o', out, dir];
}

/** Throws MEDIA_TOOL_MISSING unless xorriso runs. */
export async function assertXorriso(): Promise<void> {
  try {
    await run(XORRISO, ['-version'], { timeout: 30_000 });
  } catch {
    throw new AppError('MEDIA_TOOL_MISSING');
  }
}

/**
 * Writes the folder as an ISO image. `onPercent` gets xorriso's progress (it prints "n% done" to stderr while it
 * writes). Rejects with xorriso's last lines when it fails.
 */
export function writeIso(dir: string, label: string, out: string, onPercent?: (p: number) => void, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(XORRISO, mkisofsArgs(dir, label, out), { stdio: ['ignore', 'ignore', 'pipe'], signal });
    let tail = '';
    child.stderr.setEncoding('utf8').on('data', (s: string) => {
      tail = (tail + s).slice(-4000);
      const m = /([\d.]+)% done/g.exec(s);
      if (m && onPercent) onPercent(Number(m[1]));
    });
    child.on('error', (e) => reject((e as NodeJS.ErrnoException).code === 'ENOENT' ? new AppError('MEDIA_TOOL_MISSING') : e));
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`xorriso failed (${code}): ${tail.trim().split('\n').slice(-3).join(' | ')}`))));
  });
}

/** Undoes xorriso's shell-style quoting of a path: 'a'"'"'b' → a'b. */
export function unquoteXorriso(q: string): string {
  let out = '';
  let i = 0;
  while (i < q.length) {
    const c = q[i]!;
    if (c === "'") {
      const j = q.indexOf("'", i + 1);
      if (j < 0) throw new Error(`bad quoting: ${q}`);
      out += q.slice(i + 1, j);
      i = j + 1;
    } else if (c === '"') {
      let j = i + 1;
      while (j < q.length && q[j] !== '"') {
        if (q[j] === '\\' && j + 1 < q.length) j++;
        out += q[j];
        j++;
      }
      i = j + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** A file of an image: where its data lies (one extent, or several for files over 4 GiB). */
export interface IsoFile {
  path: string;
  size: number;
  extents: { lba: number; bytes: number }[];
}

const LBA_LINE = /^File data lba:\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*,\s*(.+)$/;

/**
 * Lists the image's files as its own directory tree says (xorriso reads the Rock Ridge tree), with the sectors of
 * each file's data. Throws MEDIUM_IMAGE_UNREADABLE when xorriso cannot read it as an ISO 9660 image.
 */
export async function listIsoFiles(iso: string): Promise<IsoFile[]> {
  let stdout: string;
  try {
    ({ stdout } = await run(XORRISO, ['-abort_on', 'FAILURE', '-indev', iso, '-find', '/', '-type', 'f', '-exec', 'report_lba', '--'], {
      maxBuffer: 256 * 1024 * 1024,
      timeout: 600_000,
    }));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new AppError('MEDIA_TOOL_MISSING');
    const msg = String((e as { stderr?: string }).stderr ?? (e as Error).message).trim().split('\n').slice(-2).join(' ');
    throw new AppError('MEDIUM_IMAGE_UNREADABLE', { reason: msg.slice(0, 300) });
  }
  const files = new Map<string, IsoFile & { xt: number[] }>();
  for (const line of stdout.split('\n')) {
    const m = LBA_LINE.exec(line.trim());
    if (!m) continue;
    const p = unquoteXorriso(m[5]!).replace(/^\//, '');
    const f = files.get(p) ?? { path: p, size: 0, extents: [], xt: [] };
    f.extents.push({ lba: Number(m[2]), bytes: Number(m[4]) });
    f.xt.push(Number(m[1]));
    f.size += Number(m[4]);
    files.set(p, f);
  }
  if (!files.size) throw new AppError('MEDIUM_IMAGE_UNREADABLE', { reason: 'no files / 映像中没有文件' });
  return [...files.values()].map(({ xt, ...f }) => ({ ...f, extents: f.extents.map((e, i) => ({ e, x: xt[i]! })).sort((a, b) => a.x - b.x).map((o) => o.e) }));
}

/** Reads one file's bytes out of the image (its extents in order). */
export async function* readIsoFile(iso: string, f: IsoFile): AsyncGenerator<Buffer> {
  for (const e of f.extents) {
    if (e.bytes === 0) continue;
    const start = e.lba * SECTOR;
    for await (const chunk of createReadStream(iso, { start, end: start + e.bytes - 1, highWaterMark: 1 << 20 })) yield chunk as Buffer;
  }
}

/** SHA-256 and SM3 of one file as read back from the image. */
export function hashIsoFile(iso: string, f: IsoFile): Promise<DualDigest> {
  return hashStream(readIsoFile(iso, f));
}
