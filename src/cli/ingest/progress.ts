import { formatBytes, STATE_LABEL } from './receipt-text.ts';
import type { FileRecord } from './receipt.ts';

/** Percent lines per file are at most this often (a 4 GB file would otherwise print thousands). */
const PERCENT_EVERY_MS = 2_000;

/**
 * Per-file progress lines on stderr (stdout carries only the summary): started, percent now and then,
 * and the outcome with the hash. Lines, not a redrawn bar, so the log of an unattended station reads
 * the same as the screen.
 */
export class ProgressReporter {
  readonly #lastPercentAt = new Map<number, number>();

  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly total: number,
    private readonly now: () => number = Date.now,
  ) {}

  #tag(index: number, relPath: string) {
    return `[${index + 1}/${this.total}] ${relPath}`;
  }

  /** Free-form line (run header, warnings). */
  note(text: string): void {
    this.out.write(`${text}\n`);
  }

  /** Hashing began (large files take a while before the upload itself starts). */
  hashing(index: number, relPath: string, sizeBytes: number): void {
    this.out.write(`${this.#tag(index, relPath)} 计算哈希 hashing (${formatBytes(sizeBytes)})\n`);
  }

  /** The upload began (or continues an earlier one). */
  started(index: number, relPath: string, sizeBytes: number): void {
    this.#lastPercentAt.set(index, this.now());
    this.out.write(`${this.#tag(index, relPath)} 开始上传 upload started (${formatBytes(sizeBytes)})\n`);
  }

  /** Bytes sent so far; printed at most every PERCENT_EVERY_MS per file. */
  progress(index: number, relPath: string, sent: number, total: number): void {
    const t = this.now();
    if (t - (this.#lastPercentAt.get(index) ?? 0) < PERCENT_EVERY_MS || total === 0) return;
    this.#lastPercentAt.set(index, t);
    this.out.write(`${this.#tag(index, relPath)} ${Math.floor((sent / total) * 100)}% (${formatBytes(sent)} / ${formatBytes(total)})\n`);
  }

  /** The file's outcome. */
  done(index: number, r: FileRecord): void {
    this.#lastPercentAt.delete(index);
    const hash = r.sha256 ? ` sha256=${r.sha256}` : '';
    const why = r.reason ? ` — ${r.reason}` : '';
    const resumed = r.resumed ? ' (续传 resumed)' : '';
    this.out.write(`${this.#tag(index, r.relPath)} ${STATE_LABEL[r.state]}${resumed}${hash}${why}\n`);
  }
}
