/**
 * History pruning (0028): routine 'ok' fixity checks older than `fixity.checkHistoryDays` are removed when a
 * later check of the same object exists; failures, workstation checks and each object's latest check stay for
 * ever — decided by the database too (the serving role cannot DELETE, the owner cannot take a kept row).
 * Finished jobs older than `jobs.historyDays` leave the jobs page. Each removal is an audit event with its count.
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { pruneFixityHistory } from '../../src/modules/fixity/fixity-history.service.ts';
import { pruneJobHistory } from '../../src/modules/jobs/jobs.service.ts';
import { createTestApp, login, makeUser, type Session, type TestContext } from '../support/harness.ts';

let ctx: TestContext;
let admin: Session;
beforeAll(async () => {
  ctx = await createTestApp();
  const a = await makeUser(ctx.db, { roles: ['admin'] });
  admin = await login(ctx.app, a.username, a.password);
});
afterAll(() => ctx.close());

const daysAgo = (d: number) => new Date(Date.now() - d * 86_400_000);
type Result = 'ok' | 'missing' | 'sha256-mismatch';
type Reason = 'schedule' | 'manual' | 'workstation';

// object | age of the check (days) | result | reason | kept with fixity.checkHistoryDays = 60
const checks: [string, number, Result, Reason, boolean][] = [
  ['A', 200, 'ok', 'schedule', false],
  ['A', 100, 'ok', 'schedule', false],
  ['A', 10, 'ok', 'schedule', true], // latest
  ['B', 200, 'ok', 'schedule', true], // its only check: the latest
  ['C', 300, 'sha256-mismatch', 'schedule', true], // a failure
  ['C', 200, 'ok', 'manual', false],
  ['C', 5, 'ok', 'schedule', true],
  ['D', 300, 'ok', 'workstation', true], // the check before the card was cleared
  ['D', 250, 'ok', 'manual', false],
  ['D', 1, 'ok', 'schedule', true],
  ['E', 50, 'ok', 'schedule', true], // inside the 60 days
  ['E', 1, 'ok', 'schedule', true],
  ['F', 200, 'ok', 'schedule', false],
  ['F', 100, 'missing', 'schedule', true], // a failure, and the latest
];

test('fixity checks: routine old ones go, failures / workstation / latest / recent stay; audited per batch', async () => {
  const key = Object.fromEntries(['A', 'B', 'C', 'D', 'E', 'F'].map((o) => [o, randomBytes(32).toString('hex')]));
  const ids: string[] = [];
  for (const [o, age, result, reason] of checks) {
    const r = await ctx.db
      .insertInto('fixity_check')
      .values({ sha256: key[o]!, kind: 'original', checked_at: daysAgo(age), result, duration_ms: 3, reason })
      .returning('id')
      .executeTakeFirstOrThrow();
    ids.push(String(r.id));
  }
  expect((await admin.request('PUT', '/api/settings/fixity.checkHistoryDays', { value: 29 })).statusCode).toBe(400);
  expect((await admin.request('PUT', '/api/settings/fixity.checkHistoryDays', { value: 60 })).statusCode).toBe(200);

  // The database refuses what the rules keep: the serving role has no DELETE; the owner's own DELETE (even with
  // the pruning flag set) cannot take a latest check, a failure or a workstation check.
  await expect(sql`DELETE FROM fixity_check WHERE id = ${ids[0]}`.execute(ctx.db)).rejects.toThrow(/permission denied/);
  for (const i of [2, 4, 7]) {
    await expect(
      ctx.ownerDb.transaction().execute(async (trx) => {
        await sql`SELECT set_config('quanlu.fixity_prune', 'on', true)`.execute(trx);
        await sql`DELETE FROM fixity_check WHERE id = ${ids[i]}`.execute(trx);
      }),
    ).rejects.toThrow(/QUANLU_APPEND_ONLY/);
  }
  await expect(sql`DELETE FROM fixity_check WHERE id = ${ids[0]}`.execute(ctx.ownerDb)).rejects.toThrow(/QUANLU_APPEND_ONLY/);
  await expect(sql`SELECT prune_fixity_checks(10, 100)`.execute(ctx.db)).rejects.toThrow(/keep_days >= 30/);

  const removed = await pruneFixityHistory(ctx.deps, { batch: 2 });
  expect(removed).toBe(5);
  const left = new Set((await ctx.db.selectFrom('fixity_check').select('id').where('id', 'in', ids).execute()).map((r) => String(r.id)));
  expect(checks.map((c, i) => [c[0], c[1], c[2], c[3], left.has(ids[i]!)])).toEqual(checks);
  const events = await ctx.db.selectFrom('audit_event').select('details').where('action', '=', 'fixity.checks.pruned').orderBy('seq').execute();
  expect(events.map((e) => e.details)).toEqual([
    { removed: 2, keepDays: 60 },
    { removed: 2, keepDays: 60 },
    { removed: 1, keepDays: 60 },
  ]);
  // A second run finds nothing and writes nothing.
  expect(await pruneFixityHistory(ctx.deps)).toBe(0);
  expect(await ctx.db.selectFrom('audit_event').select('seq').where('action', '=', 'fixity.checks.pruned').execute()).toHaveLength(3);
});

test('job history: finished jobs older than jobs.historyDays leave the list; audited', async () => {
  // job | finished (days ago) | kept with jobs.historyDays = 30
  const jobs: [string, number, boolean][] = [
    ['old-done', 100, false],
    ['old-failed', 40, false],
    ['recent', 10, true],
    ['today', 0, true],
  ];
  const tag = randomBytes(4).toString('hex');
  for (const [name, age] of jobs) {
    await ctx.db
      .insertInto('job_history')
      .values({ id: `${tag}-${name}`, kind: 'test.kind', job_key: null, state: name === 'old-failed' ? 'failed' : 'done', attempts: 1, max_attempts: 1, last_error: null, created_at: daysAgo(age + 0.01), finished_at: daysAgo(age) })
      .execute();
  }
  expect((await admin.request('PUT', '/api/settings/jobs.historyDays', { value: 30 })).statusCode).toBe(200);
  expect(await pruneJobHistory(ctx.deps)).toBe(2);
  const left = new Set((await ctx.db.selectFrom('job_history').select('id').where('id', 'like', `${tag}-%`).execute()).map((r) => r.id));
  expect(jobs.map(([name, age]) => [name, age, left.has(`${tag}-${name}`)])).toEqual(jobs);
  const events = await ctx.db.selectFrom('audit_event').select('details').where('action', '=', 'jobs.history.pruned').execute();
  expect(events.map((e) => e.details)).toEqual([{ removed: 2, keepDays: 30 }]);
});
