import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { appendAuditEvent, canonicalJson, sequenceAuditEvents, sequencedAuditEvent, verifyAuditChain } from '../../src/platform/audit/audit-chain.ts';
import type { Database } from '../../src/platform/db/database.ts';
import { runCli } from '../support/cli.ts';
import { createTestApp, type TestContext } from '../support/harness.ts';

/**
 * Issue 13 §1: audit events are written pending, without a lock on the chain head, in the transaction of the
 * change; one sequencer chains them. What the database itself admits, for the serving role's credentials,
 * is written out here literally.
 */

const system = { kind: 'system' as const, label: 'seq-test' };
const write = (db: Database, action: string, details: Record<string, unknown> = {}) =>
  db.transaction().execute((trx) => appendAuditEvent(trx, { actor: system, action, details }));
const pendingCount = async (db: Database) => Number((await sql<{ n: string }>`SELECT count(*) AS n FROM audit_pending`.execute(db)).rows[0]!.n);
const head = async (db: Database) => (await sql<{ seq: string; hash: Buffer }>`SELECT seq, hash FROM audit_head`.execute(db)).rows[0]!;
const sha = (...parts: (Buffer | string)[]) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestApp();
});
afterAll(() => ctx.close());

describe('writers', () => {
  test('a writer takes no lock on the chain: another writer commits while the first transaction is still open', async () => {
    const client = new pg.Client({ connectionString: ctx.dbUrl });
    await client.connect();
    try {
      await client.query('BEGIN');
      await client.query(`INSERT INTO audit_pending (at, actor_label, action, details, entry)
        VALUES (now(), 'open-tx', 'test.open', '{}', '[]')`);
      // Before 0027 this waited on the head row until the open transaction ended.
      const other = await write(ctx.db, 'test.other');
      expect(await sequenceAuditEvents(ctx.db)).toBe(1);
      const chained = await sequencedAuditEvent(ctx.db, other.id);
      expect(chained).toMatchObject({ action: 'test.other', seq: (await head(ctx.db)).seq });
      await client.query('ROLLBACK');
    } finally {
      await client.end();
    }
  });

  test('a writer that rolls back leaves no pending row and no event', async () => {
    await sequenceAuditEvents(ctx.db);
    const before = await head(ctx.db);
    await expect(
      ctx.db.transaction().execute(async (trx) => {
        await appendAuditEvent(trx, { actor: system, action: 'test.rolled-back' });
        throw new Error('change failed');
      }),
    ).rejects.toThrow('change failed');
    expect(await pendingCount(ctx.db)).toBe(0);
    expect(await sequenceAuditEvents(ctx.db)).toBe(0);
    expect((await head(ctx.db)).seq).toBe(before.seq);
  });

  test('events get seq in the order the sequencer finds them, each chained to the one before, with the unchanged hash', async () => {
    await sequenceAuditEvents(ctx.db);
    const start = BigInt((await head(ctx.db)).seq);
    const written = [];
    for (let i = 0; i < 3; i++) written.push(await write(ctx.db, 'test.order', { i, 名: '顺序' }));
    expect(await pendingCount(ctx.db)).toBe(3);
    expect(await sequenceAuditEvents(ctx.db)).toBe(3);
    expect(await pendingCount(ctx.db)).toBe(0);
    const rows = await Promise.all(written.map((w) => sequencedAuditEvent(ctx.db, w.id)));
    expect(rows.map((r) => r.seq)).toEqual([String(start + 1n), String(start + 2n), String(start + 3n)]);
    // hash = SHA-256(prev_hash ‖ canonical JSON of [seq, at, actor, label, action, target type, target id, details]).
    for (const r of rows) {
      const canonical = canonicalJson([r.seq, r.at.toISOString(), null, 'seq-test', 'test.order', null, null, r.details]);
      expect(r.hash.equals(sha(r.prevHash, canonical))).toBe(true);
    }
    expect(rows[1]!.prevHash.equals(rows[0]!.hash)).toBe(true);
    expect(rows[2]!.prevHash.equals(rows[1]!.hash)).toBe(true);
  });

  test('two sequencers at once: one chain, every event once', async () => {
    for (let i = 0; i < 40; i++) await write(ctx.db, 'test.race', { i });
    const [a, b, c] = await Promise.all([sequenceAuditEvents(ctx.db), sequenceAuditEvents(ctx.db), sequenceAuditEvents(ctx.db, { wait: false })]);
    expect(Math.max(a, 0) + Math.max(b, 0) + Math.max(c, 0)).toBe(40);
    expect(await verifyAuditChain(ctx.db)).toMatchObject({ ok: true });
  });
});

