import { createHash } from 'node:crypto';

/**
 * The Merkle tree of RFC 9162 §2.1 (the tree of RFC 6962): leaf = SHA-256(0x00 ‖ data),
 * node = SHA-256(0x01 ‖ left ‖ right), the root of the empty tree SHA-256(""). Proofs are made from any
 * source of complete-subtree hashes (the tiles) and checked by the verifiers below, which need nothing but
 * the proof, the sizes and the roots (what a court's or a witness's verifier has).
 */

export const HASH_SIZE = 32;
export const EMPTY_ROOT = createHash('sha256').update(Buffer.alloc(0)).digest();
const LEAF_PREFIX = Buffer.from([0]);
const NODE_PREFIX = Buffer.from([1]);

export function leafHash(data: Buffer): Buffer {
  return createHash('sha256').update(LEAF_PREFIX).update(data).digest();
}

export function nodeHash(left: Buffer, right: Buffer): Buffer {
  return createHash('sha256').update(NODE_PREFIX).update(left).update(right).digest();
}

/** The largest power of two strictly below n (n ≥ 2): where RFC 9162 splits a tree of n leaves. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function isPow2(n: number): boolean {
  if (n < 1) return false;
  let k = 1;
  while (k < n) k *= 2;
  return k === n;
}

function log2(n: number): number {
  let h = 0;
  while (2 ** h < n) h++;
  return h;
}

/**
 * Hashes of complete subtrees: node(height, index) covers leaves [index·2^height, (index+1)·2^height).
 * Only subtrees lying wholly inside the tree being read are asked for.
 */
export interface SubtreeSource {
  node(height: number, index: number): Promise<Buffer>;
}

/** MTH(D[lo:hi]) of RFC 9162 §2.1.1, reading complete subtrees from the source. */
export async function rangeHash(src: SubtreeSource, lo: number, hi: number): Promise<Buffer> {
  const n = hi - lo;
  if (n === 0) return EMPTY_ROOT;
  if (isPow2(n) && lo % n === 0) return src.node(log2(n), lo / n);
  const k = splitPoint(n);
  const [left, right] = await Promise.all([rangeHash(src, lo, lo + k), rangeHash(src, lo + k, hi)]);
  return nodeHash(left, right);
}

/** The root of the tree of `size` leaves. */
export function rootAt(src: SubtreeSource, size: number): Promise<Buffer> {
  return rangeHash(src, 0, size);
}

/** PATH(m, D[n]) of RFC 9162 §2.1.3.1: the inclusion proof of leaf `index` in the tree of `size` leaves. */
export async function inclusionProof(src: SubtreeSource, index: number, size: number): Promise<Buffer[]> {
  if (!(index >= 0 && index < size)) throw new RangeError(`leaf ${index} is not in a tree of ${size}`);
  const path: Buffer[] = [];
  let lo = 0;
  let hi = size;
  let m = index;
  // Walk down from the root, collecting the sibling of each step; the proof lists them bottom-up.
  const siblings: Buffer[] = [];
  while (hi - lo > 1) {
    const k = splitPoint(hi - lo);
    if (m < k) {
      siblings.push(await rangeHash(src, lo + k, hi));
      hi = lo + k;
    } else {
      siblings.push(await rangeHash(src, lo, lo + k));
      lo += k;
      m -= k;
    }
  }
  for (let i = siblings.length - 1; i >= 0; i--) path.push(siblings[i]!);
  return path;
}

/** PROOF(m, D[n]) of RFC 9162 §2.1.4.1: the consistency proof from the tree of `from` leaves to the one of `to`. */
export async function consistencyProof(src: SubtreeSource, from: number, to: number): Promise<Buffer[]> {
  if (!(from >= 0 && from <= to)) throw new RangeError(`no consistency proof from ${from} to ${to}`);
  if (from === 0 || from === to) return [];
  const out: Buffer[] = [];
  // SUBPROOF(m, D[lo:hi], b), unrolled: the recursion appends after descending, so collect and reverse.
  const tail: Buffer[] = [];
  let lo = 0;
  let hi = to;
  let m = from;
  let b = true;
  for (;;) {
    const n = hi - lo;
    if (m === n) {
      if (!b) out.push(await rangeHash(src, lo, hi));
      break;
    }
    const k = splitPoint(n);
    if (m <= k) {
      tail.push(await rangeHash(src, lo + k, hi));
      hi = lo + k;
    } else {
      tail.push(await rangeHash(src, lo, lo + k));
      lo += k;
      m -= k;
      b = false;
    }
  }
  for (let i = tail.length - 1; i >= 0; i--) out.push(tail[i]!);
  return out;
}

/** RFC 9162 §2.1.3.2: does `proof` show the leaf hash at `index` in the tree of `size` with `root`? */
export function verifyInclusion(index: number, size: number, leaf: Buffer, proof: Buffer[], root: Buffer): boolean {
  if (!(index >= 0 && index < size) || leaf.length !== HASH_SIZE || root.length !== HASH_SIZE) return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (p.length !== HASH_SIZE || sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && r.equals(root);
}

/** RFC 9162 §2.1.4.2: does `proof` show the tree (from, root1) is a prefix of the tree (to, root2)? */
export function verifyConsistency(from: number, to: number, root1: Buffer, root2: Buffer, proof: Buffer[]): boolean {
  if (!(from >= 0 && from <= to)) return false;
  if (from === to) return proof.length === 0 && root1.equals(root2);
  if (from === 0) return proof.length === 0;
  if (proof.some((p) => p.length !== HASH_SIZE) || root1.length !== HASH_SIZE || root2.length !== HASH_SIZE) return false;
  const path = isPow2(from) ? [root1, ...proof] : [...proof];
  if (path.length === 0) return false;
  let fn = from - 1;
  let sn = to - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return fr.equals(root1) && sr.equals(root2) && sn === 0;
}

/**
 * The right edge of a growing tree (a compact range): the roots of its complete subtrees, largest first.
 * Appending is O(log n) amortised; the root of the tree so far is folded from the right. Used where the
 * whole log is walked (`quanlu audit verify`) to recompute the root at any size without storing the tree.
 */
export class CompactRange {
  private readonly hashes: Buffer[] = [];
  private readonly heights: number[] = [];
  size = 0;

  append(leaf: Buffer): void {
    let h = leaf;
    let height = 0;
    while (this.heights.length && this.heights[this.heights.length - 1] === height) {
      this.heights.pop();
      h = nodeHash(this.hashes.pop()!, h);
      height++;
    }
    this.hashes.push(h);
    this.heights.push(height);
    this.size++;
  }

  root(): Buffer {
    if (!this.hashes.length) return EMPTY_ROOT;
    let r = this.hashes[this.hashes.length - 1]!;
    for (let i = this.hashes.length - 2; i >= 0; i--) r = nodeHash(this.hashes[i]!, r);
    return r;
  }
}
