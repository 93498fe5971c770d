import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { DbOrTx, Tx } from '../db/database.ts';
import { AppError } from '../errors/error-catalog.ts';
import { canonicalJson } from './canonical-json.ts';

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

/** One link of the chain as stored. */
export interface AuditEventRow {
  seq: string;
  at: Date;
  actorId: string | null;
  actorLabel: string;
  action: string;
  targetType: string | null;
  targetId: string | null;
  details: unknown;
  prevHash: Buffer;
  hash: Buffer;
}

export const GENESIS_HASH = Buffer.alloc(32);

export { canonicalJson };

/** hash = SHA-256(prev_hash || canonical encoding of the event fields in a fixed order). */
export function eventHash(prevHash: Buffer, e: Omit<AuditEventRow, 'prevHash' | 'hash'>): Buffer {
  const canonical = canonicalJson([
    e.seq,
    e.at.toISOString(),
    e.actorId,
    e.actorLabel,
    e.action,
    e.targetType,
    e.targetId,
    e.details,
  ]);
  return createHash('sha256').update(prevHash).update(canonical).digest();
}

/**
 * Appends one event to the chain inside the caller's transaction, so the event commits or rolls back
 * with the change it records. Writers are serialised on the chain head row.
 * Throws when called outside a transaction or without an actor.
 */
export async function appendAuditEvent(trx: Tx, input: AuditInput): Promise<AuditEventRow> {
  if (!trx.isTransaction) throw new AppError('AUDIT_NO_TRANSACTION');
  if (!input.actor || !input.actor.label || (input.actor.kind === 'user' && !input.actor.id)) {
    throw new AppError('AUDIT_NO_ACTOR');
  }
  // Round-trip through JSON so the stored jsonb and the hashed value are the same value.
  const details: unknown = JSON.parse(JSON.stringify(input.details ?? {}));
  const head = await trx
    .selectFrom('audit_head')
    .select(['seq', 'hash'])
    .where('id', '=', true)
    .forUpdate()
    .executeTakeFirstOrThrow();
  const event = {
    seq: (BigInt(head.seq) + 1n).toString(),
    at: new Date(),
    actorId: input.actor.kind === 'user' ? (input.actor.id ?? null) : null,
    actorLabel: input.actor.label,
    action: input.action,
    targetType: input.target?.type ?? null,
    targetId: input.target?.id ?? null,
    details,
  };
  const hash = eventHash(head.hash, event);
  // The event and the new head in one statement: one round trip less while the head row is locked.
  await sql`WITH head AS (UPDATE audit_head SET seq = ${event.seq}, hash = ${hash} WHERE id)
    INSERT INTO audit_event (seq, at, actor_id, actor_label, action, target_type, target_id, details, prev_hash, hash)
    VALUES (${event.seq}, ${event.at}, ${event.actorId}, ${event.actorLabel}, ${event.action}, ${event.targetType},
      ${event.targetId}, ${JSON.stringify(details)}, ${head.hash}, ${hash})`.execute(trx);
  return { ...event, prevHash: head.hash, hash };
}

export interface ChainVerification {
  ok: boolean;
  /** Events checked before stopping. */
  checked: number;
  /** Last sequence number of the chain (from its head). */
  headSeq: string;
  /** First sequence number found broken, when not ok. */
  firstBrokenSeq?: string;
  /** Why it is broken: `hash` (edited), `missing` (deleted), `link` (reordered / spliced), `head` (tail removed). */
  reason?: 'hash' | 'missing' | 'link' | 'head';
  durationMs: number;
}

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
  } = {},
): Promise<ChainVerification> {
  const started = Date.now();
  const batchSize = opts.batchSize ?? 20_000;
  const head = await db.selectFrom('audit_head').select(['seq', 'hash']).where('id', '=', true).executeTakeFirstOrThrow();
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
  const fetchFrom = (fromSeq: bigint) =>
    sql<{
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
    }>`SELECT seq, at, actor_id, actor_label, action, target_type, target_id, details, prev_hash, hash
       FROM audit_event WHERE seq >= ${fromSeq.toString()} ORDER BY seq LIMIT ${batchSize}`.execute(db);
  let pending = fetchFrom(1n);
  for (;;) {
    const rows = await pending;
    // Fetch the next batch while this one is hashed (the walk is CPU-bound in Node).
    const lastRow = rows.rows.at(-1);
    if (rows.rows.length === batchSize && lastRow) {
      pending = fetchFrom(BigInt(lastRow.seq) + 1n);
      pending.catch(() => undefined); // a failure is reported when awaited; none if we stop early
    }
    for (const r of rows.rows) {
      const seq = BigInt(r.seq);
      if (seq !== expectedSeq) return fail(expectedSeq, 'missing');
      if (!r.prev_hash.equals(prev)) return fail(seq, 'link');
      const h = eventHash(prev, {
        seq: r.seq,
        at: r.at,
        actorId: r.actor_id,
        actorLabel: r.actor_label,
        action: r.action,
        targetType: r.target_type,
        targetId: r.target_id,
        details: r.details,
      });
      if (!h.equals(r.hash)) return fail(seq, 'hash');
      opts.onEvent?.(seq, r.hash);
      prev = r.hash;
      expectedSeq = seq + 1n;
      checked++;
    }
    opts.onProgress?.(checked);
    if (rows.rows.length < batchSize) break;
  }
  const headSeq = BigInt(head.seq);
  if (expectedSeq - 1n !== headSeq) return fail(expectedSeq <= headSeq ? expectedSeq : headSeq, 'head');
  if (!prev.equals(head.hash)) return fail(headSeq, 'head');
  return { ok: true, checked, headSeq: head.seq, durationMs: Date.now() - started };
}