describe('the database admits only a consistent fill, even to the serving role', () => {
  let pendingId: string;
  let h: { seq: string; hash: Buffer };
  let entry: string;
  beforeAll(async () => {
    await sequenceAuditEvents(ctx.db);
    const w = await write(ctx.db, 'test.forge-target', { x: 1 });
    pendingId = w.id;
    h = await head(ctx.db);
    entry = (await sql<{ entry: string }>`SELECT entry FROM audit_pending WHERE id = ${pendingId}`.execute(ctx.db)).rows[0]!.entry;
  });

  const insert = (seq: bigint, prev: Buffer, hash: Buffer, o: { action?: string; pendingId?: string | null } = {}) =>
    sql`INSERT INTO audit_event (seq, at, actor_id, actor_label, action, target_type, target_id, details, prev_hash, hash, pending_id)
      SELECT ${String(seq)}, at, actor_id, actor_label, ${o.action ?? 'test.forge-target'}, target_type, target_id, details, ${prev}, ${hash},
        ${o.pendingId === undefined ? pendingId : o.pendingId}
      FROM audit_pending WHERE id = ${pendingId}`.execute(ctx.db);
  const rightHash = (seq: bigint, prev: Buffer) => sha(prev, `["${seq}",${entry.slice(1)}`);

  const attempts: [name: string, run: () => Promise<unknown>, refused: RegExp][] = [
    ['a link whose hash is not the recomputed one', () => insert(BigInt(h.seq) + 1n, h.hash, sha('forged')), /QUANLU_AUDIT_LINK/],
    ['a link that skips a seq', () => insert(BigInt(h.seq) + 2n, h.hash, rightHash(BigInt(h.seq) + 2n, h.hash)), /QUANLU_AUDIT_LINK/],
    ['a link naming another predecessor hash', () => insert(BigInt(h.seq) + 1n, sha('x'), rightHash(BigInt(h.seq) + 1n, sha('x'))), /QUANLU_AUDIT_LINK/],
    ['a link whose fields differ from the pending row', () => insert(BigInt(h.seq) + 1n, h.hash, rightHash(BigInt(h.seq) + 1n, h.hash), { action: 'test.other' }), /QUANLU_AUDIT_LINK/],
    ['an event from no pending row', () => insert(BigInt(h.seq) + 1n, h.hash, rightHash(BigInt(h.seq) + 1n, h.hash), { pendingId: null }), /QUANLU_AUDIT_LINK/],
    ['an existing seq again', () => insert(BigInt(h.seq), h.hash, rightHash(BigInt(h.seq), h.hash)), /QUANLU_AUDIT_LINK|duplicate key/],
    ['removing a pending row not in the chain', () => sql`DELETE FROM audit_pending WHERE id = ${pendingId}`.execute(ctx.db), /QUANLU_APPEND_ONLY/],
    ['editing a pending row', () => sql`UPDATE audit_pending SET details = '{"x":2}' WHERE id = ${pendingId}`.execute(ctx.db), /permission denied|append-only/],
    ['rewinding the head', () => sql`UPDATE audit_head SET seq = seq - 1, hash = (SELECT hash FROM audit_event WHERE seq = ${String(BigInt(h.seq) - 1n)})`.execute(ctx.db), /QUANLU_AUDIT_HEAD/],
    ['moving the head to a hash of no event', () => sql`UPDATE audit_head SET hash = ${sha('nothing')}`.execute(ctx.db), /QUANLU_AUDIT_HEAD/],
    ['editing a chained event', () => sql`UPDATE audit_event SET details = '{}' WHERE seq = 1`.execute(ctx.db), /permission denied/],
  ];
  for (const [name, run, refused] of attempts) {
    test(`refused: ${name}`, async () => {
      await expect(run()).rejects.toThrow(refused);
      expect(await head(ctx.db)).toEqual(h);
      expect(await pendingCount(ctx.db)).toBe(1);
    });
  }

  test('admitted: the next link made right (by hand, with the serving role), once; then the head may move to it', async () => {
    const seq = BigInt(h.seq) + 1n;
    await ctx.db.transaction().execute(async (trx) => {
      await sql`INSERT INTO audit_event (seq, at, actor_id, actor_label, action, target_type, target_id, details, prev_hash, hash, pending_id)
        SELECT ${String(seq)}, at, actor_id, actor_label, action, target_type, target_id, details, ${h.hash}, ${rightHash(seq, h.hash)}, id
        FROM audit_pending WHERE id = ${pendingId}`.execute(trx);
      await sql`DELETE FROM audit_pending WHERE id = ${pendingId}`.execute(trx);
      await sql`UPDATE audit_head SET seq = ${String(seq)}, hash = ${rightHash(seq, h.hash)}`.execute(trx);
    });
    expect(await pendingCount(ctx.db)).toBe(0);
    expect(await verifyAuditChain(ctx.db)).toMatchObject({ ok: true, headSeq: String(seq) });
  });
});

