import { createDualHasher, digestSequentially, type DigestEntries, type EntryDigest } from '../core/hashing.ts';
import type { ZipReader } from '../core/zip-reader.ts';
import type { HashTask, HashWorkerReply } from './hash-messages.ts';

/**
 * verify.html's digesting in Web Workers (issue 13 §6: files of several GB, checked in a browser): each file's
 * SHA-256 and its SM3 are two tasks, so even one large file keeps two cores busy; tasks run longest first
 * (size × the algorithm's cost: SM3 is the slower) on a pool of workers, one per core (2 to 4). Each
 * worker streams its entry from the package File itself (hash-worker.ts), so the page's thread only keeps
 * the progress. If workers cannot start (an old browser), the digests are made on the page's thread as before.
 */

/** Relative cost per byte of hash-wasm's SM3 against its SHA-256 in Chromium (measured here: about 1.5×; WebAssembly has no SHA extensions). */
const COST: Record<HashTask['alg'], number> = { sha256: 1, sm3: 1.5 };

export function workerCount(): number {
  return Math.min(4, Math.max(2, navigator.hardwareConcurrency || 2));
}

/** The digester for verifyPackage, and where it ended up hashing (shown on the page, checked by the tests). */
export function workerDigester(file: Blob, reader: ZipReader, workerSource: string, workers = workerCount()): { digest: DigestEntries; hashedIn(): string } {
  let where = 'not yet';
  const digest: DigestEntries = async (entries, onBytes) => {
    try {
      const out = await inWorkers(file, reader, workerSource, workers, entries, onBytes);
      where = `${workers} workers`;
      return out;
    } catch (e) {
      where = `page thread (workers failed: ${e instanceof Error ? e.message : String(e)})`;
      return digestSequentially(reader, createDualHasher, entries, onBytes);
    }
  };
  return { digest, hashedIn: () => where };
}

interface FileState {
  done: Record<HashTask['alg'], number>;
  hex: Partial<Record<HashTask['alg'], string>>;
  error?: string;
}

async function inWorkers(file: Blob, reader: ZipReader, source: string, workers: number, entries: Parameters<DigestEntries>[0], onBytes: Parameters<DigestEntries>[1]): Promise<Map<string, EntryDigest>> {
  const out = new Map<string, EntryDigest>();
  const state = new Map<string, FileState>();
  const tasks: HashTask[] = [];
  for (const e of entries) {
    try {
      const loc = await reader.locate(e.name);
      state.set(e.name, { done: { sha256: 0, sm3: 0 }, hex: {} });
      for (const alg of ['sha256', 'sm3'] as const) tasks.push({ ...loc, alg, file, id: tasks.length });
    } catch (err) {
      out.set(e.name, { error: err instanceof Error ? err.message : String(err) });
    }
  }
  const byId = [...tasks];
  tasks.sort((a, b) => b.size * COST[b.alg] - a.size * COST[a.alg]);

  const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
  const pool: Worker[] = [];
  try {
    const runOn = (w: Worker, t: HashTask) =>
      new Promise<void>((resolve, reject) => {
        const s = state.get(t.name)!;
        w.onerror = (e) => reject(new Error(`hashing worker failed: ${e.message}`));
        w.onmessage = (m: MessageEvent<HashWorkerReply>) => {
          const r = m.data;
          if (r.id !== t.id) return;
          if (r.error !== undefined) s.error ??= r.error;
          else s.done[t.alg] = r.bytes;
          onBytes(t.name, Math.floor((s.done.sha256 + s.done.sm3) / 2));
          if (r.hex !== undefined) s.hex[t.alg] = r.hex;
          if (r.hex !== undefined || r.error !== undefined) resolve();
        };
        w.postMessage(t);
      });
    await Promise.all(
      Array.from({ length: Math.min(workers, tasks.length) }, async () => {
        const w = new Worker(url);
        pool.push(w);
        for (let t = tasks.shift(); t; t = tasks.shift()) await runOn(w, t);
      }),
    );
  } finally {
    for (const w of pool) w.terminate();
    URL.revokeObjectURL(url);
  }
  for (const t of byId) {
    if (out.has(t.name)) continue;
    const s = state.get(t.name)!;
    out.set(t.name, s.error !== undefined ? { error: s.error } : { sha256: s.hex.sha256!, sm3: s.hex.sm3! });
  }
  return out;
}
