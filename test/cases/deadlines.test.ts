/**
 * Evidence deadlines (第十三条; issue 9 §6): the arithmetic in Beijing dates (month and year ends, leap day,
 * weekends, listed holidays and make-up working days, working days for reconsideration) and, through the API
 * with a controlled clock, the countdown across Beijing midnight, the 工作台 list and delivery.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { setCaseClock } from '../../src/modules/cases/case-clock.ts';
import { dueDate, parseHolidays } from '../../src/modules/cases/evidence-deadline.ts';
import { createTestApp, login, makeUser, type TestContext } from '../support/harness.ts';
import { fileCase, generalCase, makeTeam, type CaseBody } from './case-fixtures.ts';

const none = parseHolidays('');
/** 2026 Labour Day: 1–5 May off, Saturday 9 May worked (as the State Council lists them). */
const mayDay = parseHolidays('2026-05-01,2026-05-04,2026-05-05,+2026-05-09');
/** 2026 Spring Festival weekdays off. */
const springFestival = parseHolidays('2026-02-16, 2026-02-17, 2026-02-18, 2026-02-19, 2026-02-20, 2026-02-23');

describe('deadline arithmetic (expected dates worked out by hand on a calendar)', () => {
  test.each([
    // kind, received, days, working, calendar, due
    ['litigation: 15 days ending on a weekday', '2026-12-31', 15, false, none, '2027-01-15'],
    ['litigation: ends on a Saturday → Monday', '2026-01-16', 15, false, none, '2026-02-02'],
    ['litigation: from a month end, ends on a Sunday → Monday', '2026-01-31', 15, false, none, '2026-02-16'],
    ['litigation: last day in the Spring Festival → first working day after', '2026-01-31', 15, false, springFestival, '2026-02-24'],
    ['litigation: across a leap day (29 Feb 2028)', '2028-02-20', 15, false, none, '2028-03-06'],
    ['litigation: across February in a common year', '2027-02-20', 15, false, none, '2027-03-08'],
    ['reconsideration: 10 working days, no holidays', '2026-04-30', 10, true, none, '2026-05-14'],
    ['reconsideration: 10 working days over Labour Day with a make-up Saturday', '2026-04-30', 10, true, mayDay, '2026-05-18'],
    ['reconsideration simplified: 5 working days from a Friday', '2026-11-27', 5, true, none, '2026-12-04'],
    ['reconsideration simplified: 5 working days across the year end', '2026-12-30', 5, true, none, '2027-01-06'],
  ] as const)('%s', (_name, receivedOn, days, workingDays, calendar, due) => {
    expect(dueDate({ receivedOn, days, workingDays, calendar })).toBe(due);
  });

  test('the setting is parsed leniently about spaces and strictly about the + marker', () => {
    const c = parseHolidays(' 2026-10-01 ,+2026-10-10,, ');
    expect([...c.holidays]).toEqual(['2026-10-01']);
    expect([...c.workdays]).toEqual(['2026-10-10']);
  });
});

