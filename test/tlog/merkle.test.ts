import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  CompactRange,
  consistencyProof,
  inclusionProof,
  rootAt,
  verifyConsistency,
  verifyInclusion,
} from '../../src/modules/tlog/merkle.ts';
import { encodeTileIndex, parseTilePath, TileBuilder, tileSource } from '../../src/modules/tlog/tiles.ts';

/**
 * Proofs checked against implementations the product's code does not share:
 *  - the published vectors of transparency-dev/merkle (fixtures/rfc6962-vectors.json, with attribution);
 *  - a naive tree written here from the text of RFC 9162 §2.1 (MTH, PATH, PROOF as recursive definitions over
 *    the list of leaves), compared with the product's tile-based proofs for every size up to 300 and for
 *    random sizes beyond a full level-1 tile (65,536 leaves).
 */

const vectors = JSON.parse(readFileSync(path.join(import.meta.dirname, 'fixtures/rfc6962-vectors.json'), 'utf8')) as {
  leaves: string[];
  roots: string[];
  inclusion: { leaf: number; size: number; proof: string[] }[];
  consistency: { size1: number; size2: number; proof: string[] }[];
};
const hex = (b: Buffer) => b.toString('hex');
const unhex = (s: string) => Buffer.from(s, 'hex');

// ---- the naive RFC 9162 §2.1 tree, written from the RFC text ----
const sha = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest();
const rfcLeaf = (d: Buffer) => sha(Buffer.from([0]), d);
/** k: the largest power of two smaller than n. */
function rfcK(n: number): number {
  let k = 1;
  while (k << 1 < n) k <<= 1;
  return k;
}
/** MTH(D[n]) over leaf HASHES (so large trees need not re-hash inputs). */
function MTH(h: Buffer[]): Buffer {
  if (h.length === 0) return sha();
  if (h.length === 1) return h[0]!;
  const k = rfcK(h.length);
  return sha(Buffer.from([1]), MTH(h.slice(0, k)), MTH(h.slice(k)));
}
function PATH(m: number, h: Buffer[]): Buffer[] {
  if (h.length === 1) return [];
  const k = rfcK(h.length);
  return m < k ? [...PATH(m, h.slice(0, k)), MTH(h.slice(k))] : [...PATH(m - k, h.slice(k)), MTH(h.slice(0, k))];
}
function SUBPROOF(m: number, h: Buffer[], b: boolean): Buffer[] {
  if (m === h.length) return b ? [] : [MTH(h)];
  const k = rfcK(h.length);
  return m <= k ? [...SUBPROOF(m, h.slice(0, k), b), MTH(h.slice(k))] : [...SUBPROOF(m - k, h.slice(k), false), MTH(h.slice(0, k))];
}
const PROOF = (m: number, h: Buffer[]) => (m === 0 || m === h.length ? [] : SUBPROOF(m, h, true));

/** The product's tiles for these leaf hashes (built as the sequencer builds them), as a proof source. */
function tilesOf(leafHashes: Buffer[]) {
  const b = new TileBuilder([], 0);
  for (const h of leafHashes) b.append(0, h);
  return tileSource(async (level, idx) => b.local(level, idx));
}

describe('published RFC 6962 vectors (transparency-dev/merkle)', () => {
  const leaves = vectors.leaves.map((l) => rfcLeaf(unhex(l)));
  test('roots of the trees of 0..8 leaves', async () => {
    for (let n = 0; n <= 8; n++) expect(hex(await rootAt(tilesOf(leaves.slice(0, n)), n)), `size ${n}`).toBe(vectors.roots[n]);
  });
  test('inclusion proofs: the product makes the published proofs and accepts them; altered ones fail', async () => {
    for (const v of vectors.inclusion) {
      const src = tilesOf(leaves.slice(0, v.size));
      const proof = await inclusionProof(src, v.leaf - 1, v.size);
      expect(proof.map(hex)).toEqual(v.proof);
      const root = unhex(vectors.roots[v.size]!);
      expect(verifyInclusion(v.leaf - 1, v.size, leaves[v.leaf - 1]!, proof, root)).toBe(true);
      // Wrong index, wrong size, wrong leaf, a flipped bit, a dropped or extra component: each refused.
      expect(verifyInclusion(v.leaf, v.size, leaves[v.leaf - 1]!, proof, root)).toBe(false);
      expect(verifyInclusion(v.leaf - 1, v.size * 2, leaves[v.leaf - 1]!, proof, root)).toBe(false);
      expect(verifyInclusion(v.leaf - 1, v.size, sha(Buffer.from('wrong')), proof, root)).toBe(false);
      const flipped = proof.map((p) => Buffer.from(p));
      flipped[0]![0]! ^= 8;
      expect(verifyInclusion(v.leaf - 1, v.size, leaves[v.leaf - 1]!, flipped, root)).toBe(false);
      expect(verifyInclusion(v.leaf - 1, v.size, leaves[v.leaf - 1]!, proof.slice(0, -1), root)).toBe(false);
      expect(verifyInclusion(v.leaf - 1, v.size, leaves[v.leaf - 1]!, [...proof, root], root)).toBe(false);
    }
  });
  test('consistency proofs: the product makes the published proofs and accepts them; altered ones fail', async () => {
    for (const v of vectors.consistency) {
      const src = tilesOf(leaves.slice(0, v.size2));
      const proof = await consistencyProof(src, v.size1, v.size2);
      expect(proof.map(hex)).toEqual(v.proof);
      const r1 = unhex(vectors.roots[v.size1]!);
      const r2 = unhex(vectors.roots[v.size2]!);
      expect(verifyConsistency(v.size1, v.size2, r1, r2, proof)).toBe(true);
      expect(verifyConsistency(v.size1, v.size2, r2, r1, proof)).toBe(false);
      expect(verifyConsistency(v.size1 + 1, v.size2, r1, r2, proof)).toBe(false);
      expect(verifyConsistency(v.size1, v.size2, r1, r2, proof.slice(0, -1))).toBe(false);
      expect(verifyConsistency(v.size1, v.size2, r1, r2, [])).toBe(false);
      const flipped = proof.map((p) => Buffer.from(p));
      flipped.at(-1)![0]! ^= 16;
      expect(verifyConsistency(v.size1, v.size2, r1, r2, flipped)).toBe(false);
    }
  });
});

