import { availableParallelism } from 'node:os';
import { sql } from 'kysely';
import { poolOf, type Database, type DbOrTx, type Tx } from '../db/database.ts';
import { AppError } from '../errors/error-catalog.ts';
import { canonicalJson } from './canonical-json.ts';
import { eventEntry, eventHash, GENESIS_HASH, type AuditEventRow } from './event-hash.ts';
import { CHAIN_COLUMNS, walkChainRange, type ChainRow, type RangeWalk } from './chain-range.ts';
import type { RangeReply } from './chain-verify-thread.ts';
import { ChainWalkThreads } from './chain-verify-threads.ts';

/** Who did it: a logged-in user, the system itself (jobs, start-up), or an anonymous caller (failed login). */
export interface Actor {
  kind: 'user' | 'system' | 'anonymous';
  /** User id when kind is 'user'. */
  id?: string | null;
  /** Human-readable name kept in the log (username, job name, attempted username). */
  label: string;
}

export interface AuditInput {
  actor: Actor;
  /** Dotted verb, e.g. `person.create`, `auth.login.failed`, `audit.read`. */
  action: string;
  target?: { type: string; id: string | null };
  details?: Record<string, unknown>;
}

export { canonicalJson, eventEntry, eventHash, GENESIS_HASH, type AuditEventRow };

/** An event as written by appendAuditEvent: pending until the sequencer gives it its place in the chain. */
export type PendingAuditEvent = Omit<AuditEventRow, 'seq' | 'prevHash' | 'hash'> & {
  /** audit_pending id (audit_event.pending_id once sequenced). */
  id: string;
};

/**
 * Writes one event inside the caller's transaction, so it commits or rolls back with the change it records
 * (第十八条). One INSERT into audit_pending and no lock: writers are not serialised on the chain head. The
 * sequencer (sequenceAuditEvents) gives it seq, prev_hash and hash a moment after it commits; a reader that
 * needs them calls sequenceAuditEvents first (sequencedAuditEvent does both for one event).
 * Throws when called outside a transaction or without an actor.
 */
export async function appendAuditEvent(trx: Tx, input: AuditInput): Promise<PendingAuditEvent> {
  if (!trx.isTransaction) throw new AppError('AUDIT_NO_TRANSACTION');
  if (!input.actor || !input.actor.label || (input.actor.kind === 'user' && !input.actor.id)) {
    throw new AppError('AUDIT_NO_ACTOR');
  }
  // Round-trip through JSON so the stored jsonb and the hashed value are the same value.
  const details: unknown = JSON.parse(JSON.stringify(input.details ?? {}));
  const event = {
    at: new Date(),
    actorId: input.actor.kind === 'user' ? (input.actor.id ?? null) : null,
    actorLabel: input.actor.label,
    action: input.action,
    targetType: input.target?.type ?? null,
    targetId: input.target?.id ?? null,
    details,
  };
  const r = await sql<{ id: string }>`INSERT INTO audit_pending (at, actor_id, actor_label, action, target_type, target_id, details, entry)
    VALUES (${event.at}, ${event.actorId}, ${event.actorLabel}, ${event.action}, ${event.targetType}, ${event.targetId},
      ${JSON.stringify(details)}, ${eventEntry(event)}) RETURNING id`.execute(trx);
  return { id: r.rows[0]!.id, ...event };
}

/** Advisory lock key of the audit sequencer (one at a time across all nodes; readers wait for it). */
export const AUDIT_SEQUENCER_LOCK = 0x51_4c_41_53; // 'QLAS'
const SEQUENCE_BATCH = 2_000;

/**
 * Moves committed pending events into the chain (audit_sequence() in 0027: seq, prev_hash, hash computed and
 * checked by the database), in batches of one transaction each, until none is left; a crash mid-batch leaves
 * that batch pending. `wait: false` (the background loop) returns -1 at once when another sequencer runs;
 * otherwise (readers) it waits for that one and then integrates whatever committed before this call.
 * Returns the number of events sequenced.
 */
