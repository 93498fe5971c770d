import { open, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { renderReceiptText, stampOf } from './receipt-text.ts';
import type { WalkProblem } from './walk.ts';

/**
 * What became of one file: `uploaded` (stored as a new original), `already_stored` (the server had the
 * bytes before this run), `duplicate` (stored by another upload while this one ran; linked, not stored
 * twice), `would_upload` (--dry-run), `failed` (with the reason) or `skipped` (not attempted, with why).
 */
export type FileState = 'uploaded' | 'already_stored' | 'duplicate' | 'would_upload' | 'failed' | 'skipped';

/** The receipt line of one file. */
export interface FileRecord {
  /** Absolute path on the workstation. */
  path: string;
  /** Path inside the ingested folder. */
  relPath: string;
  sizeBytes: number;
  /** Modification time when hashed: --clear refuses a file that changed since. */
  mtimeMs: number;
  /** Local SHA-256 of the bytes read from the card. */
  sha256?: string;
  /** Local SM3 (GB/T 32905) of the same bytes. */
  sm3?: string;
  state: FileState;
  /** Why it failed or was skipped (Chinese / English). */
  reason?: string;
  /** The server's recording (声像资料) holding these bytes. */
  recordingId?: string | null;
  /** The hashes the server reported for what it stored. */
  server?: { sha256: string; sm3: string };
  /** Both server hashes equal the local ones: the only files --clear may delete. */
  verified: boolean;
  /** The metadata sent with the upload (or that would have been). */
  metadata?: {
    deviceNumber: string;
    officer: { id: string; staffNumber: string; name: string };
    departmentId: string;
    recordedStart: string;
    /** Where the start time came from: the device's file name, or the file's modification time. */
    recordedStartFrom: 'file-name' | 'mtime';
  };
  /** Warnings that did not stop the file (e.g. device number differs from --device). */
  notes?: string[];
  /** The upload continued one an earlier, interrupted run had started (续传). */
  resumed?: boolean;
  /** Deleted from the card by --clear after verification. */
  cleared: boolean;
}

export interface Totals {
  files: number;
  bytes: number;
  uploaded: number;
  alreadyStored: number;
  duplicate: number;
  wouldUpload: number;
  failed: number;
  skipped: number;
  cleared: number;
}

/** The whole receipt (采集站回执), written as JSON and as printable text. */
export interface Receipt {
  format: 'quanlu-ingest-receipt/1';
  server: string;
  device: string;
  /** The ingested folder (mounted card). */
  dir: string;
  /** Host name of the acquisition workstation. */
  workstation: string;
  operator: { id: string; username: string; displayName: string; via: 'token' | 'session' };
  startedAt: string;
  finishedAt: string;
  dryRun: boolean;
  clearRequested: boolean;
  files: FileRecord[];
  /** Folders that could not be read (their files were not ingested). */
  problems: WalkProblem[];
  /** Files --clear could not delete, and why. */
  clearErrors: { relPath: string; reason: string }[];
  totals: Totals;
  exitCode: 0 | 1;
}

/** Counts the states. */
export function totalsOf(files: FileRecord[]): Totals {
  const n = (s: FileState) => files.filter((f) => f.state === s).length;
  return {
    files: files.length,
    bytes: files.reduce((a, f) => a + f.sizeBytes, 0),
    uploaded: n('uploaded'),
    alreadyStored: n('already_stored'),
    duplicate: n('duplicate'),
    wouldUpload: n('would_upload'),
    failed: n('failed'),
    skipped: n('skipped'),
    cleared: files.filter((f) => f.cleared).length,
  };
}

/** 0 when every file is on the server (or would be, in a dry run); 1 when any failed, was skipped, or a folder was unreadable. */
export function exitCodeOf(files: FileRecord[], problems: WalkProblem[]): 0 | 1 {
  return problems.length === 0 && files.every((f) => f.state !== 'failed' && f.state !== 'skipped') ? 0 : 1;
}

/**
 * Picks `ingest-<Beijing start time>` in the receipt folder, with a suffix when two runs started in the
 * same second, and claims it by creating the JSON file (two stations sharing a folder never collide).
 * Called when the receipt is ready, so a run killed part-way leaves no empty receipt behind.
 */
export async function reserveReceipt(dir: string, startedAt: Date): Promise<string> {
  const stamp = stampOf(startedAt);
  for (let i = 1; ; i++) {
    const base = path.join(dir, `ingest-${stamp}${i > 1 ? `-${i}` : ''}`);
    try {
      await (await open(`${base}.json`, 'wx')).close();
      return base;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || i > 100) throw e;
    }
  }
}

/** Writes `<base>.json` and `<base>.txt`, each replaced atomically (a reader never sees half a receipt). */
export async function writeReceipt(base: string, r: Receipt): Promise<{ json: string; txt: string }> {
  const put = async (file: string, text: string) => {
    await writeFile(`${file}.partial`, text, { encoding: 'utf8', mode: 0o644 });
    await rename(`${file}.partial`, file);
  };
  await put(`${base}.json`, `${JSON.stringify(r, null, 2)}\n`);
  await put(`${base}.txt`, renderReceiptText(r));
  return { json: `${base}.json`, txt: `${base}.txt` };
}
