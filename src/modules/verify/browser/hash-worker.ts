import { createSHA256, createSM3, type IHasher } from 'hash-wasm';
import { webInflateRaw } from '../core/zip-reader.ts';
import type { HashTask, HashWorkerReply } from './hash-messages.ts';

/**
 * The hashing Web Worker of verify.html (bundled separately by verify-html.ts and started from a Blob URL): one
 * task = one digest (SHA-256 or SM3) of one ZIP entry. The worker reads the entry's bytes itself from the
 * package File with Blob.slice in 8 MiB chunks, the next chunk read while the current one is hashed, so it
 * holds at most two chunks however large the file; a deflated entry is inflated on the way
 * (DecompressionStream). It reports the bytes hashed so far, then the digest or the error.
 */

const CHUNK = 8 << 20;
const hashers = new Map<HashTask['alg'], Promise<IHasher>>();
const post = (m: HashWorkerReply) => (self as unknown as Worker).postMessage(m);

/** The raw (still compressed, if deflated) bytes of the entry, chunk by chunk, one read ahead. */
async function* slices(t: HashTask): AsyncGenerator<Uint8Array> {
  const end = t.start + t.compressedSize;
  const read = (o: number) => t.file.slice(o, Math.min(end, o + CHUNK)).arrayBuffer();
  let next = t.start < end ? read(t.start) : null;
  for (let o = t.start; next; ) {
    const cur = await next;
    if (cur.byteLength !== Math.min(CHUNK, end - o)) throw new Error('unexpected end of file');
    o += cur.byteLength;
    next = o < end ? read(o) : null;
    yield new Uint8Array(cur);
  }
}

async function run(t: HashTask): Promise<void> {
  const h = await (hashers.get(t.alg) ?? hashers.set(t.alg, t.alg === 'sha256' ? createSHA256() : createSM3()).get(t.alg)!);
  h.init();
  let bytes = 0;
  for await (const c of t.method === 8 ? webInflateRaw(slices(t)) : slices(t)) {
    bytes += c.length;
    if (bytes > t.size) throw new Error(`${t.name}: longer than its recorded size`);
    h.update(c);
    post({ id: t.id, bytes });
  }
  if (bytes !== t.size) throw new Error(`${t.name}: shorter than its recorded size`);
  post({ id: t.id, bytes, hex: h.digest('hex') });
}

self.onmessage = (e: MessageEvent<HashTask>) => {
  run(e.data).catch((err: unknown) => post({ id: e.data.id, bytes: 0, error: err instanceof Error ? err.message : String(err) }));
};
