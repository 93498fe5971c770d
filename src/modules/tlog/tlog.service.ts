import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { appendAuditEvent, GENESIS_HASH, sequenceAuditEvents } from '../../platform/audit/audit-chain.ts';
import { chainRowHash } from '../../platform/audit/chain-range.ts';
import type { Database, DbOrTx } from '../../platform/db/database.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError } from '../../platform/errors/error-catalog.ts';
import { shanghaiDate } from '../../platform/time.ts';
import { consistencyProof, inclusionProof, leafHash, rootAt } from './merkle.ts';
import { checkpointText, parseCheckpointText, signNote } from './note.ts';
import { checkpointSigners, defaultOrigin, rotateCheckpointKeys } from './tlog-keys.ts';
import * as repo from './tlog.repository.ts';
import { TILE_WIDTH, TileBuilder, tileSource } from './tiles.ts';

/**
 * The transparency log over the audit events (第十三条; issue 13 §1–2). Audit events are still appended in
 * the transaction of the change they record (platform/audit); a moment later ONE sequencer (under an
 * advisory lock) checks the new events' chain links and hashes and integrates them into the Merkle tree:
 * leaf i = SHA-256(0x00 ‖ chain hash of event seq i+1). Checkpoints sign the tree's size and root with the
 * installation's keys, which live in the data folder, out of reach of the database's credentials.
 */

/** Leaf data of an audit event: its 32-byte chain hash (which covers the event and everything before it). */
export const eventLeaf = (chainHash: Buffer): Buffer => leafHash(chainHash);

const BATCH = 5_000;

export interface IntegrationResult {
  /** false: another sequencer held the lock. */
  ran: boolean;
  size: number;
  added: number;
  /** Set when a new event failed its chain check: integration stops before it (it is never put in the tree). */
  refused?: { seq: string; reason: 'missing' | 'link' | 'hash' | 'integrated' };
}

/** The tree source of the stored tiles (plus a builder's unsaved ones). */
function storedTiles(db: DbOrTx, builder?: TileBuilder) {
  return tileSource(async (level, idx) => {
    const local = builder?.local(level, idx);
    if (local) return local;
    const full = await repo.getTile(db, level, idx);
    if (full) return full;
    return (await repo.getPartialTiles(db)).find((p) => p.level === level && p.idx === idx)?.hashes;
  });
}

/**
 * Integrates the audit events written since the last run (at most `maxEvents`) into the tree. One
 * transaction; returns at once when another sequencer is running.
 */
export async function integrate(db: Database, opts: { maxEvents?: number } = {}): Promise<IntegrationResult> {
  const maxEvents = opts.maxEvents ?? 100_000;
  // The tree holds sequenced events only: chain what has been written and committed so far first.
  await sequenceAuditEvents(db);
  return db.transaction().execute(async (trx) => {
    if (!(await repo.trySequencerLock(trx))) return { ran: false, size: -1, added: 0 };
    const state = await repo.getState(trx);
    const builder = new TileBuilder(await repo.getPartialTiles(trx), state.size);
    let size = state.size;
    let prev: Buffer = GENESIS_HASH;
    let refused: IntegrationResult['refused'];
    if (size > 0) {
      const [last] = await repo.eventHashes(trx, size, size);
      const leaf0 = builder.partial.get(0);
      const stored = leaf0 && leaf0.entries.length ? leaf0.entries[leaf0.entries.length - 1] : (await repo.getTile(trx, 0, Math.floor((size - 1) / TILE_WIDTH)))?.subarray(((size - 1) % TILE_WIDTH) * 32, ((size - 1) % TILE_WIDTH) * 32 + 32);
      // The last integrated event must still be the one the tree holds, or the chain was rewritten under it.
      if (!last || !stored || !eventLeaf(last.hash).equals(stored)) return { ran: true, size, added: 0, refused: { seq: String(size), reason: 'integrated' as const } };
      prev = last.hash;
    }
    outer: while (size - state.size < maxEvents) {
      const rows = await repo.eventsFrom(trx, size + 1, Math.min(BATCH, maxEvents - (size - state.size)));
      for (const r of rows) {
        if (Number(r.seq) !== size + 1) {
          refused = { seq: String(size + 1), reason: 'missing' };
          break outer;
        }
        if (!r.prev_hash.equals(prev)) {
          refused = { seq: r.seq, reason: 'link' };
          break outer;
        }
        const h = chainRowHash(prev, r);
        if (!h.equals(r.hash)) {
          refused = { seq: r.seq, reason: 'hash' };
          break outer;
        }
        builder.append(0, eventLeaf(r.hash));
        prev = r.hash;
        size++;
      }
      if (rows.length < BATCH) break;
    }
    if (size === state.size) return { ran: true, size, added: 0, refused };
    await repo.insertTiles(trx, builder.full);
    await repo.replacePartialTiles(trx, builder.partials());
    await repo.setState(trx, size, await rootAt(storedTiles(trx, builder), size));
    return { ran: true, size, added: size - state.size, refused };
  });
}