export async function sequenceAuditEvents(db: Database, opts: { wait?: boolean } = {}): Promise<number> {
  const wait = opts.wait ?? true;
  let total = 0;
  for (;;) {
    const n = await db.transaction().execute(async (trx) => {
      if (wait) await sql`SELECT pg_advisory_xact_lock(${AUDIT_SEQUENCER_LOCK})`.execute(trx);
      else if (!(await sql<{ ok: boolean }>`SELECT pg_try_advisory_xact_lock(${AUDIT_SEQUENCER_LOCK}) AS ok`.execute(trx)).rows[0]!.ok) return -1;
      return (await sql<{ n: number }>`SELECT audit_sequence(${SEQUENCE_BATCH}) AS n`.execute(trx)).rows[0]!.n;
    });
    if (n < 0) return total > 0 ? total : -1;
    total += n;
    if (n < SEQUENCE_BATCH) return total;
  }
}

/** The event an appendAuditEvent call wrote, once in the chain (sequences first). For readers that show or cite its seq/hash. */
export async function sequencedAuditEvent(db: Database, pendingId: string): Promise<AuditEventRow> {
  let row = await eventByPendingId(db, pendingId);
  if (!row) {
    await sequenceAuditEvents(db);
    row = await eventByPendingId(db, pendingId);
  }
  if (!row) throw new Error(`audit event ${pendingId} was not sequenced (not committed?)`);
  return row;
}

async function eventByPendingId(db: DbOrTx, pendingId: string): Promise<AuditEventRow | undefined> {
  const r = await db
    .selectFrom('audit_event')
    .select(['seq', 'at', 'actor_id', 'actor_label', 'action', 'target_type', 'target_id', 'details', 'prev_hash', 'hash'])
    .where('pending_id', '=', pendingId as never)
    .executeTakeFirst();
  return r && { seq: r.seq, at: r.at, actorId: r.actor_id, actorLabel: r.actor_label, action: r.action, targetType: r.target_type, targetId: r.target_id, details: r.details, prevHash: r.prev_hash, hash: r.hash };
}

/**
 * The background sequencer of a node: every `everyMs` it integrates committed pending events (skipping a round
 * when another node's sequencer holds the lock). Writers never wait for it.
 */
export function startAuditSequencerLoop(db: Database, everyMs: number, log: (msg: string, extra?: object) => void): () => Promise<void> {
  let stopped = false;
  let running: Promise<unknown> = Promise.resolve();
  let busy = false;
  const timer = setInterval(() => {
    if (stopped || busy) return;
    busy = true;
    running = sequenceAuditEvents(db, { wait: false })
      .catch((e: unknown) => log('audit: sequencing failed', { error: e instanceof Error ? e.message : String(e) }))
      .finally(() => {
        busy = false;
      });
  }, everyMs);
  timer.unref();
  return async () => {
    stopped = true;
    clearInterval(timer);
    await running;
  };
}

export interface ChainVerification {
  ok: boolean;
  /** Events checked before stopping. */
  checked: number;
  /** Last sequence number of the chain (from its head). */
  headSeq: string;
  /** First sequence number found broken, when not ok. */
  firstBrokenSeq?: string;
  /**
   * Why it is broken: `hash` (edited), `missing` (deleted), `link` (reordered / spliced), `head` (tail removed),
   * `pending` (a written event left out of the chain too long, or edited while pending: see `pending`).
   */
  reason?: 'hash' | 'missing' | 'link' | 'head' | 'pending';
  /** Events written but not in the chain when the walk ended; `stale`/`edited` ones make the result not ok. */
  pending?: { count: number; stale: string[]; edited: string[]; sequencerError?: string };
  durationMs: number;
}

/** Chains of this many events or more are walked on threads (starting them costs about a second). */
export const PARALLEL_FROM_EVENTS = 200_000n;
const MAX_SEQ = 9_223_372_036_854_775_807n;

/** Threads over the same database as `db`; none for a transaction or a handle not made by createDatabase. */
async function startWalkers(db: DbOrTx, threads: number): Promise<ChainWalkThreads | undefined> {
  if (db.isTransaction) return undefined;
  let connectionString: string | undefined;
  try {
    connectionString = poolOf(db as Database).options.connectionString;
  } catch {
    return undefined;
  }
  return connectionString ? ChainWalkThreads.start(connectionString, threads) : undefined;
}

/** A pending event older than this when the chain is verified (after sequencing) was kept out of the chain. */
export const PENDING_MAX_AGE_MS = 10 * 60_000;

/**
 * Walks the chain from the first event and recomputes every hash. Finds an edited row (hash), a
 * deleted row (sequence gap), a reordered row (broken link) and a removed tail (head mismatch) —
 * all of which need the append-only trigger to have been dropped first.
 */
