import { afterAll, beforeAll, expect, test } from 'vitest';
import { createTestApp, loginAs, makeDepartment, makePerson, makeRecording, type Session, type TestContext } from '../support/harness.ts';

let ctx: TestContext;
let custodian: Session;
let dept: string;
let officer: string;
const ids: Record<string, string> = {};

beforeAll(async () => {
  ctx = await createTestApp();
  dept = (await makeDepartment(ctx.db, { name: '执法支队' })).id;
  officer = (await makePerson(ctx.db, { departmentId: dept, name: '孙七' })).id;
  const c = await loginAs(ctx, ['custodian'], { departmentId: dept });
  custodian = c.session;
  const by = c.user.id;
  // Recorded 2026-11-20 10:00 Beijing time.
  ids.onTime = await makeRecording(ctx.db, { departmentId: dept, officerIds: [officer], uploadedBy: by, recordedStart: '2026-11-20T02:00:00Z', uploadedAt: '2026-11-20T10:00:00Z', deviceNumber: 'DSJ9' });
  // Uploaded 2026-11-20 23:59 Beijing: still the same day.
  ids.lastMinute = await makeRecording(ctx.db, { departmentId: dept, officerIds: [officer], uploadedBy: by, recordedStart: '2026-11-20T03:00:00Z', uploadedAt: '2026-11-20T15:59:00Z', deviceNumber: 'DSJ9' });
  // Uploaded 2026-11-21 00:30 Beijing: late.
  ids.late = await makeRecording(ctx.db, { departmentId: dept, officerIds: [officer], uploadedBy: by, recordedStart: '2026-11-20T04:00:00Z', uploadedAt: '2026-11-20T16:30:00Z', deviceNumber: 'DSJ9' });
});
afterAll(() => ctx.close());

test('第十条: a recording uploaded after midnight of its recording day (Beijing) is late', async () => {
  const res = await custodian.request('GET', `/api/offload/late?from=${encodeURIComponent('2026-11-19T16:00:00Z')}&to=${encodeURIComponent('2026-11-21T16:00:00Z')}`);
  expect(res.statusCode, res.body).toBe(200);
  const body = res.json();
  expect(body.items.map((i: { recordingId: string }) => i.recordingId)).toEqual([ids.late]);
  expect(body.summary).toEqual([{ personId: officer, personName: '孙七', staffNumber: expect.any(String), deviceNumber: 'DSJ9', count: 1, maxDelayHours: 0.5 }]);
  const rec = (await custodian.request('GET', `/api/recordings/${ids.late}`)).json();
  expect(rec.lateOffload).toBe(true);
  expect((await custodian.request('GET', `/api/recordings/${ids.lastMinute}`)).json().lateOffload).toBe(false);
});

test('the cut-off hour is a setting for uploads from then on; recordings already stored keep their verdict', async () => {
  const { session: admin, user } = await loginAs(ctx, ['admin']);
  expect((await admin.request('PUT', '/api/settings/offload.cutoffHour', { value: 25 })).statusCode).toBe(200);
  // Recorded 2026-11-25, uploaded 00:30 the next day (Beijing), like ids.late, but stored under the 25 o'clock cut-off: on time.
  const under25 = await makeRecording(ctx.db, { departmentId: dept, officerIds: [officer], uploadedBy: user.id, recordedStart: '2026-11-25T05:00:00Z', uploadedAt: '2026-11-25T16:30:00Z' });
  const res = await custodian.request('GET', `/api/offload/late?from=${encodeURIComponent('2026-11-19T16:00:00Z')}&to=${encodeURIComponent('2026-11-21T16:00:00Z')}`);
  expect(res.json().items.map((i: { recordingId: string }) => i.recordingId)).toEqual([ids.late]);
  expect((await custodian.request('GET', `/api/recordings/${under25}`)).json().lateOffload).toBe(false);
  expect((await admin.request('PUT', '/api/settings/offload.cutoffHour', { value: 24 })).statusCode).toBe(200);
  const bad = await admin.request('PUT', '/api/settings/offload.cutoffHour', { value: 0 });
  expect(bad.statusCode).toBe(400);
  expect(bad.json().fields.value).toMatch(/[\u4e00-\u9fa5]/);
});

test('the custodian confirms each officer’s hand-over of the day, once, and it is audited', async () => {
  const day = await custodian.request('GET', '/api/offload/days/2026-11-20');
  expect(day.json().items).toEqual([
    expect.objectContaining({ personId: officer, count: 2, late: 0, receipt: null, recordingIds: [ids.onTime, ids.lastMinute] }),
  ]);
  const next = await custodian.request('GET', '/api/offload/days/2026-11-21');
  expect(next.json().items[0]).toMatchObject({ count: 1, late: 1 });
  const ok = await custodian.request('POST', '/api/offload/receipts', { personId: officer, day: '2026-11-20', note: '已核对' });
  expect(ok.statusCode, ok.body).toBe(201);
  expect((await custodian.request('POST', '/api/offload/receipts', { personId: officer, day: '2026-11-20' })).statusCode).toBe(409);
  expect((await custodian.request('GET', '/api/offload/days/2026-11-20')).json().items[0].receipt).toMatchObject({ confirmedBy: expect.any(String) });
  const ev = await ctx.db.selectFrom('audit_event').selectAll().where('action', '=', 'offload.receipt.confirm').executeTakeFirstOrThrow();
  expect(ev.details).toMatchObject({ day: '2026-11-20', recordingIds: [ids.onTime, ids.lastMinute] });
  const { session: officerSession } = await loginAs(ctx, ['officer'], { departmentId: dept });
  expect((await officerSession.request('POST', '/api/offload/receipts', { personId: officer, day: '2026-11-21' })).statusCode).toBe(403);
});
