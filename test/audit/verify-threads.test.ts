import { sql } from 'kysely';
import { afterEach, expect, test } from 'vitest';
import { appendAuditEvent, eventHash, sequenceAuditEvents, verifyAuditChain } from '../../src/platform/audit/audit-chain.ts';
import { createTestApp, type TestContext } from '../support/harness.ts';

/**
 * `verifyAuditChain` walks a long chain in ranges on threads (issue 13: 10 M events). Each range is checked
 * apart and the main thread checks each range's first link against the range before, in order. Every
 * tampering below must give the same verdict — first broken seq, reason, events checked before it — on one
 * thread and on two threads with ranges of 5 events read 2 at a time, so that breaks fall on the first, a
 * middle and the last row of a range. The verdicts are written out, not taken from the verifier.
 */

let ctx: TestContext | undefined;
afterEach(async () => {
  await ctx?.close();
  ctx = undefined;
});

/** A chain of 30 events written and sequenced as the product does. */
async function chainOf30(): Promise<TestContext> {
  const c = await createTestApp();
  for (let i = 1; i <= 30; i++) {
    await c.db.transaction().execute((trx) => appendAuditEvent(trx, { actor: { kind: 'system', label: 'test' }, action: 'test.event', details: { i, 名称: `事件${i}` } }));
  }
  await sequenceAuditEvents(c.db);
  return c;
}

const dropGuards = async (c: TestContext) => {
  await sql`DROP TRIGGER audit_event_no_update ON audit_event`.execute(c.ownerDb);
  await sql`DROP TRIGGER audit_head_guard ON audit_head`.execute(c.ownerDb);
};

/** Event n rewritten and its own hash recomputed with the real hash function: only the next link gives it away. */
async function forge(c: TestContext, seq: number) {
  const row = (
    await sql<{ seq: string; at: Date; actor_id: string | null; actor_label: string; target_type: string | null; target_id: string | null; prev_hash: Buffer }>`
      SELECT seq, at, actor_id, actor_label, target_type, target_id, prev_hash FROM audit_event WHERE seq = ${seq}`.execute(c.ownerDb)
  ).rows[0]!;
  const details = { i: seq, 名称: '伪造' };
  const hash = eventHash(row.prev_hash, { seq: row.seq, at: row.at, actorId: row.actor_id, actorLabel: row.actor_label, action: 'test.event', targetType: row.target_type, targetId: row.target_id, details });
  await sql`UPDATE audit_event SET details = ${JSON.stringify(details)}, hash = ${hash} WHERE seq = ${seq}`.execute(c.ownerDb);
}

const swap = async (c: TestContext, a: number, b: number) => {
  await sql`UPDATE audit_event SET seq = -1 WHERE seq = ${a}`.execute(c.ownerDb);
  await sql`UPDATE audit_event SET seq = ${a} WHERE seq = ${b}`.execute(c.ownerDb);
  await sql`UPDATE audit_event SET seq = ${b} WHERE seq = -1`.execute(c.ownerDb);
};