describe('deadlines on a case (API, controlled clock)', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestApp();
  });
  afterAll(() => ctx.close());
  afterEach(() => setCaseClock(undefined));

  test('countdown in Beijing dates, the 工作台 list, delivery recorded once', async () => {
    // 2026-03-02 is a Monday. Beijing midnight is 16:00 UTC.
    setCaseClock(() => new Date('2026-03-02T15:59:59Z')); // Beijing 2026-03-02 23:59:59
    const { dept, p1, p2, session } = await makeTeam(ctx);
    const c = await fileCase(session, generalCase(dept.id, [p1.id, p2.id], { filedOn: '2026-02-01' }));

    // Received "tomorrow" in Beijing: refused one second before Beijing midnight …
    const early = await session.request('POST', `/api/cases/${c.id}/deadlines`, { kind: 'litigation', receivedOn: '2026-03-03' });
    expect(early.statusCode).toBe(400);
    // … received today: litigation 15 days → 2026-03-17 (Tuesday).
    const lit = await session.request('POST', `/api/cases/${c.id}/deadlines`, { kind: 'litigation', receivedOn: '2026-03-02', authority: '某区人民法院', reference: '（2026）冀0102行初1号' });
    expect(lit.statusCode).toBe(201);
    expect(lit.json()).toMatchObject([{ kind: 'litigation', dueOn: '2026-03-17', periodDays: 15, workingDays: false, daysLeft: 15 }]);
    // Reconsideration on a general-procedure case: 10 working days → 2026-03-16; simplified when said: 5 → 2026-03-09.
    const rec = await session.request('POST', `/api/cases/${c.id}/deadlines`, { kind: 'reconsideration', receivedOn: '2026-03-02' });
    expect(rec.json()).toMatchObject([{}, { kind: 'reconsideration', dueOn: '2026-03-16', periodDays: 10, workingDays: true, daysLeft: 14 }]);
    const recS = await session.request('POST', `/api/cases/${c.id}/deadlines`, { kind: 'reconsideration', receivedOn: '2026-03-02', simplified: true });
    expect((recS.json() as CaseBody['deadlines'])[2]).toMatchObject({ dueOn: '2026-03-09', periodDays: 5, daysLeft: 7 });

    // One second later it is 3 March in Beijing: every countdown is a day shorter.
    setCaseClock(() => new Date('2026-03-02T16:00:00Z'));
    const view = (await session.request('GET', `/api/cases/${c.id}`)).json() as CaseBody;
    expect(view.deadlines.map((d) => d.daysLeft)).toEqual([14, 13, 6]);
    expect((await session.request('POST', `/api/cases/${c.id}/deadlines`, { kind: 'litigation', receivedOn: '2026-03-03' })).statusCode).toBe(201);

    // 工作台: soonest first, only open ones.
    const dash = (await session.request('GET', '/api/cases/deadlines')).json() as { today: string; items: { id: string; dueOn: string; daysLeft: number }[] };
    expect(dash.today).toBe('2026-03-03');
    expect(dash.items.map((d) => d.dueOn)).toEqual(['2026-03-09', '2026-03-16', '2026-03-17', '2026-03-18']);

    // Overdue: on 10 March the simplified one is one day late.
    setCaseClock(() => new Date('2026-03-10T01:00:00Z'));
    const simplified = view.deadlines[2]!;
    expect(((await session.request('GET', `/api/cases/${c.id}`)).json() as CaseBody).deadlines[2]!.daysLeft).toBe(-1);
    // Delivered: recorded, leaves the open list, a second time is 409; audited with lateness.
    const d = await session.request('POST', `/api/cases/${c.id}/deadlines/${simplified.id}/delivered`, { deliveredOn: '2026-03-10', note: '当面递交复议机关' });
    expect(d.statusCode).toBe(200);
    expect((d.json() as CaseBody['deadlines'])[2]).toMatchObject({ deliveredOn: '2026-03-10', daysLeft: null });
    const twice = await session.request('POST', `/api/cases/${c.id}/deadlines/${simplified.id}/delivered`, { deliveredOn: '2026-03-10' });
    expect(twice.statusCode).toBe(409);
    expect(twice.json().code).toBe('DEADLINE_DELIVERED');
    const dash2 = (await session.request('GET', '/api/cases/deadlines')).json() as { items: { id: string }[] };
    expect(dash2.items.map((x) => x.id)).not.toContain(simplified.id);
    const ev = await ctx.db.selectFrom('audit_event').select('details').where('target_id', '=', c.id).where('action', '=', 'case.deadline.deliver').execute();
    expect(ev.map((e) => e.details)).toMatchObject([{ deadlineId: simplified.id, dueOn: '2026-03-09', deliveredOn: '2026-03-10', late: true }]);

    // Another department's leader sees none of it.
    const other = await makeTeam(ctx);
    expect(((await other.session.request('GET', '/api/cases/deadlines')).json() as { items: unknown[] }).items).toEqual([]);
  });

  test('the periods and holidays come from the settings in force when recorded; earlier deadlines keep theirs', async () => {
    setCaseClock(() => new Date('2026-03-02T04:00:00Z'));
    const { dept, p1, p2, session } = await makeTeam(ctx);
    const admin = await makeUser(ctx.db, { roles: ['admin'] });
    const adminS = await login(ctx.app, admin.username, admin.password);
    const c = await fileCase(session, generalCase(dept.id, [p1.id, p2.id], { filedOn: '2026-01-05' }));
    await session.request('POST', `/api/cases/${c.id}/deadlines`, { kind: 'litigation', receivedOn: '2026-01-31' });
    expect((await adminS.request('PUT', '/api/settings/deadlines.holidays', { value: '2026-02-16,2026-02-17,2026-02-18,2026-02-19,2026-02-20,2026-02-23' })).statusCode).toBe(200);
    expect((await adminS.request('PUT', '/api/settings/deadlines.holidays', { value: '2026-02-30x' })).statusCode).toBe(400);
    const after = await session.request('POST', `/api/cases/${c.id}/deadlines`, { kind: 'litigation', receivedOn: '2026-01-31' });
    expect((after.json() as CaseBody['deadlines']).map((d) => d.dueOn)).toEqual(['2026-02-16', '2026-02-24']);
    expect((await adminS.request('PUT', '/api/settings/deadlines.litigationDays', { value: 20 })).statusCode).toBe(200);
    const longer = await session.request('POST', `/api/cases/${c.id}/deadlines`, { kind: 'litigation', receivedOn: '2026-02-02' });
    expect((longer.json() as CaseBody['deadlines'])[2]).toMatchObject({ periodDays: 20, dueOn: '2026-02-24' });
    // Received before the case was filed: refused.
    expect((await session.request('POST', `/api/cases/${c.id}/deadlines`, { kind: 'litigation', receivedOn: '2026-01-01' })).statusCode).toBe(400);
  });
});