describe('crash of the sequencer mid-batch', () => {
  test('a sequencer killed inside its transaction leaves every event pending and the head where it was', async () => {
    await sequenceAuditEvents(ctx.db);
    const before = await head(ctx.db);
    for (let i = 0; i < 5; i++) await write(ctx.db, 'test.crash', { i });
    const client = new pg.Client({ connectionString: ctx.dbUrl });
    await client.connect();
    client.on('error', () => undefined);
    await client.query('BEGIN');
    expect((await client.query<{ n: number }>('SELECT audit_sequence(3) AS n')).rows[0]!.n).toBe(3);
    const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    // The same role may end its own backends (as a crash or a kill of the node would).
    await sql`SELECT pg_terminate_backend(${pid})`.execute(ctx.db);
    await client.end().catch(() => undefined);
    expect(await head(ctx.db)).toEqual(before);
    expect(await pendingCount(ctx.db)).toBe(5);
    expect(await sequenceAuditEvents(ctx.db)).toBe(5);
    expect(await verifyAuditChain(ctx.db)).toMatchObject({ ok: true, headSeq: String(BigInt(before.seq) + 5n) });
  });
});

describe('audit verify and pending events', () => {
  let own: TestContext;
  let lateId = '';
  beforeAll(async () => {
    own = await createTestApp();
    for (let i = 0; i < 3; i++) await write(own.db, 'test.v', { i });
    await sequenceAuditEvents(own.db);
  });
  afterAll(() => own.close());

  test('a pending row kept out of the chain longer than the limit is reported', async () => {
    const at = new Date(Date.now() - 3_600_000);
    const entry = canonicalJson([at.toISOString(), null, 'late', 'test.late', null, null, {}]);
    await sql`INSERT INTO audit_pending (at, actor_label, action, details, entry) VALUES (${at}, 'late', 'test.late', '{}', ${entry})`.execute(own.db);
    const id = (await sql<{ id: string }>`SELECT max(id)::text AS id FROM audit_pending`.execute(own.db)).rows[0]!.id;
    lateId = id;
    // Read with the owner's handle: the tests' serving-role handle chains before reading (harness).
    const r = await verifyAuditChain(own.ownerDb, { sequence: false });
    expect(r).toMatchObject({ ok: false, reason: 'pending', pending: { count: 1, stale: [id], edited: [] } });
  });

  test('a pending row edited behind the system (its fields no longer give its entry) is reported', async () => {
    const w = await write(own.db, 'test.v', { i: 'pending' });
    await sql`DROP TRIGGER audit_pending_guard ON audit_pending`.execute(own.ownerDb);
    await sql`UPDATE audit_pending SET details = '{"i":"改过"}' WHERE id = ${w.id}`.execute(own.ownerDb);
    // Read with the owner's handle: the tests' serving-role handle chains before reading (harness).
    const r = await verifyAuditChain(own.ownerDb, { sequence: false });
    expect(r).toMatchObject({ ok: false, reason: 'pending', pending: { count: 2, edited: [w.id], stale: [lateId] } });
    // Once sequenced (the late one as seq 4, this one as 5), the chain hash covers the entry as written, so
    // the walk names the edited event.
    const cli = await runCli(['audit', 'verify', '--json'], { DATABASE_URL: own.dbUrl, QUANLU_DATA_DIR: own.dataDir, QUANLU_LOG_LEVEL: 'silent' });
    expect(cli.code, cli.stdout + cli.stderr).toBe(1);
    expect(JSON.parse(cli.stdout)).toMatchObject({ ok: false, reason: 'hash', firstBrokenSeq: '5' });
  });
});
