/**
 * A ZIP reader over any random-access source (a browser File sliced with Blob.slice, a Node file handle),
 * written for the verifiers: no Node imports. It reads the end of central directory record (and its ZIP64
 * locator and record when present), then the central directory, and opens an entry as an async stream of
 * chunks: stored entries are passed through, deflated ones go through an injected raw-inflate transform
 * (DecompressionStream('deflate-raw') by default). Sizes and offsets past 2^53 are refused.
 */

export interface RandomAccess {
  size: number;
  read(offset: number, length: number): Promise<Uint8Array>;
}

export interface PackageEntry {
  /** Path inside the archive (UTF-8), '/'-separated. */
  name: string;
  /** Uncompressed size in bytes. */
  size: number;
}

/** What the verifier needs from a package: its entries and a way to stream one. */
export interface PackageReader {
  entries(): Promise<PackageEntry[]>;
  open(name: string): AsyncIterable<Uint8Array>;
}

export type Inflater = (compressed: AsyncIterable<Uint8Array>) => AsyncIterable<Uint8Array>;

export class ZipFormatError extends Error {}

/** An entry's data in the archive: `compressedSize` bytes from `start`, stored (0) or deflated (8), `size` bytes once inflated. */
export interface EntryLocation {
  name: string;
  start: number;
  compressedSize: number;
  method: 0 | 8;
  size: number;
}

interface ZipEntry extends PackageEntry {
  method: number;
  compressedSize: number;
  localHeaderOffset: number;
}

const CHUNK = 4 << 20;

function u16(b: Uint8Array, o: number): number {
  return b[o]! | (b[o + 1]! << 8);
}
function u32(b: Uint8Array, o: number): number {
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
}
function u64(b: Uint8Array, o: number): number {
  const v = u32(b, o) + u32(b, o + 4) * 2 ** 32;
  if (!Number.isSafeInteger(v)) throw new ZipFormatError('ZIP64 value too large');
  return v;
}

export async function* webInflateRaw(compressed: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  const ds = new DecompressionStream('deflate-raw');
  const writer = ds.writable.getWriter();
  const pump = (async () => {
    for await (const c of compressed) await writer.write(c as Uint8Array<ArrayBuffer>);
    await writer.close();
  })();
  // A failing source aborts the stream, so the reader below fails too instead of waiting for bytes forever.
  pump.catch((e: unknown) => writer.abort(e).catch(() => undefined));
  const reader = ds.readable.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    yield value;
  }
  await pump;
}

export class ZipReader implements PackageReader {
  private cache?: Promise<Map<string, ZipEntry>>;

  constructor(
    private readonly src: RandomAccess,
    private readonly inflate: Inflater = webInflateRaw,
  ) {}

