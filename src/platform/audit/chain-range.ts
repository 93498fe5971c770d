import { eventHash } from './event-hash.ts';

/** One audit_event row as the verifier reads it (pg's default types: int8 as text, bytea as Buffer). */
export interface ChainRow {
  seq: string;
  at: Date;
  actor_id: string | null;
  actor_label: string;
  action: string;
  target_type: string | null;
  target_id: string | null;
  details: unknown;
  prev_hash: Buffer;
  hash: Buffer;
}

/** The columns the verifier reads, in ChainRow's names, whoever runs the query. */
export const CHAIN_COLUMNS = 'seq, at, actor_id, actor_label, action, target_type, target_id, details, prev_hash, hash';

/** The chain hash of a stored row, recomputed from its fields over `prev`. */
export function chainRowHash(prev: Buffer, r: ChainRow): Buffer {
  return eventHash(prev, {
    seq: r.seq,
    at: r.at,
    actorId: r.actor_id,
    actorLabel: r.actor_label,
    action: r.action,
    targetType: r.target_type,
    targetId: r.target_id,
    details: r.details,
  });
}

/** What the walk of one range of sequence numbers found. */
export interface RangeWalk {
  /** prev_hash of the range's first row (its link to the range before), when it has one. */
  firstPrev?: Buffer;
  /** The next sequence number expected after the rows walked (from + rows found sound). */
  next: bigint;
  /** Hash of the last sound row. */
  lastHash?: Buffer;
  /** Rows found sound. */
  checked: number;
  /** The first broken row: a gap (`missing`), a link to another row than the one before (`link`), an edit (`hash`). */
  failure?: { seq: bigint; reason: 'missing' | 'link' | 'hash' };
}

/**
 * Walks the rows of seq `from`..`to` in order and recomputes each hash from the row's fields and its
 * prev_hash; each row after the first must link to the one before and follow it without a gap. The link of
 * the first row to the range before is the caller's to check (`firstPrev`). Stops at the first broken row,
 * or when the range has no more rows (`next` ≤ `to`: the caller decides whether that is a gap or the end).
 * `fetch` reads up to `limit` rows from a seq; the next batch is read while this one is hashed.
 */
export async function walkChainRange(
  fetch: (fromSeq: bigint, toSeq: bigint, limit: number) => Promise<ChainRow[]>,
  from: bigint,
  to: bigint,
  batchSize: number,
  onEvent?: (seq: bigint, hash: Buffer) => void,
  /** When known, the hash the first row must link to (else its link is left to the caller: `firstPrev`). */
  linkTo?: Buffer,
): Promise<RangeWalk> {
  const out: RangeWalk = { next: from, checked: 0 };
  let prev: Buffer | undefined;
  let pending = fetch(from, to, batchSize);
  for (;;) {
    const rows = await pending;
    const lastRow = rows.at(-1);
    if (rows.length === batchSize && lastRow && BigInt(lastRow.seq) < to) {
      pending = fetch(BigInt(lastRow.seq) + 1n, to, batchSize);
      pending.catch(() => undefined); // a failure is reported when awaited; none if we stop early
    }
    for (const r of rows) {
      const seq = BigInt(r.seq);
      if (seq !== out.next) return { ...out, failure: { seq: out.next, reason: 'missing' } };
      if (prev === undefined) {
        out.firstPrev = r.prev_hash;
        if (linkTo && !r.prev_hash.equals(linkTo)) return { ...out, failure: { seq, reason: 'link' } };
      } else if (!r.prev_hash.equals(prev)) return { ...out, failure: { seq, reason: 'link' } };
      const h = chainRowHash(r.prev_hash, r);
      if (!h.equals(r.hash)) return { ...out, failure: { seq, reason: 'hash' } };
      onEvent?.(seq, r.hash);
      prev = r.hash;
      out.lastHash = r.hash;
      out.next = seq + 1n;
      out.checked++;
    }
    if (rows.length < batchSize || out.next > to) return out;
  }
}
