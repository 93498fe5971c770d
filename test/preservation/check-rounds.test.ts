/**
 * Scheduled re-verification of preservation media (issue 11 §4; 档案法实施条例 art. 41, GB/T 18894): a round
 * samples ⌈10 %⌉ of the registered media (at least one); the job runs through the real job runner and the
 * 系统设置 interval decides when a round opens; a medium overdue in a round, or reported missing or unreadable,
 * is an alert (register, 工作台) recorded in the audit chain, and a good check clears it.
 * The media are register rows made as fixtures (building discs is media-sets.test.ts's business).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { jobCatalog } from '../../src/app/jobs.ts';
import { runScheduledRound, sampleSize } from '../../src/modules/media-sets/check-rounds.service.ts';
import { enqueueJob } from '../../src/platform/jobs/queue.ts';
import { startJobRunner } from '../../src/platform/jobs/runner.ts';
import { createTestApp, login, makeDepartment, makeUser, type Session, type TestContext } from '../support/harness.ts';

let ctx: TestContext;
let custodian: Session;
let admin: Session;
let custodianId: string;
let volumeId: string;
const DAY = 86_400_000;
const MONTH = 31 * DAY;

beforeAll(async () => {
  ctx = await createTestApp();
  const dept = await makeDepartment(ctx.db);
  const c = await makeUser(ctx.db, { roles: ['custodian'], departmentId: dept.id });
  custodianId = c.id;
  custodian = await login(ctx.app, c.username, c.password);
  const a = await makeUser(ctx.db, { roles: ['admin'] });
  admin = await login(ctx.app, a.username, a.password);
  const set = await ctx.db
    .insertInto('media_set')
    .values({ label: 'ROUNDS', media_type: 'dvd', volume_bytes: 4_700_000_000, format: 'iso', department_id: dept.id, state: 'built', created_by: c.id })
    .returning('id')
    .executeTakeFirstOrThrow();
  const vol = await ctx.db.insertInto('media_volume').values({ set_id: set.id, volume_no: 1, volume_count: 1, label: 'ROUNDS_1', verify_ok: true }).returning('id').executeTakeFirstOrThrow();
  volumeId = vol.id;
});
afterAll(() => ctx.close());

/** Registers n media now (their own check due a year on). */
async function addMedia(n: number): Promise<string[]> {
  const rows = await ctx.db
    .insertInto('physical_medium')
    .values(
      Array.from({ length: n }, () => ({
        volume_id: volumeId,
        label: `DVD-${randomBytes(4).toString('hex')}`,
        media_type: 'dvd' as const,
        maker: '档案室',
        made_on: '2026-01-05',
        storage_place: '档案库房 A-3',
        registered_by: custodianId,
        next_check_due: new Date(Date.now() + 365 * DAY),
      })),
    )
    .returning('id')
    .execute();
  return rows.map((r) => r.id);
}
const roundCount = async () => Number((await ctx.db.selectFrom('medium_check_round').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
const latestRound = () => ctx.db.selectFrom('medium_check_round').selectAll().orderBy('opened_at', 'desc').limit(1).executeTakeFirstOrThrow();
const itemsOf = (roundId: string) => ctx.db.selectFrom('medium_check_round_item').selectAll().where('round_id', '=', roundId).execute();
async function runJob() {
  await enqueueJob(ctx.db, 'media.checkRound', {});
  const runner = await startJobRunner(ctx.deps, jobCatalog, { background: false });
  try {
    expect(await runner.drain()).toBe(1);
  } finally {
    await runner.stop();
  }
}
const alerting = async () => (await custodian.request('GET', '/api/media?alerting=true')).json().items as { id: string; alert: string | null; overdue: boolean; status: string }[];
const report = (id: string, result: string, detail = '复检：现场核对') => custodian.request('POST', `/api/media/${id}/checks`, { result, detail });
const auditOf = (id: string, action: string) => ctx.db.selectFrom('audit_event').select('details').where('target_id', '=', id).where('action', '=', action).orderBy('seq').execute();

describe('the sample of a round (at least 10 %, at least one)', () => {
  // registered media | media checked in the round — written out, not computed
  const table: [number, number][] = [
    [1, 1],
    [9, 1],
    [10, 1],
    [11, 2],
    [25, 3],
  ];
  test.each(table)('%i media → %i', (total, expected) => {
    expect(sampleSize(total, 10)).toBe(expected);
  });

  test('rounds opened over the years as the register grows pick 1, 1, 1, 2, 3 media', async () => {
    // One round a year (the default 12-month interval), ten years ago onwards, media added before each.
    const start = Date.now() - 10 * 365 * DAY;
    const sizes: number[] = [];
    let have = 0;
    for (const [k, [total]] of table.entries()) {
      await addMedia(total - have);
      have = total;
      const r = await runScheduledRound(ctx.deps, { kind: 'system', label: 'test' }, 'test', new Date(start + k * 13 * MONTH));
      expect(r.opened, `round ${k}`).not.toBeNull();
      expect(r.opened!.total).toBe(total);
      sizes.push((await itemsOf(r.opened!.id)).length);
    }
    expect(sizes).toEqual([1, 1, 1, 2, 3]);
    // The same year again: no second round.
    expect((await runScheduledRound(ctx.deps, { kind: 'system', label: 'test' }, 'test', new Date(start + 4 * 13 * MONTH + 30 * DAY))).opened).toBeNull();
  }, 60_000);
});

describe('the scheduled job', () => {
  test('runs through the job runner; the 系统设置 interval decides when a round opens; bad settings are refused', async () => {
    // Bad input: the interval and the round's days are validated.
    for (const [key, value] of [
      ['media.checkIntervalMonths', 0],
      ['media.checkIntervalMonths', 121],
      ['media.checkIntervalMonths', 'yearly'],
      ['media.checkIntervalMonths', 1.5],
      ['media.checkRoundDays', 0],
      ['media.checkSamplePercent', 5],
    ] as const) {
      const res = await admin.request('PUT', `/api/settings/${key}`, { value });
      expect(res.statusCode, `${key}=${value}`).toBe(400);
    }
    // The last round opened two months ago (a fixture): with the default 12 months the job opens none.
    await ctx.db.insertInto('medium_check_round').values({ opened_at: new Date(Date.now() - 62 * DAY), due_at: new Date(Date.now() - 32 * DAY), interval_months: 12, sample_percent: 10, media_total: 25, opened_by: 'fixture' }).execute();
    const before = await roundCount();
    await runJob();
    expect(await roundCount()).toBe(before);
    // A one-month interval: the same job now opens a round (25 media → 3), then not again.
    expect((await admin.request('PUT', '/api/settings/media.checkIntervalMonths', { value: 1 })).statusCode).toBe(200);
    await runJob();
    expect(await roundCount()).toBe(before + 1);
    const r = await latestRound();
    expect(r).toMatchObject({ interval_months: 1, sample_percent: 10, media_total: 25, opened_by: 'job:media.checkRound' });
    expect(r.due_at.getTime() - r.opened_at.getTime()).toBe(30 * DAY);
    expect(await itemsOf(r.id)).toHaveLength(3);
    expect(await auditOf(r.id, 'media.check_round.open')).toMatchObject([{ details: { mediaTotal: 25, samplePercent: 10, intervalMonths: 1 } }]);
    await runJob();
    expect(await roundCount()).toBe(before + 1);
    // Shown to the custodian with its sample.
    const list = (await custodian.request('GET', '/api/media/check-rounds')).json().items as { id: string; media: { id: string; checkedAt: string | null; overdue: boolean }[] }[];
    expect(list[0]).toMatchObject({ id: r.id, media: expect.arrayContaining([expect.objectContaining({ checkedAt: null, overdue: false })]) });
    expect(list[0]!.media).toHaveLength(3);
    expect((await admin.request('PUT', '/api/settings/media.checkIntervalMonths', { value: 12 })).statusCode).toBe(200);
  }, 60_000);
});

describe('alerts', () => {
  test('overdue in a round → alert (recorded once); a good check clears it', async () => {
    const [m] = await addMedia(1);
    // A round opened 40 days ago, due 10 days ago, sampling m (fixture rows).
    const round = await ctx.db.insertInto('medium_check_round').values({ opened_at: new Date(Date.now() - 40 * DAY), due_at: new Date(Date.now() - 10 * DAY), interval_months: 12, sample_percent: 10, media_total: 1, opened_by: 'fixture' }).returning('id').executeTakeFirstOrThrow();
    await ctx.db.insertInto('medium_check_round_item').values({ round_id: round.id, medium_id: m!, reason: 'sample' }).execute();
    expect((await alerting()).find((x) => x.id === m)).toMatchObject({ alert: 'overdue', overdue: true });
    await runJob();
    await runJob();
    expect(await auditOf(m!, 'media.medium.alert')).toMatchObject([{ details: { alert: 'overdue', roundId: round.id } }]);
    const ok = await report(m!, 'ok', 'verify.sh 于 3 号机：ALL OK');
    expect(ok.statusCode, ok.body).toBe(201);
    expect(ok.json()).toMatchObject({ alert: null, overdue: false, status: 'ok' });
    expect((await alerting()).find((x) => x.id === m)).toBeUndefined();
    expect(await auditOf(m!, 'media.medium.alert_cleared')).toMatchObject([{ details: { was: 'overdue' } }]);
  }, 60_000);

  test('missing or unreadable → alert, recorded; a good check clears it; bad input refused', async () => {
    const [a, b] = await addMedia(2);
    // result | alert shown
    const table: [string, string, string][] = [
      [a!, 'missing', 'missing'],
      [b!, 'unreadable', 'unreadable'],
    ];
    for (const [id, result, alert] of table) {
      const res = await report(id, result, '库房未找到 / 光驱无法读取');
      expect(res.statusCode, res.body).toBe(201);
      expect((await alerting()).find((x) => x.id === id)).toMatchObject({ alert, status: result });
      expect(await auditOf(id, 'media.medium.alert')).toMatchObject([{ details: { alert: result } }]);
    }
    expect((await report(a!, 'gone')).statusCode).toBe(400);
    expect((await report(a!, 'ok', '')).statusCode).toBe(400);
    for (const id of [a!, b!]) {
      expect((await report(id, 'ok', '找回并复检：ALL OK')).statusCode).toBe(201);
      expect((await alerting()).find((x) => x.id === id)).toBeUndefined();
    }
    expect(await auditOf(a!, 'media.medium.alert_cleared')).toMatchObject([{ details: { was: 'missing' } }]);
  }, 60_000);
});
