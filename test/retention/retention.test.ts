/**
 * Retention engine (issue 11 §1, §2): the arithmetic of keep-until dates in the Beijing calendar, AV linked
 * to a case inheriting the case file's period, unlinking, holds (leader's and a reopened case's), the
 * versioned table with its four-eyes approval and the recompute it triggers, the 工作台 digest.
 * Real PostgreSQL, through the HTTP API; expected dates are written out, not computed by the code under test.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestApp, login, makeRecording, makeUser, type Session, type TestContext } from '../support/harness.ts';
import { fileCase, generalCase } from '../cases/case-fixtures.ts';
import { retentionTeam } from '../support/retention-team.ts';
import { makePdf, uploadDocument } from '../case-files/case-file-fixtures.ts';

let ctx: TestContext;
let team: Awaited<ReturnType<typeof retentionTeam>>['team'];
let leaderB: Session;
let admin: Session;
beforeAll(async () => {
  ctx = await createTestApp();
  // 档号 needs the fonds number (archiving refuses without it).
  ({ team, leaderB, admin } = await retentionTeam(ctx, { fondsNumber: 'F001' }));
});
afterAll(() => ctx.close());

const rec = (recordedStart: string, activity = 'patrol') =>
  makeRecording(ctx.db, { departmentId: team.dept.id, officerIds: [team.p1.id], uploadedBy: team.user.id, recordedStart, activity });
const retentionOf = async (id: string, s: Session = team.session) => {
  const res = await s.request('GET', `/api/recordings/${id}/retention`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as { keepUntil: string | null; basis: string; basisCase: { id: string } | null; ruleVersion: number; holds: { id: string; kind: string }[] };
};
const move = async (caseId: string, to: string, on: string, reason?: string) => {
  const res = await team.session.request('POST', `/api/cases/${caseId}/stage`, { to, on, ...(reason && { reason }) });
  expect(res.statusCode, res.body).toBe(200);
};
const link = async (caseId: string, recordingId: string, stage: string) => {
  const res = await team.session.request('POST', `/api/cases/${caseId}/links`, { recordingId, stage });
  expect(res.statusCode, res.body).toBe(201);
  return (res.json() as { id: string }).id;
};

describe('keep-until arithmetic (第十一条, Beijing calendar)', () => {
  // recorded (UTC) | activity | kept through (Beijing date) | rule
  const table: [string, string, string, string][] = [
    ['2026-01-15T02:00:00Z', 'patrol', '2026-07-15', 'av_patrol'],
    // Month end: Aug 31 + 6 months = Feb 28 (2026) / Feb 29 (2024, leap year).
    ['2025-08-31T04:00:00Z', 'patrol', '2026-02-28', 'av_patrol'],
    ['2023-08-31T04:00:00Z', 'patrol', '2024-02-29', 'av_patrol'],
    // Leap day + 6 months.
    ['2024-02-29T04:00:00Z', 'patrol', '2024-08-29', 'av_patrol'],
    // Beijing midnight: 15:59:59Z is Jan 31 23:59:59 in Beijing; 16:00:00Z is already Feb 1.
    ['2026-01-31T15:59:59Z', 'patrol', '2026-07-31', 'av_patrol'],
    ['2026-01-31T16:00:00Z', 'patrol', '2026-08-01', 'av_patrol'],
    // Other AV not used as evidence: 6 months too; Mar 31 + 6 months = Sep 30.
    ['2026-03-31T04:00:00Z', 'investigation', '2026-09-30', 'av_other'],
  ];
  test.each(table)('recorded %s (%s) → kept through %s by %s', async (start, activity, expected, basis) => {
    const id = await rec(start, activity);
    expect(await retentionOf(id)).toMatchObject({ keepUntil: expected, basis, basisCase: null, ruleVersion: 1 });
  });
});

describe('AV serving a case inherits the case file period', () => {
  test('linked to an open general-procedure case: no date (its period runs from archiving); unlinked: back to 6 months', async () => {
    const id = await rec('2026-02-10T02:00:00Z');
    const c = await fileCase(team.session, { ...generalCase(team.dept.id, [team.p1.id, team.p2.id]), filedOn: '2026-02-09' });
    await move(c.id, 'investigation', '2026-02-10');
    const linkId = await link(c.id, id, 'investigation');
    expect(await retentionOf(id)).toMatchObject({ keepUntil: null, basis: 'case_pending', basisCase: { id: c.id } });
    const un = await team.session.request('POST', `/api/cases/${c.id}/links/${linkId}/unlink`, { reason: '关联错误，应为另一案件' });
    expect([200, 204]).toContain(un.statusCode);
    expect(await retentionOf(id)).toMatchObject({ keepUntil: '2026-08-10', basis: 'av_patrol', basisCase: null });
  });

  test('an archived simple-procedure case: 30 years from 1 January after closing → its AV kept through 2052-12-31', async () => {
    const id = await rec('2022-12-30T02:00:00Z');
    const c = await fileCase(team.session, { ...generalCase(team.dept.id, [team.p1.id]), procedure: 'simple', filedOn: '2022-12-30', parties: [{ kind: 'organisation', name: '某便利店', idType: 'credit_code', idNumber: '91130100MA0000000X' }] });
    await link(c.id, id, 'filing');
    await move(c.id, 'closed', '2022-12-30', '当场处罚，当场结案');
    const up = await uploadDocument(team.session, c.id, await makePdf(1, 'SIMPLE'), { type: 'penalty_decision', title: '当场行政处罚决定书', number: `当场〔2022〕${c.id.slice(0, 4)}号`, date: '2022-12-30' });
    expect(up.statusCode, up.body).toBe(201);
    // Closed but not archived: still no date.
    expect(await retentionOf(id)).toMatchObject({ keepUntil: null, basis: 'case_pending' });
    const ar = await team.session.request('POST', `/api/cases/${c.id}/case-file/archive`);
    expect(ar.statusCode, ar.body).toBe(200);
    expect(await retentionOf(id)).toMatchObject({ keepUntil: '2052-12-31', basis: 'case_file_simple', basisCase: { id: c.id } });
    const cr = await team.session.request('GET', `/api/cases/${c.id}/retention`);
    expect(cr.json()).toMatchObject({ keepUntil: '2052-12-31', basis: 'case_file_simple' });
  }, 120_000);

  test('a closed case reopened holds its recordings again; closing it again releases the hold', async () => {
    const id = await rec('2026-03-01T02:00:00Z');
    const c = await fileCase(team.session, { ...generalCase(team.dept.id, [team.p1.id]), procedure: 'simple', filedOn: '2026-03-01' });
    await link(c.id, id, 'filing');
    await move(c.id, 'closed', '2026-03-01', '当场处罚，当场结案');
    await move(c.id, 'filing', '2026-03-02', '当事人申诉，重新调查');
    const held = await retentionOf(id);
    expect(held).toMatchObject({ keepUntil: null, basis: 'hold' });
    expect(held.holds.map((h) => h.kind)).toEqual(['case_reopened']);
    await move(c.id, 'closed', '2026-03-03', '复查完毕');
    const after = await retentionOf(id);
    expect(after.holds).toEqual([]);
    expect(after).toMatchObject({ keepUntil: null, basis: 'case_pending' });
  });
});

describe('legal holds', () => {
  test('a held recording has no date and cannot be proposed for disposal; released → its date again', async () => {
    const id = await rec('2020-01-10T02:00:00Z');
    expect(await retentionOf(id)).toMatchObject({ keepUntil: '2020-07-10' });
    const officer = await makeUser(ctx.db, { roles: ['officer'], departmentId: team.dept.id });
    const o = await login(ctx.app, officer.username, officer.password);
    expect((await o.request('POST', '/api/retention/holds', { subjectType: 'recording', subjectId: id, reason: '信访' })).statusCode).toBe(403);
    const h = await team.session.request('POST', '/api/retention/holds', { subjectType: 'recording', subjectId: id, reason: '当事人信访，法律保全' });
    expect(h.statusCode, h.body).toBe(201);
    expect(await retentionOf(id)).toMatchObject({ keepUntil: null, basis: 'hold' });
    const p = await team.session.request('POST', '/api/disposal/batches', { recordingIds: [id] });
    expect(p.statusCode).toBe(409);
    expect(p.json().code).toBe('RETENTION_NOT_DUE');
    const refusals = await ctx.db.selectFrom('audit_event').select('details').where('action', '=', 'retention.deletion_refused').where('target_id', '=', id).execute();
    expect(refusals).toHaveLength(1);
    expect(refusals[0]!.details).toMatchObject({ article: '第二十条', via: 'api' });
    expect((await team.session.request('POST', `/api/retention/holds/${h.json().id}/release`)).statusCode).toBe(204);
    expect(await retentionOf(id)).toMatchObject({ keepUntil: '2020-07-10', basis: 'av_patrol' });
  });
});

describe('工作台 digest', () => {
  test('lists what reaches its date within 30 days, not later ones', async () => {
    const day = 86_400_000;
    // Recorded 170 days ago → kept through about 10 days from now; 140 days ago → about 40 days from now.
    const soon = await rec(new Date(Date.now() - 170 * day).toISOString());
    const later = await rec(new Date(Date.now() - 140 * day).toISOString());
    await retentionOf(soon);
    await retentionOf(later);
    const d = await team.session.request('GET', '/api/retention/upcoming');
    expect(d.statusCode).toBe(200);
    const ids = (d.json() as { items: { id: string }[] }).items.map((i) => i.id);
    expect(ids).toContain(soon);
    expect(ids).not.toContain(later);
  });
});

describe('the retention table (versioned, four eyes)', () => {
  const rules = (patrol: { unit: string; count?: number }) => [
    { category: 'av_patrol', ...patrol },
    { category: 'av_other', unit: 'months', count: 6 },
    { category: 'case_file_general', unit: 'permanent' },
    { category: 'case_file_simple', unit: 'years', count: 30 },
  ];

  test('bad input: below 6 months, a missing category, an officer proposing → 4xx, nothing written', async () => {
    const before = (await team.session.request('GET', '/api/retention/table')).json().items.length;
    const low = await team.session.request('POST', '/api/retention/table', { note: '', rules: rules({ unit: 'months', count: 5 }) });
    expect(low.statusCode).toBe(400);
    expect(low.json().code).toBe('RETENTION_BELOW_MINIMUM');
    const missing = await team.session.request('POST', '/api/retention/table', { note: '', rules: rules({ unit: 'months', count: 12 }).slice(1) });
    expect(missing.statusCode).toBe(400);
    const junk = await team.session.request('POST', '/api/retention/table', { note: '', rules: [{ category: 'av_patrol', unit: 'weeks', count: 3 }] });
    expect(junk.statusCode).toBe(400);
    const officer = await makeUser(ctx.db, { roles: ['officer'], departmentId: team.dept.id });
    const o = await login(ctx.app, officer.username, officer.password);
    expect((await o.request('POST', '/api/retention/table', { note: '', rules: rules({ unit: 'months', count: 12 }) })).statusCode).toBe(403);
    expect((await team.session.request('GET', '/api/retention/table')).json().items.length).toBe(before);
  });

  test('proposed by a leader, self-approval refused, the admin cannot approve, approved by a leader → every date recomputed', async () => {
    const a = await rec('2024-02-29T04:00:00Z');
    const b = await rec('2026-01-31T16:00:00Z');
    expect((await retentionOf(a)).keepUntil).toBe('2024-08-29');
    const p = await team.session.request('POST', '/api/retention/table', { note: '巡查资料保存 1 年（档案部门批复）', rules: rules({ unit: 'years', count: 1 }) });
    expect(p.statusCode, p.body).toBe(201);
    const self = await team.session.request('POST', `/api/retention/table/${p.json().id}/approve`);
    expect(self.statusCode).toBe(403);
    expect(self.json().code).toBe('RETENTION_SELF_APPROVAL');
    // Not yet in force.
    expect((await retentionOf(a)).keepUntil).toBe('2024-08-29');
    expect((await admin.request('POST', `/api/retention/table/${p.json().id}/approve`)).statusCode).toBe(403);
    const ok = await leaderB.request('POST', `/api/retention/table/${p.json().id}/approve`);
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json().version).toBe(2);
    // Leap day + 1 year = Feb 28; Feb 1 + 1 year = Feb 1.
    expect(await retentionOf(a)).toMatchObject({ keepUntil: '2025-02-28', basis: 'av_patrol', ruleVersion: 2 });
    expect(await retentionOf(b)).toMatchObject({ keepUntil: '2027-02-01', ruleVersion: 2 });
    expect((await leaderB.request('POST', `/api/retention/table/${p.json().id}/approve`)).json().code).toBe('RETENTION_VERSION_DECIDED');
    const t = (await team.session.request('GET', '/api/retention/table')).json().items as { version: number; state: string }[];
    expect(t.slice(0, 2).map((v) => [v.version, v.state])).toEqual([[2, 'current'], [1, 'superseded']]);
    const audit = await ctx.db.selectFrom('audit_event').select(['action']).where('target_id', '=', p.json().id).orderBy('seq').execute();
    expect(audit.map((x) => x.action)).toEqual(['retention.table.propose', 'retention.table.approve']);
  });
});
