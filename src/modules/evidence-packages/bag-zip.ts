import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';
import { createDualHasher } from '../../platform/hashing/dual-hasher.ts';
import type { BagFile } from './bag.ts';

/**
 * Writes a bag as one ZIP file, streamed (issue 13 §5: never held in memory; ZIP64 past 4 GB, which yazl
 * writes where needed). Each streamed file is hashed (SHA-256 and SM3, SM3 on a worker thread) in the same
 * pass that zips it, so every original is read once; files are added one after the other, so one source is
 * open at a time. The ZIP's own SHA-256 is computed as it is written.
 */
export class BagZip {
  private readonly zip = new yazl.ZipFile();
  private readonly zipSha = createHash('sha256');
  private zipSize = 0;
  private readonly written: Promise<void>;
  private readonly mtime: Date;

  constructor(
    outFile: string,
    private readonly bag: string,
    private readonly onBytes: (n: number) => void = () => undefined,
    o: { mtime?: Date } = {},
  ) {
    this.mtime = o.mtime ?? new Date();
    const count = new Transform({
      transform: (chunk: Buffer, _enc, cb) => {
        this.zipSha.update(chunk);
        this.zipSize += chunk.length;
        cb(null, chunk);
      },
    });
    this.written = pipeline(this.zip.outputStream, count, createWriteStream(outFile, { mode: 0o600 }));
    // A write failure surfaces when finish() awaits it; keep it from being an unhandled rejection meanwhile.
    this.written.catch(() => undefined);
  }

  /**
   * Adds a file read from `source`, hashing it as it is zipped (stored, not deflated: media do not compress).
   * Resolves with its digests once yazl has taken every byte. `size`, when given, is checked by yazl.
   */
  async addStream(path: string, source: Readable, o: { size?: number; compress?: boolean; counted?: boolean } = {}): Promise<BagFile> {
    const hasher = createDualHasher();
    const onBytes = o.counted === false ? () => undefined : this.onBytes;
    const tap = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        let wait: void | Promise<void>;
        try {
          wait = hasher.update(chunk);
          onBytes(chunk.length);
        } catch (e) {
          cb(e as Error);
          return;
        }
        if (wait) wait.then(() => cb(null, chunk), cb);
        else cb(null, chunk);
      },
    });
    this.zip.addReadStream(tap, `${this.bag}/${path}`, { compress: o.compress ?? false, mtime: this.mtime, mode: 0o100644, ...(o.size !== undefined && { size: o.size }) });
    try {
      // Resolves when the tap has passed on every byte and yazl has read them all (its readable side ended).
      await Promise.race([pipeline(source, tap), this.written.then(() => Promise.reject(new Error('the ZIP output ended early')))]);
      const d = await hasher.digest();
      return { path, size: d.size, sha256: d.sha256, sm3: d.sm3 };
    } catch (e) {
      hasher.abort();
      source.destroy();
      throw e;
    }
  }

  /** Adds a small generated file (tag files, JSON, PDFs made here) and returns its digests. */
  addBuffer(path: string, bytes: Buffer | string): BagFile {
    const b = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes;
    this.zip.addBuffer(b, `${this.bag}/${path}`, { compress: true, mtime: this.mtime, mode: 0o100644 });
    return { path, size: b.length, sha256: createHash('sha256').update(b).digest('hex'), sm3: createHash('sm3').update(b).digest('hex') };
  }

  /** Ends the ZIP (central directory, ZIP64 records when needed) and waits for the file; its size and SHA-256. */
  async finish(): Promise<{ size: number; sha256: string }> {
    this.zip.end();
    await this.written;
    return { size: this.zipSize, sha256: this.zipSha.digest('hex') };
  }

  /** Stops writing (the caller removes the partial file). */
  abort(): void {
    (this.zip.outputStream as unknown as { destroy(): void }).destroy();
  }
}
