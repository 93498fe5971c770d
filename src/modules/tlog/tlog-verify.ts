import { verifyAuditChain, type ChainVerification } from '../../platform/audit/audit-chain.ts';
import type { DbOrTx } from '../../platform/db/database.ts';
import { CompactRange } from './merkle.ts';
import { NoteError, openNote, parseCheckpointText, verifierFromVkey, type Checkpoint, type NoteVerifier } from './note.ts';
import { trustedVerifiers } from './tlog-keys.ts';
import * as repo from './tlog.repository.ts';
import { readCheckpointFile, eventLeaf } from './tlog.service.ts';
import { TILE_WIDTH } from './tiles.ts';

/**
 * `quanlu audit verify` with the transparency log: the hash chain walk, and the Merkle tree recomputed from
 * the same events and compared with every signed checkpoint — those in the database, the copy kept in the
 * data folder, and any the caller brings (a witness's, a daily seal on paper). The chain alone misses a tail
 * cut with audit_head rewound to match, and an edit re-chained to the end with the product's own hash
 * function; both change the tree under a signed checkpoint, which the database's operator cannot re-sign.
 */

export interface TlogVerification {
  ok: boolean;
  /** Checkpoints whose signature verified with a trusted key. */
  checkpoints: number;
  /** The largest signed tree size seen. */
  signedSize: number;
  reason?: 'signature' | 'fork' | 'cut' | 'root' | 'origin';
  /** The checkpoint size at which it failed. */
  atSize?: number;
  /** The first event whose leaf differs from the stored tiles (where an edit begins), when found. */
  firstAlteredSeq?: string;
  detail?: string;
}

export interface AuditVerification extends Omit<ChainVerification, 'reason'> {
  /** The chain's reasons, or `checkpoint`: the chain holds together but not the signed tree (see tlog). */
  reason?: ChainVerification['reason'] | 'checkpoint';
  chainOk: boolean;
  tlog: TlogVerification;
}

interface Signed {
  source: string;
  checkpoint: Checkpoint;
}

function openCheckpoint(note: string, source: string, trusted: NoteVerifier[]): Signed | { source: string; error: string } {
  try {
    const { text } = openNote(note, trusted);
    return { source, checkpoint: parseCheckpointText(text) };
  } catch (e) {
    return { source, error: e instanceof NoteError ? `${e.reason}: ${e.message}` : String(e) };
  }
}

export async function verifyAuditLog(
  db: DbOrTx,
  opts: {
    dataDir: string;
    /** More checkpoints to check against (signed notes). */
    checkpoints?: { source: string; note: string }[];
    /** More trusted verifier keys (a key pinned elsewhere). */
    vkeys?: string[];
    onProgress?: (checked: number) => void;
  },
): Promise<AuditVerification> {
  const state = await repo.getState(db);
  const notes = (await repo.allCheckpoints(db)).map((c) => ({ source: `database checkpoint #${c.id}`, note: c.note }));
  const kept = await readCheckpointFile(opts.dataDir);
  if (kept) notes.push({ source: 'data folder tlog/checkpoint', note: kept });
  notes.push(...(opts.checkpoints ?? []));
  const opened = [];
  let origin = state.origin;
  for (const n of notes) {
    // The origin names the log: from the state row, else from the first checkpoint's first line.
    origin ??= n.note.split('\n', 1)[0] ?? null;
  }
  const trusted = origin ? [...(await trustedVerifiers(opts.dataDir, origin)), ...(opts.vkeys ?? []).map(verifierFromVkey)] : [];
  for (const n of notes) opened.push(openCheckpoint(n.note, n.source, trusted));

  const tlog: TlogVerification = { ok: true, checkpoints: 0, signedSize: 0 };
  const fail = (reason: TlogVerification['reason'], detail: string, atSize?: number) => {
    if (!tlog.ok) return;
    Object.assign(tlog, { ok: false, reason, detail, atSize });
  };
  // Every root expected at each size; two different signed roots at one size is a forked log.
  const expected = new Map<number, { root: Buffer; source: string }>();
  for (const o of opened) {
    if ('error' in o) {
      fail('signature', `${o.source}: ${o.error}`);
      continue;
    }
    if (origin && o.checkpoint.origin !== origin) {
      fail('origin', `${o.source}: origin ${o.checkpoint.origin} is not this log's (${origin})`);
      continue;
    }
    tlog.checkpoints++;
    const seen = expected.get(o.checkpoint.size);
    if (seen && !seen.root.equals(o.checkpoint.root)) fail('fork', `${o.source} and ${seen.source} sign different roots for tree size ${o.checkpoint.size}`, o.checkpoint.size);
    if (!seen) expected.set(o.checkpoint.size, { root: o.checkpoint.root, source: o.source });
    tlog.signedSize = Math.max(tlog.signedSize, o.checkpoint.size);
  }

  // Recompute the tree from the events as the chain walk finds them; compare at each signed size, and each
  // leaf with the stored level-0 tiles to name the first altered event.
  const range = new CompactRange();
  const chain = await verifyAuditChain(db, {
    onProgress: opts.onProgress,
    onEvent: (_seq, hash) => {
      const leaf = eventLeaf(hash);
      range.append(leaf);
      const want = expected.get(range.size);
      if (want && !want.root.equals(range.root())) fail('root', `the events give another root than ${want.source} at tree size ${range.size}`, range.size);
    },
  });
  if (chain.ok && tlog.ok && tlog.signedSize > chain.checked) {
    fail('cut', `a signed checkpoint covers ${tlog.signedSize} events; the log holds ${chain.checked}`, tlog.signedSize);
  }
  // Where the events part from the tree the sequencer built (read only when something failed).
  if (!tlog.ok && (tlog.reason === 'root' || tlog.reason === 'cut')) tlog.firstAlteredSeq = await firstDifferentLeaf(db, Math.min(state.size, chain.checked));
  return {
    ...chain,
    ok: chain.ok && tlog.ok,
    chainOk: chain.ok,
    ...(chain.ok && !tlog.ok
      ? { reason: 'checkpoint' as const, firstBrokenSeq: tlog.firstAlteredSeq ?? String(Math.min(tlog.atSize ?? chain.checked, chain.checked + 1)) }
      : {}),
    tlog,
  };
}

/** The first event (seq) whose leaf is not the one in the stored level-0 tiles, among the first `upTo`. */
async function firstDifferentLeaf(db: DbOrTx, upTo: number): Promise<string | undefined> {
  const partials = await repo.getPartialTiles(db);
  for (let idx = 0; idx * TILE_WIDTH < upTo; idx++) {
    const hashes = (await repo.getTile(db, 0, idx)) ?? partials.find((p) => p.level === 0 && p.idx === idx)?.hashes;
    if (!hashes) return undefined;
    const rows = await repo.eventHashes(db, idx * TILE_WIDTH + 1, Math.min(upTo, (idx + 1) * TILE_WIDTH));
    for (const r of rows) {
      const i = (Number(r.seq) - 1) % TILE_WIDTH;
      const stored = hashes.subarray(i * 32, i * 32 + 32);
      if (stored.length === 32 && !stored.equals(eventLeaf(r.hash))) return r.seq;
    }
  }
  return undefined;
}