  private async readDirectory(): Promise<Map<string, ZipEntry>> {
    const { src } = this;
    const tailLen = Math.min(src.size, 22 + 0xffff + 20);
    const tailStart = src.size - tailLen;
    const tail = await src.read(tailStart, tailLen);
    let eocd = -1;
    for (let i = tail.length - 22; i >= 0; i--) {
      if (u32(tail, i) === 0x06054b50 && i + 22 + u16(tail, i + 20) === tail.length) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) throw new ZipFormatError('not a ZIP file (no end of central directory record)');
    let count = u16(tail, eocd + 10);
    let cdSize = u32(tail, eocd + 12);
    let cdOffset = u32(tail, eocd + 16);
    const loc = eocd - 20;
    if (loc >= 0 && u32(tail, loc) === 0x07064b50) {
      const recOffset = u64(tail, loc + 8);
      const rec = await src.read(recOffset, 56);
      if (u32(rec, 0) !== 0x06064b50) throw new ZipFormatError('bad ZIP64 end of central directory record');
      count = u64(rec, 32);
      cdSize = u64(rec, 40);
      cdOffset = u64(rec, 48);
    }
    if (cdOffset + cdSize > src.size) throw new ZipFormatError('central directory outside the file');
    const cd = await src.read(cdOffset, cdSize);
    const out = new Map<string, ZipEntry>();
    const utf8 = new TextDecoder('utf-8', { fatal: true });
    let p = 0;
    for (let i = 0; i < count; i++) {
      if (p + 46 > cd.length || u32(cd, p) !== 0x02014b50) throw new ZipFormatError('bad central directory entry');
      const method = u16(cd, p + 10);
      let compressedSize = u32(cd, p + 20);
      let size = u32(cd, p + 24);
      const nameLen = u16(cd, p + 28);
      const extraLen = u16(cd, p + 30);
      const commentLen = u16(cd, p + 32);
      let localHeaderOffset = u32(cd, p + 42);
      const name = utf8.decode(cd.subarray(p + 46, p + 46 + nameLen));
      // ZIP64 extended information: present fields follow in a fixed order, only those whose 32-bit value is 0xffffffff.
      const extra = cd.subarray(p + 46 + nameLen, p + 46 + nameLen + extraLen);
      for (let e = 0; e + 4 <= extra.length; ) {
        const id = u16(extra, e);
        const len = u16(extra, e + 2);
        if (id === 0x0001) {
          let q = e + 4;
          if (size === 0xffffffff) (size = u64(extra, q)), (q += 8);
          if (compressedSize === 0xffffffff) (compressedSize = u64(extra, q)), (q += 8);
          if (localHeaderOffset === 0xffffffff) localHeaderOffset = u64(extra, q);
        }
        e += 4 + len;
      }
      if (method !== 0 && method !== 8) throw new ZipFormatError(`${name}: compression method ${method} is not supported`);
      if (out.has(name)) throw new ZipFormatError(`${name}: listed twice`);
      if (!name.endsWith('/')) out.set(name, { name, size, method, compressedSize, localHeaderOffset });
      p += 46 + nameLen + extraLen + commentLen;
    }
    return out;
  }

  private directory(): Promise<Map<string, ZipEntry>> {
    this.cache ??= this.readDirectory();
    return this.cache;
  }

  async entries(): Promise<PackageEntry[]> {
    return [...(await this.directory()).values()].map(({ name, size }) => ({ name, size }));
  }

  /** Where an entry's (possibly compressed) bytes lie in the source, so another reader (a Web Worker) can stream them itself. */
  async locate(name: string): Promise<EntryLocation> {
    const e = (await this.directory()).get(name);
    if (!e) throw new ZipFormatError(`${name}: not in the archive`);
    const lh = await this.src.read(e.localHeaderOffset, 30);
    if (u32(lh, 0) !== 0x04034b50) throw new ZipFormatError(`${name}: bad local header`);
    const start = e.localHeaderOffset + 30 + u16(lh, 26) + u16(lh, 28);
    if (start + e.compressedSize > this.src.size) throw new ZipFormatError(`${name}: data outside the file`);
    return { name, start, compressedSize: e.compressedSize, method: e.method as 0 | 8, size: e.size };
  }

  async *open(name: string): AsyncIterable<Uint8Array> {
    const { start, ...e } = await this.locate(name);
    const src = this.src;
    async function* raw(): AsyncIterable<Uint8Array> {
      for (let o = 0; o < e.compressedSize; o += CHUNK) yield src.read(start + o, Math.min(CHUNK, e.compressedSize - o));
    }
    let produced = 0;
    for await (const c of e.method === 0 ? raw() : this.inflate(raw())) {
      produced += c.length;
      if (produced > e.size) throw new ZipFormatError(`${name}: longer than its recorded size`);
      yield c;
    }
    if (produced !== e.size) throw new ZipFormatError(`${name}: shorter than its recorded size`);
  }
}

/** Reads a whole (small) entry. */
export async function readAll(reader: PackageReader, name: string, limit = 64 << 20): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let n = 0;
  for await (const c of reader.open(name)) {
    n += c.length;
    if (n > limit) throw new ZipFormatError(`${name}: larger than ${limit} bytes`);
    parts.push(c);
  }
  const out = new Uint8Array(n);
  let o = 0;
  for (const c of parts) out.set(c, o), (o += c.length);
  return out;
}
