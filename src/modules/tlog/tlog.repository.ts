import { sql } from 'kysely';
import type { ChainRow } from '../../platform/audit/chain-range.ts';
import type { DbOrTx, Tx } from '../../platform/db/database.ts';

/** Advisory lock key of the one sequencer (integration into the tree happens under it, one at a time). */
const SEQUENCER_LOCK = 7_100_451_013;

export interface TlogState {
  size: number;
  root: Buffer;
  origin: string | null;
}

/** An audit_event row as the log reads it (the chain verifier's row). */
export type EventRow = ChainRow;

export interface CheckpointRow {
  id: string;
  size: number;
  root: Buffer;
  note: string;
  kind: 'periodic' | 'daily' | 'manual';
  sealDay: string | null;
  signedAt: Date;
}

/** Takes the sequencer lock for the transaction; false when another sequencer holds it. */
export async function trySequencerLock(trx: Tx): Promise<boolean> {
  const r = await sql<{ ok: boolean }>`SELECT pg_try_advisory_xact_lock(${SEQUENCER_LOCK}) AS ok`.execute(trx);
  return r.rows[0]!.ok;
}

/** Waits for the sequencer lock (checkpoint signing must see a settled tree). */
export async function sequencerLock(trx: Tx): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(${SEQUENCER_LOCK})`.execute(trx);
}

export async function getState(db: DbOrTx): Promise<TlogState> {
  const r = await db.selectFrom('tlog_state').select(['size', 'root', 'origin']).where('id', '=', true).executeTakeFirstOrThrow();
  return { size: Number(r.size), root: r.root, origin: r.origin };
}

export async function setState(trx: Tx, size: number, root: Buffer): Promise<void> {
  await trx.updateTable('tlog_state').set({ size: String(size), root, updated_at: new Date() }).where('id', '=', true).execute();
}

export async function setOrigin(trx: Tx, origin: string): Promise<void> {
  await trx.updateTable('tlog_state').set({ origin }).where('id', '=', true).where('origin', 'is', null).execute();
}

/** Audit events from `fromSeq` on, in sequence order. */
export async function eventsFrom(db: DbOrTx, fromSeq: number, limit: number): Promise<EventRow[]> {
  const r = await sql<EventRow>`SELECT seq, at, actor_id, actor_label, action, target_type, target_id, details, prev_hash, hash
    FROM audit_event WHERE seq >= ${String(fromSeq)} ORDER BY seq LIMIT ${limit}`.execute(db);
  return r.rows;
}

/** The stored chain hashes (leaf data) of events [fromSeq, toSeq], in order. */
export async function eventHashes(db: DbOrTx, fromSeq: number, toSeq: number): Promise<{ seq: string; hash: Buffer }[]> {
  return db
    .selectFrom('audit_event')
    .select(['seq', 'hash'])
    .where('seq', '>=', String(fromSeq))
    .where('seq', '<=', String(toSeq))
    .orderBy('seq')
    .execute();
}

/** The first event at or after an instant (by seq), or undefined. */
export async function firstSeqAtOrAfter(db: DbOrTx, at: Date): Promise<number | undefined> {
  const r = await sql<{ seq: string | null }>`SELECT min(seq) AS seq FROM audit_event WHERE at >= ${at}`.execute(db);
  return r.rows[0]?.seq == null ? undefined : Number(r.rows[0].seq);
}

export async function getTile(db: DbOrTx, level: number, idx: number): Promise<Buffer | undefined> {
  const r = await db.selectFrom('tlog_tile').select('hashes').where('level', '=', level).where('idx', '=', String(idx)).executeTakeFirst();
  return r?.hashes;
}

export async function getPartialTiles(db: DbOrTx): Promise<{ level: number; idx: number; hashes: Buffer }[]> {
  const rows = await db.selectFrom('tlog_partial_tile').select(['level', 'idx', 'hashes']).orderBy('level').execute();
  return rows.map((r) => ({ level: r.level, idx: Number(r.idx), hashes: r.hashes }));
}

export async function insertTiles(trx: Tx, tiles: { level: number; idx: number; hashes: Buffer }[]): Promise<void> {
  for (let i = 0; i < tiles.length; i += 500) {
    await trx
      .insertInto('tlog_tile')
      .values(tiles.slice(i, i + 500).map((t) => ({ level: t.level, idx: String(t.idx), hashes: t.hashes })))
      .execute();
  }
}

export async function replacePartialTiles(trx: Tx, partials: { level: number; idx: number; hashes: Buffer }[]): Promise<void> {
  await trx.deleteFrom('tlog_partial_tile').execute();
  if (partials.length) {
    await trx
      .insertInto('tlog_partial_tile')
      .values(partials.map((p) => ({ level: p.level, idx: String(p.idx), hashes: p.hashes })))
      .execute();
  }
}

export const checkpointColumns = ['id', 'size', 'root', 'note', 'kind', 'seal_day', 'signed_at'] as const;
export type RawCheckpoint = { id: string; size: string; root: Buffer; note: string; kind: CheckpointRow['kind']; seal_day: string | null; signed_at: Date };
export const toCheckpoint = (r: RawCheckpoint): CheckpointRow => ({
  id: r.id,
  size: Number(r.size),
  root: r.root,
  note: r.note,
  kind: r.kind,
  sealDay: r.seal_day,
  signedAt: r.signed_at,
});

export async function insertCheckpoint(
  trx: Tx,
  c: { size: number; root: Buffer; note: string; kind: CheckpointRow['kind']; sealDay: string | null },
): Promise<CheckpointRow> {
  const r = await trx
    .insertInto('tlog_checkpoint')
    .values({ size: String(c.size), root: c.root, note: c.note, kind: c.kind, seal_day: c.sealDay })
    .returning(checkpointColumns)
    .executeTakeFirstOrThrow();
  return toCheckpoint(r);
}

/** The checkpoint of the largest tree (the latest signed one among equals). */
export async function latestCheckpoint(db: DbOrTx): Promise<CheckpointRow | undefined> {
  const r = await db.selectFrom('tlog_checkpoint').select(checkpointColumns).orderBy('size', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
  return r && toCheckpoint(r);
}

/** The most recently signed checkpoint (for the schedule). */
export async function lastSigned(db: DbOrTx): Promise<CheckpointRow | undefined> {
  const r = await db.selectFrom('tlog_checkpoint').select(checkpointColumns).orderBy('id', 'desc').limit(1).executeTakeFirst();
  return r && toCheckpoint(r);
}

export async function checkpointOfSize(db: DbOrTx, size: number): Promise<CheckpointRow | undefined> {
  const r = await db.selectFrom('tlog_checkpoint').select(checkpointColumns).where('size', '=', String(size)).orderBy('id', 'desc').limit(1).executeTakeFirst();
  return r && toCheckpoint(r);
}

export async function dailySeal(db: DbOrTx, day: string): Promise<CheckpointRow | undefined> {
  const r = await db.selectFrom('tlog_checkpoint').select(checkpointColumns).where('seal_day', '=', day).executeTakeFirst();
  return r && toCheckpoint(r);
}

/** Every checkpoint, smallest tree first (what `audit verify` checks against the recomputed tree). */
export async function allCheckpoints(db: DbOrTx): Promise<CheckpointRow[]> {
  return (await db.selectFrom('tlog_checkpoint').select(checkpointColumns).orderBy('size').orderBy('id').execute()).map(toCheckpoint);
}

export async function listDailySeals(db: DbOrTx, limit: number): Promise<CheckpointRow[]> {
  return (await db.selectFrom('tlog_checkpoint').select(checkpointColumns).where('kind', '=', 'daily').orderBy('seal_day', 'desc').limit(limit).execute()).map(toCheckpoint);
}

export async function recordKeys(trx: Tx, keys: { vkey: string; algorithm: 'ed25519' | 'sm2' }[]): Promise<void> {
  if (keys.length) await trx.insertInto('tlog_key').values(keys).onConflict((oc) => oc.column('vkey').doNothing()).execute();
}

export async function listKeys(db: DbOrTx): Promise<{ vkey: string; algorithm: 'ed25519' | 'sm2'; firstUsed: Date }[]> {
  return (await db.selectFrom('tlog_key').select(['vkey', 'algorithm', 'first_used']).orderBy('first_used').execute()).map((r) => ({
    vkey: r.vkey,
    algorithm: r.algorithm,
    firstUsed: r.first_used,
  }));
}