export async function verifyAuditChain(
  db: DbOrTx,
  opts: {
    batchSize?: number;
    onProgress?: (checked: number) => void;
    /** Called with each event found sound, in order (the transparency log recomputes its tree from these). */
    onEvent?: (seq: bigint, hash: Buffer) => void;
    /** Sequence committed pending events first (default true; not inside a transaction). */
    sequence?: boolean;
    pendingMaxAgeMs?: number;
    /** Threads walking the chain (default: one per core, up to 4, from PARALLEL_FROM_EVENTS events; 1 = this thread only). */
    threads?: number;
    /** Events per range handed to a thread (default 100,000). */
    rangeSize?: number;
    /** Told how many threads walk the chain: `threads`, or 1 when they could not start (the walk then runs here). */
    onThreads?: (count: number) => void;
  } = {},
): Promise<ChainVerification> {
  const started = Date.now();
  let sequencerError: string | undefined;
  if (opts.sequence !== false && !db.isTransaction) {
    // A sequencer refused by the database (a pending row it cannot link) is reported, not thrown: the walk
    // still runs, and the pending rows left show up below.
    await sequenceAuditEvents(db as Database).catch((e: unknown) => {
      sequencerError = e instanceof Error ? e.message : String(e);
    });
  }
  const batchSize = opts.batchSize ?? 20_000;
  const readHead = () => db.selectFrom('audit_head').select(['seq', 'hash']).where('id', '=', true).executeTakeFirstOrThrow();
  // The head when the walk starts plans the threads' ranges; the one read after the walk is the one checked.
  let head = await readHead();
  let expectedSeq = 1n;
  let prev: Buffer = GENESIS_HASH;
  let checked = 0;
  const fail = (seq: bigint, reason: ChainVerification['reason']): ChainVerification => ({
    ok: false,
    checked,
    headSeq: head.seq,
    firstBrokenSeq: seq.toString(),
    reason,
    durationMs: Date.now() - started,
  });
  let reported = 0;
  const progress = () => {
    if (checked - reported >= batchSize) opts.onProgress?.((reported = checked));
  };
  const onEvent = (seq: bigint, hash: Buffer) => {
    opts.onEvent?.(seq, hash);
    checked++;
    progress();
  };
  /** Takes a walked range that began at expectedSeq: its link to what came before, then its rows. */
  const take = (w: RangeWalk, emit?: (count: number) => void): ChainVerification | undefined => {
    if (w.firstPrev && !w.firstPrev.equals(prev)) return fail(expectedSeq, 'link');
    emit?.(w.checked);
    if (w.lastHash) prev = w.lastHash;
    expectedSeq = w.next;
    return w.failure ? fail(w.failure.seq, w.failure.reason) : undefined;
  };

  /** Walks the rows from expectedSeq up to `to` on this thread, linked to the last sound row. */
  const walkRest = async (to: bigint) =>
    take(
      await walkChainRange(
        async (fromSeq, toSeq, limit) =>
          (
            await sql<ChainRow>`SELECT ${sql.raw(CHAIN_COLUMNS)} FROM audit_event
              WHERE seq >= ${fromSeq.toString()} AND seq <= ${toSeq.toString()} ORDER BY seq LIMIT ${limit}`.execute(db)
          ).rows,
        expectedSeq,
        to,
        batchSize,
        onEvent,
        prev,
      ),
    );

  // Above PARALLEL_FROM_EVENTS events the ranges of the chain are walked on threads, in order of seq.
  const headSeqAtStart = BigInt(head.seq);
  const threads = opts.threads ?? (headSeqAtStart >= PARALLEL_FROM_EVENTS ? Math.min(availableParallelism(), 4) : 1);
  const walkers = threads > 1 ? await startWalkers(db, threads) : undefined;
  opts.onThreads?.(walkers ? threads : 1);
  try {
    if (walkers) {
      const rangeSize = BigInt(opts.rangeSize ?? 100_000);
      const replies = new Map<bigint, Promise<RangeReply>>();
      /** The last seq of the range starting at `from` (ranges end at the head read at the start). */
      const rangeEnd = (from: bigint) => (from + rangeSize - 1n < headSeqAtStart ? from + rangeSize - 1n : headSeqAtStart);
      const schedule = (from: bigint) => {
        if (from > headSeqAtStart || replies.has(from)) return;
        const p = walkers.walk({ id: Number(from), from: from.toString(), to: rangeEnd(from).toString(), batchSize });
        p.catch(() => undefined); // reported when awaited
        replies.set(from, p);
      };
      for (let from = 1n; from <= headSeqAtStart; from += rangeSize) {
        // Keep every thread busy a range or two ahead of the one taken in order.
        for (let k = 0n; k < BigInt(threads) * 2n; k++) schedule(from + k * rangeSize);
        const r = await replies.get(from)!;
        replies.delete(from);
        const to = rangeEnd(from);
        const broken = take(
          {
            ...(r.firstPrev && { firstPrev: Buffer.from(r.firstPrev) }),
            next: BigInt(r.next),
            ...(r.lastHash && { lastHash: Buffer.from(r.lastHash) }),
            checked: r.checked,
            ...(r.failure && { failure: { seq: BigInt(r.failure.seq), reason: r.failure.reason } }),
          },
          (count) => {
            const hashes = Buffer.from(r.hashes.buffer, r.hashes.byteOffset, r.hashes.byteLength);
            for (let i = 0; i < count; i++) onEvent(from + BigInt(i), hashes.subarray(i * 32, i * 32 + 32));
          },
        );
        if (broken) return broken;
        // A range that ended early: the walk below, from there, finds whether rows follow (a gap) or not (the end).
        if (expectedSeq <= to) break;
      }
    }
    // The rest (all of the chain without threads): rows from expectedSeq on, with no upper bound — events
    // chained while the walk ran, or rows past a head moved back behind the system's back.
    const broken = await walkRest(MAX_SEQ);
    if (broken) return broken;
  } finally {
    await walkers?.close();
  }
  // The head read after the walk: a legitimate head is never behind the rows (the sequencer moves it in the
  // transaction that adds them), so rows past it mean it was moved back; a head ahead of the walk means
  // events were chained since, walked here up to it.
  head = await readHead();
  const headSeq = BigInt(head.seq);
  if (expectedSeq - 1n < headSeq) {
    const broken = await walkRest(headSeq);
    if (broken) return broken;
  }
  opts.onProgress?.(checked);
  if (expectedSeq - 1n !== headSeq) return fail(expectedSeq <= headSeq ? expectedSeq : headSeq, 'head');
  if (!prev.equals(head.hash)) return fail(headSeq, 'head');
  const left = await checkPending(db, opts.pendingMaxAgeMs ?? PENDING_MAX_AGE_MS);
  if (sequencerError) left.sequencerError = sequencerError;
  if (left.stale.length || left.edited.length) {
    return { ok: false, checked, headSeq: head.seq, reason: 'pending', pending: left, durationMs: Date.now() - started };
  }
  return { ok: true, checked, headSeq: head.seq, ...(left.count || sequencerError ? { pending: left } : {}), durationMs: Date.now() - started };
}