/** Where the latest checkpoint and the daily seals are also kept, outside the database (data folder). */
export const checkpointFile = (dataDir: string) => path.join(dataDir, 'tlog', 'checkpoint');
export const sealFile = (dataDir: string, day: string) => path.join(dataDir, 'tlog', 'seals', `${day}.txt`);

async function writeAtomically(file: string, text: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, text, { mode: 0o644 });
  await rename(tmp, file);
}

/** The latest checkpoint kept in the data folder, or undefined. */
export async function readCheckpointFile(dataDir: string): Promise<string | undefined> {
  try {
    return await readFile(checkpointFile(dataDir), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** Midnight (start) of a Beijing calendar day, as an instant. */
export function beijingMidnight(day: string): Date {
  return new Date(`${day}T00:00:00+08:00`);
}

/**
 * Signs a checkpoint of the integrated tree (or, for a daily seal, of the tree of every event before the
 * day's end) with the installation's keys, stores it with an audit event, and writes it to the data folder.
 */
export async function signCheckpoint(
  deps: Pick<Deps, 'db' | 'config'>,
  kind: repo.CheckpointRow['kind'],
  opts: { sealDay?: string } = {},
): Promise<repo.CheckpointRow> {
  await integrate(deps.db);
  const configuredOrigin = deps.config.tlog.origin ?? (await defaultOrigin(deps.config.dataDir));
  const row = await deps.db.transaction().execute(async (trx) => {
    await repo.sequencerLock(trx);
    const state = await repo.getState(trx);
    let size = state.size;
    if (kind === 'daily') {
      const end = beijingMidnight(nextDay(opts.sealDay!));
      const firstAfter = await repo.firstSeqAtOrAfter(trx, end);
      if (firstAfter !== undefined) size = Math.min(size, firstAfter - 1);
    }
    const origin = state.origin ?? configuredOrigin;
    if (!state.origin) await repo.setOrigin(trx, origin);
    const root = await rootAt(storedTiles(trx), size);
    const signers = await checkpointSigners(deps.config.dataDir, origin);
    const note = signNote(checkpointText({ origin, size, root, extensions: [] }), signers);
    await repo.recordKeys(trx, signers.map((s) => ({ vkey: s.vkey, algorithm: s.algorithm })));
    const c = await repo.insertCheckpoint(trx, { size, root, note, kind, sealDay: kind === 'daily' ? opts.sealDay! : null });
    await appendAuditEvent(trx, {
      actor: { kind: 'system', label: 'tlog' },
      action: 'tlog.checkpoint',
      target: { type: 'tlog_checkpoint', id: c.id },
      details: { kind, size, root: root.toString('hex'), sealDay: c.sealDay },
    });
    return c;
  });
  // Outside the database too: a copy its operator cannot rewind (audit verify reads it).
  const kept = await readCheckpointFile(deps.config.dataDir);
  if (!kept || parseKeptSize(kept) <= row.size) await writeAtomically(checkpointFile(deps.config.dataDir), row.note);
  if (row.sealDay) await writeAtomically(sealFile(deps.config.dataDir, row.sealDay), row.note);
  return row;
}

function parseKeptSize(note: string): number {
  try {
    return parseCheckpointText(note.slice(0, note.lastIndexOf('\n\n') + 1)).size;
  } catch {
    return -1;
  }
}

function nextDay(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

/**
 * The schedule's tick (each minute): integrate; sign a periodic checkpoint when the last is older than the
 * configured interval; sign yesterday's daily seal (Beijing) when it is missing.
 */
export async function tick(deps: Pick<Deps, 'db' | 'config'>, now = new Date()): Promise<{ periodic?: repo.CheckpointRow; daily?: repo.CheckpointRow }> {
  await integrate(deps.db);
  const out: { periodic?: repo.CheckpointRow; daily?: repo.CheckpointRow } = {};
  const yesterday = shanghaiDate(new Date(now.getTime() - 24 * 3600 * 1000));
  const last = await repo.lastSigned(deps.db);
  // The seal of the day that just closed (not backfilled for days before the log's first checkpoint).
  if (last && last.signedAt < beijingMidnight(nextDay(yesterday)) && !(await repo.dailySeal(deps.db, yesterday))) {
    out.daily = await signCheckpoint(deps, 'daily', { sealDay: yesterday });
  }
  if (!last || now.getTime() - last.signedAt.getTime() >= deps.config.tlog.checkpointMinutes * 60_000 - 5_000) {
    out.periodic = await signCheckpoint(deps, 'periodic');
  }
  return out;
}

/** An in-process loop integrating new events every few seconds (the worker process runs it). */
export function startSequencerLoop(db: Database, everySeconds: number, log: (msg: string, extra?: object) => void): () => Promise<void> {
  let stopped = false;
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    if (stopped) return;
    running = integrate(db)
      .then((r) => {
        if (r.refused) log('tlog: an audit event failed its chain check; not integrated', r.refused);
      })
      .catch((e: unknown) => log('tlog: integration failed', { error: e instanceof Error ? e.message : String(e) }));
  }, everySeconds * 1000);
  timer.unref();
  return async () => {
    stopped = true;
    clearInterval(timer);
    await running;
  };
}

// ---- reading: checkpoints, proofs, tiles (public; they reveal hashes only) ----

export async function latestCheckpointNote(db: DbOrTx): Promise<string> {
  const c = await repo.latestCheckpoint(db);
  if (!c) throw new AppError('TLOG_NO_CHECKPOINT');
  return c.note;
}

export async function checkpointNoteOfSize(db: DbOrTx, size: number): Promise<string> {
  const c = await repo.checkpointOfSize(db, size);
  if (!c) throw new AppError('TLOG_NO_CHECKPOINT');
  return c.note;
}

async function integratedSize(db: DbOrTx): Promise<number> {
  return (await repo.getState(db)).size;
}

export async function inclusion(db: DbOrTx, seq: number, size: number) {
  const n = await integratedSize(db);
  if (!(seq >= 1 && seq <= size && size <= n)) throw new AppError('TLOG_BAD_PROOF_RANGE');
  const src = storedTiles(db);
  const [leaf] = await repo.eventHashes(db, seq, seq);
  const [proof, root] = await Promise.all([inclusionProof(src, seq - 1, size), rootAt(src, size)]);
  return { seq, leafIndex: seq - 1, treeSize: size, leafData: leaf!.hash.toString('base64'), rootHash: root.toString('base64'), proof: proof.map((p) => p.toString('base64')) };
}

export async function consistency(db: DbOrTx, from: number, to: number) {
  const n = await integratedSize(db);
  if (!(from >= 0 && from <= to && to <= n)) throw new AppError('TLOG_BAD_PROOF_RANGE');
  const src = storedTiles(db);
  const [proof, r1, r2] = await Promise.all([consistencyProof(src, from, to), rootAt(src, from), rootAt(src, to)]);
  return { from, to, fromRoot: r1.toString('base64'), toRoot: r2.toString('base64'), proof: proof.map((p) => p.toString('base64')) };
}

/** A tile's bytes (C2SP tlog-tiles): a full tile, or the first `width` hashes of the level's tile `idx`. */
export async function tileBytes(db: DbOrTx, level: number, idx: number, width: number): Promise<Buffer> {
  const full = await repo.getTile(db, level, idx);
  if (full) return full.subarray(0, width * 32);
  const p = (await repo.getPartialTiles(db)).find((t) => t.level === level && t.idx === idx);
  if (!p || width === TILE_WIDTH || p.hashes.length < width * 32) throw new AppError('TLOG_NO_TILE');
  return p.hashes.subarray(0, width * 32);
}

/** An entry bundle (C2SP tlog-tiles): each integrated entry as a 2-byte big-endian length and its data. */
export async function entryBundle(db: DbOrTx, idx: number, width: number): Promise<Buffer> {
  const n = await integratedSize(db);
  const first = idx * TILE_WIDTH + 1;
  const last = first + width - 1;
  if (last > n) throw new AppError('TLOG_NO_TILE');
  const rows = await repo.eventHashes(db, first, last);
  return Buffer.concat(rows.flatMap((r) => [Buffer.from([0, r.hash.length]), r.hash]));
}

export async function keys(db: DbOrTx) {
  const state = await repo.getState(db);
  return { origin: state.origin, size: state.size, keys: (await repo.listKeys(db)).map((k) => ({ ...k, firstUsed: k.firstUsed.toISOString() })) };
}

export async function dailySeals(db: DbOrTx, limit = 60) {
  return (await repo.listDailySeals(db, limit)).map((c) => ({ day: c.sealDay!, size: c.size, rootHash: c.root.toString('base64'), note: c.note, signedAt: c.signedAt.toISOString() }));
}

/** Key rotation (CLI, server stopped): the log's origin stays; old keys become retired verifier keys. */
export async function rotateKeys(deps: Pick<Deps, 'db' | 'config'>) {
  const origin = (await repo.getState(deps.db)).origin ?? deps.config.tlog.origin ?? (await defaultOrigin(deps.config.dataDir));
  return rotateCheckpointKeys(deps.config.dataDir, origin);
}
