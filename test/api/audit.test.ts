import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { appendAuditEvent, eventHash, verifyAuditChain } from '../../src/platform/audit/audit-chain.ts';
import type { Tx } from '../../src/platform/db/database.ts';
import { runCli } from '../support/cli.ts';
import { createTestApp, loginAs, makeDepartment, type Session, type TestContext } from '../support/harness.ts';

/** A database with a chain of a dozen real events made through the API. */
async function chainOfEvents(): Promise<{ ctx: TestContext; admin: Session }> {
  const ctx = await createTestApp();
  const { session: admin } = await loginAs(ctx, ['admin']);
  for (let i = 0; i < 4; i++) {
    const d = (await admin.request('POST', '/api/departments', { name: `支队${i}`, kind: 'detachment' })).json();
    await admin.request('POST', '/api/personnel', { name: `执法员${i}`, staffNumber: `T${i}`, departmentId: d.id, enrolled: true, certificate: null });
  }
  return { ctx, admin };
}

const verifyCli = (ctx: TestContext) => runCli(['audit', 'verify'], { DATABASE_URL: ctx.dbUrl, QUANLU_DATA_DIR: ctx.dataDir, QUANLU_LOG_LEVEL: 'silent' });
// Tampering behind the system takes the owner's credentials: the serving role may not drop triggers.
const dropTrigger = (ctx: TestContext) => sql`DROP TRIGGER audit_event_no_update ON audit_event`.execute(ctx.ownerDb);

describe('append-only in the database', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ({ ctx } = await chainOfEvents());
  });
  afterAll(() => ctx.close());

  test('UPDATE, DELETE and TRUNCATE of audit events are refused by the database, even to its owner role', async () => {
    // The serving role holds none of these privileges at all (test/db/least-privilege.test.ts).
    await expect(sql`UPDATE audit_event SET action = 'x' WHERE seq = 1`.execute(ctx.ownerDb)).rejects.toThrow(/append-only/);
    await expect(sql`DELETE FROM audit_event WHERE seq = 1`.execute(ctx.ownerDb)).rejects.toThrow(/append-only/);
    await expect(sql`TRUNCATE audit_event`.execute(ctx.ownerDb)).rejects.toThrow(/append-only/);
  });

  test('an event outside a transaction, or without an actor, throws', async () => {
    await expect(appendAuditEvent(ctx.db as unknown as Tx, { actor: { kind: 'system', label: 'x' }, action: 'x' })).rejects.toMatchObject({ code: 'AUDIT_NO_TRANSACTION' });
    await expect(
      ctx.db.transaction().execute((trx) => appendAuditEvent(trx, { actor: undefined as never, action: 'x' })),
    ).rejects.toMatchObject({ code: 'AUDIT_NO_ACTOR' });
    await expect(
      ctx.db.transaction().execute((trx) => appendAuditEvent(trx, { actor: { kind: 'user', label: 'ghost' }, action: 'x' })),
    ).rejects.toMatchObject({ code: 'AUDIT_NO_ACTOR' });
  });

  test('an event rolls back with its change', async () => {
    const before = await verifyAuditChain(ctx.db);
    await expect(
      ctx.db.transaction().execute(async (trx) => {
        await appendAuditEvent(trx, { actor: { kind: 'system', label: 'test' }, action: 'department.create' });
        throw new Error('change failed');
      }),
    ).rejects.toThrow('change failed');
    const after = await verifyAuditChain(ctx.db);
    expect(after).toMatchObject({ ok: true, headSeq: before.headSeq });
  });

  test('concurrent writers keep one unbroken chain', async () => {
    await Promise.all(
      Array.from({ length: 8 }, (_, w) =>
        (async () => {
          for (let i = 0; i < 10; i++) {
            await ctx.db.transaction().execute((trx) => appendAuditEvent(trx, { actor: { kind: 'system', label: `w${w}` }, action: 'test.concurrent', details: { i, 名称: '并发' } }));
          }
        })(),
      ),
    );
    const r = await verifyAuditChain(ctx.db);
    expect(r.ok).toBe(true);
  });

  test('reading the audit log is itself an event; verifying via the API reports OK', async () => {
    const { session } = await loginAs(ctx, ['auditor']);
    const page = await session.request('GET', '/api/audit-events?limit=5&action=person.');
    expect(page.statusCode).toBe(200);
    expect(page.json().items.every((e: { action: string }) => e.action.startsWith('person.'))).toBe(true);
    const last = await ctx.db.selectFrom('audit_event').selectAll().orderBy('seq', 'desc').limit(1).executeTakeFirstOrThrow();
    expect(last).toMatchObject({ action: 'audit.read', actor_id: session.userId });
    const v = await session.request('POST', '/api/audit-chain/verifications');
    expect(v.json()).toMatchObject({ ok: true });
    const status = (await session.request('GET', '/api/audit-chain')).json();
    expect(status.lastVerification).toMatchObject({ ok: true });
  });
});