describe('the tile-based tree against the naive RFC 9162 tree', () => {
  test('sizes 1..140 and beyond a full tile up to 300: roots, inclusion and consistency proofs', async () => {
    const all = Array.from({ length: 300 }, () => rfcLeaf(randomBytes(32)));
    const src = tilesOf(all);
    for (let n = 1; n <= 300; n += n < 140 ? 1 : 11) {
      const h = all.slice(0, n);
      const root = MTH(h);
      expect(hex(await rootAt(src, n))).toBe(hex(root));
      for (let m = 0; m < n; m += n > 40 ? 7 : 1) {
        const p = await inclusionProof(src, m, n);
        expect(p.map(hex), `PATH(${m}, ${n})`).toEqual(PATH(m, h).map(hex));
        expect(verifyInclusion(m, n, h[m]!, p, root)).toBe(true);
      }
      for (let m = 0; m <= n; m += n > 40 ? 5 : 1) {
        const p = await consistencyProof(src, m, n);
        expect(p.map(hex), `PROOF(${m}, ${n})`).toEqual(PROOF(m, h).map(hex));
        expect(verifyConsistency(m, n, MTH(h.slice(0, m)), root, p)).toBe(true);
      }
    }
  });

  test('beyond a full level-1 tile (70,000 leaves): roots and proofs at random sizes; the compact range agrees', async () => {
    const all = Array.from({ length: 70_000 }, (_, i) => rfcLeaf(Buffer.from(String(i))));
    const src = tilesOf(all);
    const range = new CompactRange();
    const sizes = new Set([65_535, 65_536, 65_537, 70_000, ...Array.from({ length: 2 }, () => 1 + Math.floor(Math.random() * 70_000))]);
    const bySize = new Map<number, Buffer>();
    for (let i = 0; i < all.length; i++) {
      range.append(all[i]!);
      if (sizes.has(i + 1)) bySize.set(i + 1, range.root());
    }
    for (const n of sizes) {
      const h = all.slice(0, n);
      const root = MTH(h);
      expect(hex(await rootAt(src, n)), `root ${n}`).toBe(hex(root));
      expect(hex(bySize.get(n)!), `compact range ${n}`).toBe(hex(root));
      const m = Math.floor(Math.random() * n);
      expect((await inclusionProof(src, m, n)).map(hex)).toEqual(PATH(m, h).map(hex));
      const from = 1 + Math.floor(Math.random() * n);
      expect((await consistencyProof(src, from, n)).map(hex)).toEqual(PROOF(from, h).map(hex));
    }
  });
});

describe('tile paths (C2SP tlog-tiles)', () => {
  test('index encoding and parsing, literally', () => {
    expect(encodeTileIndex(0)).toBe('000');
    expect(encodeTileIndex(1234067)).toBe('x001/x234/067');
    expect(encodeTileIndex(999)).toBe('999');
    expect(encodeTileIndex(1000)).toBe('x001/000');
    expect(parseTilePath('0/x001/x234/067')).toEqual({ level: 0, idx: 1234067, width: 256 });
    expect(parseTilePath('1/000.p/5')).toEqual({ level: 1, idx: 0, width: 5 });
    expect(parseTilePath('entries/x001/000.p/255')).toEqual({ level: 'entries', idx: 1000, width: 255 });
    for (const bad of ['0/1', '0/x000/001', '0/000.p/0', '0/000.p/256', 'x/000', '0/000/', '../000']) expect(parseTilePath(bad), bad).toBeUndefined();
  });
});
