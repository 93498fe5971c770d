import { createSHA256, createSM3, type IHasher } from 'hash-wasm';

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