describe('quanlu audit verify finds tampering done behind the system (trigger dropped)', () => {
  test('intact chain: OK, exit 0', async () => {
    const { ctx } = await chainOfEvents();
    try {
      const r = await verifyCli(ctx);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^OK: audit chain intact/);
    } finally {
      await ctx.close();
    }
  });

  /**
   * Each tampering as its author would do it, with the break the verifier must name: the first broken
   * sequence number and the reason (`hash` edited, `missing` deleted, `link` spliced or reordered,
   * `head` tail removed). Written out literally, not derived from the verifier.
   */
  const cases: [name: string, tamper: (ctx: TestContext) => Promise<unknown>, seq: string, reason: string][] = [
    ['an edited row', (ctx) => sql`UPDATE audit_event SET details = '{"after":{"name":"改过"}}' WHERE seq = 5`.execute(ctx.ownerDb), '5', 'hash'],
    ['an edited time', (ctx) => sql`UPDATE audit_event SET at = at - interval '1 hour' WHERE seq = 7`.execute(ctx.ownerDb), '7', 'hash'],
    ['a deleted row', (ctx) => sql`DELETE FROM audit_event WHERE seq = 4`.execute(ctx.ownerDb), '4', 'missing'],
    [
      'two swapped rows',
      async (ctx) => {
        await sql`UPDATE audit_event SET seq = -1 WHERE seq = 3`.execute(ctx.ownerDb);
        await sql`UPDATE audit_event SET seq = 3 WHERE seq = 6`.execute(ctx.ownerDb);
        await sql`UPDATE audit_event SET seq = 6 WHERE seq = -1`.execute(ctx.ownerDb);
      },
      '3',
      'link',
    ],
    ['a removed tail', (ctx) => sql`DELETE FROM audit_event WHERE seq = (SELECT max(seq) FROM audit_event)`.execute(ctx.ownerDb), '', 'head'],
    ['an edited row whose own hash was recomputed with the real hash function', forgeRow5, '6', 'link'],
  ];
  for (const [name, tamper, seq, reason] of cases) {
    test(name, async () => {
      const { ctx } = await chainOfEvents();
      try {
        await dropTrigger(ctx);
        await tamper(ctx);
        const r = await runCli(['audit', 'verify', '--json'], { DATABASE_URL: ctx.dbUrl, QUANLU_DATA_DIR: ctx.dataDir, QUANLU_LOG_LEVEL: 'silent' });
        expect(r.code, r.stdout + r.stderr).toBe(1);
        const result = JSON.parse(r.stdout) as { ok: boolean; firstBrokenSeq: string; reason: string };
        expect({ ok: result.ok, reason: result.reason }).toEqual({ ok: false, reason });
        if (seq) expect(result.firstBrokenSeq).toBe(seq);
        // The operator's line says the same (each run appends its own audit.verify event, so this one comes second).
        const human = await verifyCli(ctx);
        expect(human.code, human.stdout + human.stderr).toBe(1);
        expect(human.stdout).toMatch(/^BROKEN at seq \d+/);
      } finally {
        await ctx.close();
      }
    });
  }
});

/**
 * What a forger with the owner's credentials does to rewrite event 5 unnoticed: changes it, then recomputes
 * its hash with the chain's real hash function over its real predecessor, so that the row checks out on its
 * own. Only the link from event 6 (which still names the old hash) can give it away.
 */
async function forgeRow5(ctx: TestContext) {
  const row = (
    await sql<{ seq: string; at: Date; actor_id: string | null; actor_label: string; target_type: string | null; target_id: string | null; prev_hash: Buffer }>`
      SELECT seq, at, actor_id, actor_label, target_type, target_id, prev_hash FROM audit_event WHERE seq = 5`.execute(ctx.ownerDb)
  ).rows[0]!;
  const forged = { action: 'person.update', details: { after: { name: '伪造的姓名' } } };
  const hash = eventHash(row.prev_hash, {
    seq: row.seq,
    at: row.at,
    actorId: row.actor_id,
    actorLabel: row.actor_label,
    action: forged.action,
    targetType: row.target_type,
    targetId: row.target_id,
    details: forged.details,
  });
  await sql`UPDATE audit_event SET action = ${forged.action}, details = ${JSON.stringify(forged.details)}, hash = ${hash} WHERE seq = 5`.execute(ctx.ownerDb);
}

test('factories do not write audit events; the log holds only what users did', async () => {
  const ctx = await createTestApp();
  try {
    await makeDepartment(ctx.db);
    expect((await verifyAuditChain(ctx.db)).checked).toBe(0);
  } finally {
    await ctx.close();
  }
});
