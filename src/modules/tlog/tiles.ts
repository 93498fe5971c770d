import { nodeHash, type SubtreeSource } from './merkle.ts';

/**
 * Tiles (C2SP tlog-tiles, as Trillian-Tessera stores them): the hashes of tile level L are the hashes of the
 * complete subtrees of 256^L leaves, in order, cut into tiles of 256. A full tile never changes; the last,
 * partial tile of a level grows until full. node(h, k) of any complete subtree is then found in tile level
 * ⌊h/8⌋ (2^(h mod 8) consecutive entries of one tile, hashed up h mod 8 levels).
 */

export const TILE_WIDTH = 256;
export const TILE_HEIGHT = 8;

export type TileFetcher = (level: number, idx: number) => Promise<Buffer | undefined>;

/** Hashes `count` consecutive 32-byte entries (a power of two) up to their subtree root. */
export function hashUp(entries: Buffer, offset: number, count: number): Buffer {
  let level: Buffer[] = [];
  for (let i = 0; i < count; i++) level.push(entries.subarray((offset + i) * 32, (offset + i + 1) * 32));
  while (level.length > 1) {
    const next: Buffer[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(nodeHash(level[i]!, level[i + 1]!));
    level = next;
  }
  return level[0]!;
}

/** A subtree source reading tiles through `fetch` (full or partial, whichever holds the entries), cached. */
export function tileSource(fetch: TileFetcher): SubtreeSource {
  const cache = new Map<string, Promise<Buffer | undefined>>();
  const tile = (level: number, idx: number) => {
    const key = `${level}/${idx}`;
    let t = cache.get(key);
    if (!t) {
      t = fetch(level, idx);
      cache.set(key, t);
    }
    return t;
  };
  return {
    async node(height, index) {
      const level = Math.floor(height / TILE_HEIGHT);
      const r = height % TILE_HEIGHT;
      const count = 2 ** r;
      const start = index * count;
      const idx = Math.floor(start / TILE_WIDTH);
      const offset = start % TILE_WIDTH;
      const t = await tile(level, idx);
      if (!t || t.length < (offset + count) * 32) throw new Error(`tile ${level}/${idx} lacks entries ${offset}..${offset + count - 1}`);
      return hashUp(t, offset, count);
    },
  };
}

/**
 * The growing right edge of every tile level while leaves are appended (the sequencer's working state):
 * full tiles come out as they fill, each full tile's root becomes the next entry of the level above.
 */
export class TileBuilder {
  /** Per level: the index of the partial tile and its entries so far. */
  readonly partial = new Map<number, { idx: number; entries: Buffer[] }>();
  readonly full: { level: number; idx: number; hashes: Buffer }[] = [];

  constructor(partials: { level: number; idx: number; hashes: Buffer }[], size: number) {
    for (let level = 0; level < 8; level++) {
      const entries = Math.floor(size / TILE_WIDTH ** level);
      if (entries === 0 && level > 0) break;
      const idx = Math.floor(entries / TILE_WIDTH);
      const width = entries % TILE_WIDTH;
      const p = partials.find((x) => x.level === level);
      if (width > 0 && (!p || p.idx !== idx || p.hashes.length !== width * 32)) {
        throw new Error(`partial tile ${level}/${idx} should hold ${width} hashes at tree size ${size}`);
      }
      const list: Buffer[] = [];
      for (let i = 0; i < width; i++) list.push(Buffer.from(p!.hashes.subarray(i * 32, (i + 1) * 32)));
      this.partial.set(level, { idx, entries: list });
    }
  }

  append(level: number, hash: Buffer): void {
    let p = this.partial.get(level);
    if (!p) {
      p = { idx: 0, entries: [] };
      this.partial.set(level, p);
    }
    p.entries.push(hash);
    if (p.entries.length === TILE_WIDTH) {
      const hashes = Buffer.concat(p.entries);
      this.full.push({ level, idx: p.idx, hashes });
      this.partial.set(level, { idx: p.idx + 1, entries: [] });
      this.append(level + 1, hashUp(hashes, 0, TILE_WIDTH));
    }
  }

  /** The partial tiles now (non-empty ones). */
  partials(): { level: number; idx: number; hashes: Buffer }[] {
    return [...this.partial.entries()].filter(([, p]) => p.entries.length).map(([level, p]) => ({ level, idx: p.idx, hashes: Buffer.concat(p.entries) }));
  }

  /** A tile as it stands in this builder (new full tiles and the partials), else undefined. */
  local(level: number, idx: number): Buffer | undefined {
    const f = this.full.find((t) => t.level === level && t.idx === idx);
    if (f) return f.hashes;
    const p = this.partial.get(level);
    return p && p.idx === idx && p.entries.length ? Buffer.concat(p.entries) : undefined;
  }
}

/** C2SP tlog-tiles index path: 1234067 → x001/x234/067. */
export function encodeTileIndex(n: number): string {
  const s = String(n);
  const padded = s.padStart(Math.ceil(s.length / 3) * 3, '0');
  const groups = padded.match(/.{3}/g)!;
  return groups.map((g, i) => (i < groups.length - 1 ? `x${g}` : g)).join('/');
}

/** Parses `<L>/<N>[.p/<W>]` or `entries/<N>[.p/<W>]`; undefined when malformed. */
export function parseTilePath(p: string): { level: number | 'entries'; idx: number; width: number } | undefined {
  const m = /^(entries|[0-9]|[1-5][0-9]|6[0-3])\/((?:x[0-9]{3}\/)*[0-9]{3})(?:\.p\/([1-9][0-9]?|1[0-9]{2}|2[0-4][0-9]|25[0-5]))?$/.exec(p);
  if (!m) return undefined;
  const idx = Number(m[2]!.replace(/x/g, '').replace(/\//g, ''));
  if (!Number.isSafeInteger(idx) || encodeTileIndex(idx) !== m[2]) return undefined;
  return { level: m[1] === 'entries' ? 'entries' : Number(m[1]), idx, width: m[3] ? Number(m[3]) : TILE_WIDTH };
}