const cases: [name: string, tamper: (c: TestContext) => Promise<unknown>, verdict: { ok: boolean; reason?: string; firstBrokenSeq?: string; checked: number }][] = [
  ['untouched', async () => undefined, { ok: true, checked: 30 }],
  ['the first row of a range edited (11)', (c) => sql`UPDATE audit_event SET details = '{"i":0}' WHERE seq = 11`.execute(c.ownerDb), { ok: false, reason: 'hash', firstBrokenSeq: '11', checked: 10 }],
  ['a middle row edited (13)', (c) => sql`UPDATE audit_event SET at = at - interval '1 hour' WHERE seq = 13`.execute(c.ownerDb), { ok: false, reason: 'hash', firstBrokenSeq: '13', checked: 12 }],
  ['the last row of a range deleted (10)', (c) => sql`DELETE FROM audit_event WHERE seq = 10`.execute(c.ownerDb), { ok: false, reason: 'missing', firstBrokenSeq: '10', checked: 9 }],
  ['the first row of a range deleted (21)', (c) => sql`DELETE FROM audit_event WHERE seq = 21`.execute(c.ownerDb), { ok: false, reason: 'missing', firstBrokenSeq: '21', checked: 20 }],
  ['a whole range deleted (16–20)', (c) => sql`DELETE FROM audit_event WHERE seq BETWEEN 16 AND 20`.execute(c.ownerDb), { ok: false, reason: 'missing', firstBrokenSeq: '16', checked: 15 }],
  ['two rows of different ranges swapped (6, 9)', (c) => swap(c, 6, 9), { ok: false, reason: 'link', firstBrokenSeq: '6', checked: 5 }],
  ['the last row of a range forged with the real hash function (15): the next range’s first link', (c) => forge(c, 15), { ok: false, reason: 'link', firstBrokenSeq: '16', checked: 15 }],
  ['the tail removed (29–30), the head left', (c) => sql`DELETE FROM audit_event WHERE seq >= 29`.execute(c.ownerDb), { ok: false, reason: 'head', firstBrokenSeq: '29', checked: 28 }],
  [
    'the head moved back to 25, the rows kept',
    (c) => sql`UPDATE audit_head SET seq = 25, hash = (SELECT hash FROM audit_event WHERE seq = 25)`.execute(c.ownerDb),
    { ok: false, reason: 'head', firstBrokenSeq: '25', checked: 30 },
  ],
];

for (const [name, tamper, verdict] of cases) {
  test(`${name}: the same verdict on one thread and on two`, async () => {
    ctx = await chainOf30();
    await dropGuards(ctx);
    await tamper(ctx);
    const one = await verifyAuditChain(ctx.db, { threads: 1, batchSize: 2 });
    let used = 0;
    const two = await verifyAuditChain(ctx.db, { threads: 2, rangeSize: 5, batchSize: 2, onThreads: (n) => (used = n) });
    expect(used).toBe(2);
    const pick = (r: typeof one) => ({ ok: r.ok, ...(r.reason && { reason: r.reason }), ...(r.firstBrokenSeq && { firstBrokenSeq: r.firstBrokenSeq }), checked: r.checked });
    expect(pick(one)).toEqual(verdict);
    expect(pick(two)).toEqual(verdict);
  });
}

test('on threads, every sound event is handed on in order with its stored hash (the transparency log rebuilds its tree from these)', async () => {
  ctx = await chainOf30();
  const seen: [string, string][] = [];
  const r = await verifyAuditChain(ctx.db, { threads: 2, rangeSize: 4, batchSize: 3, onEvent: (seq, hash) => seen.push([seq.toString(), hash.toString('hex')]) });
  expect(r.ok).toBe(true);
  const stored = (await sql<{ seq: string; hash: Buffer }>`SELECT seq, hash FROM audit_event ORDER BY seq`.execute(ctx.ownerDb)).rows;
  expect(seen).toEqual(stored.map((s) => [s.seq, s.hash.toString('hex')]));
  expect(seen.map(([s]) => s)).toEqual(Array.from({ length: 30 }, (_, i) => String(i + 1)));
});

test('events chained while the walk runs (a live server) are not a broken head, on one thread or on two', async () => {
  ctx = await chainOf30();
  const c = ctx;
  for (const opts of [{ threads: 1, batchSize: 1 }, { threads: 2, rangeSize: 3, batchSize: 1 }]) {
    // A writer and the sequencer keep adding to the chain until the walk has finished.
    let walking = true;
    let added = 0;
    const writer = (async () => {
      while (walking) {
        await c.db.transaction().execute((trx) => appendAuditEvent(trx, { actor: { kind: 'system', label: 'test' }, action: 'test.live', details: { added } }));
        await sequenceAuditEvents(c.db);
        added++;
      }
    })();
    let used = 0;
    const r = await verifyAuditChain(c.db, { ...opts, sequence: false, onThreads: (n) => (used = n) });
    expect(used).toBe(opts.threads);
    walking = false;
    await writer;
    expect(added).toBeGreaterThan(0);
    expect(r).toMatchObject({ ok: true });
    expect(r.checked).toBeGreaterThanOrEqual(30);
  }
});
