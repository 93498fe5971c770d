import { createSHA256, createSM3, type IHasher } from 'hash-wasm';
import type { PackageReader } from './zip-reader.ts';

/**
 * SHA-256 and SM3 (GB/T 32905) of one stream at once, incrementally, so files of several GB are hashed in
 * chunks: hash-wasm's WebAssembly builds (WebCrypto has no streaming digest and no SM3). The same code runs
 * in Node (`quanlu verify`) and in verify.html (its CSP allows 'wasm-unsafe-eval' for this, nothing else).
 */
export interface DualHasher {
  init(): void;
  update(chunk: Uint8Array): void;
  digest(): { sha256: string; sm3: string };
}

export async function createDualHasher(): Promise<DualHasher> {
  const [a, b]: [IHasher, IHasher] = await Promise.all([createSHA256(), createSM3()]);
  return {
    init() {
      a.init();
      b.init();
    },
    update(chunk) {
      a.update(chunk);
      b.update(chunk);
    },
    digest: () => ({ sha256: a.digest('hex'), sm3: b.digest('hex') }),
  };
}

/** A file's two digests, or why it could not be read. */
export type EntryDigest = { sha256: string; sm3: string } | { error: string };

/** Hashes the named entries (full names in the archive) with SHA-256 and SM3; `onBytes` gets a file's bytes done so far. */
export type DigestEntries = (entries: { name: string; size: number }[], onBytes: (name: string, bytes: number) => void) => Promise<Map<string, EntryDigest>>;

/** The default digesting: one entry after the other, both digests from one read of each chunk. */
export async function digestSequentially(
  reader: PackageReader,
  makeHasher: () => Promise<DualHasher>,
  entries: { name: string; size: number }[],
  onBytes: (name: string, bytes: number) => void,
): Promise<Map<string, EntryDigest>> {
  const hasher = await makeHasher();
  const out = new Map<string, EntryDigest>();
  for (const { name } of entries) {
    hasher.init();
    let bytes = 0;
    try {
      for await (const chunk of reader.open(name)) {
        hasher.update(chunk);
        onBytes(name, (bytes += chunk.length));
      }
      out.set(name, hasher.digest());
    } catch (e) {
      out.set(name, { error: e instanceof Error ? e.message : String(e) });
    }
  }
  return out;
}