/**
 * The events still pending: each one's entry must be its fields' canonical JSON (else it was edited after it
 * was written: the sequencer would chain the entry, not the fields), and none may be older than maxAgeMs.
 */
async function checkPending(db: DbOrTx, maxAgeMs: number): Promise<NonNullable<ChainVerification['pending']>> {
  const out: NonNullable<ChainVerification['pending']> = { count: 0, stale: [], edited: [] };
  const cutoff = Date.now() - maxAgeMs;
  let after = '0';
  for (;;) {
    const rows = (
      await sql<{ id: string; at: Date; actor_id: string | null; actor_label: string; action: string; target_type: string | null; target_id: string | null; details: unknown; entry: string }>`
        SELECT id, at, actor_id, actor_label, action, target_type, target_id, details, entry FROM audit_pending
        WHERE id > ${after} ORDER BY id LIMIT 10000`.execute(db)
    ).rows;
    for (const r of rows) {
      out.count++;
      const entry = eventEntry({ at: r.at, actorId: r.actor_id, actorLabel: r.actor_label, action: r.action, targetType: r.target_type, targetId: r.target_id, details: r.details });
      if (entry !== r.entry) out.edited.push(r.id);
      else if (r.at.getTime() < cutoff) out.stale.push(r.id);
    }
    if (rows.length < 10000) return out;
    after = rows.at(-1)!.id;
  }
}
