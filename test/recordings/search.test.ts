import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestApp, loginAs, makeDepartment, makePerson, makeRecording, makeUser, type Session, type TestContext } from '../support/harness.ts';

let ctx: TestContext;
let admin: Session;
const ids: Record<string, string> = {};
let d1: string;
let d2: string;
let p1: string;
let p2: string;

beforeAll(async () => {
  ctx = await createTestApp();
  admin = (await loginAs(ctx, ['admin'])).session;
  d1 = (await makeDepartment(ctx.db, { name: '一大队' })).id;
  d2 = (await makeDepartment(ctx.db, { name: '二大队' })).id;
  p1 = (await makePerson(ctx.db, { departmentId: d1, name: '王一' })).id;
  p2 = (await makePerson(ctx.db, { departmentId: d2, name: '赵二' })).id;
  const u = (await makeUser(ctx.db, { roles: ['custodian'] })).id;
  ids.a = await makeRecording(ctx.db, { departmentId: d1, officerIds: [p1], uploadedBy: u, recordedStart: '2026-11-20T02:00:00Z', deviceNumber: 'DSJ001', activity: 'patrol', party: '张三便利店', notes: '现场检查发现过期食品' });
  ids.b = await makeRecording(ctx.db, { departmentId: d1, officerIds: [p1, p2], uploadedBy: u, recordedStart: '2026-11-21T02:00:00Z', deviceNumber: 'DSJ002', activity: 'questioning', party: '李四商贸有限公司', caseName: '李四商贸有限公司无证经营案' });
  ids.c = await makeRecording(ctx.db, { departmentId: d2, officerIds: [p2], uploadedBy: u, recordedStart: '2026-11-22T02:00:00Z', deviceNumber: 'DSJ001', activity: 'service', party: '王五超市', notes: '现场检查无异常', mediaState: 'ready' });
  ids.d = await makeRecording(ctx.db, { departmentId: d2, officerIds: [p2], uploadedBy: u, recordedStart: '2026-11-23T02:00:00Z', deviceNumber: 'DSJ003', activity: 'patrol', notes: 'Routine patrol, English notes' });
});
afterAll(() => ctx.close());

const find = async (query: string, session = admin) => {
  const res = await session.request('GET', `/api/recordings?${query}`);
  expect(res.statusCode, res.body).toBe(200);
  return (res.json().items as { id: string }[]).map((r) => r.id);
};
const q = encodeURIComponent;

describe('第十五条: search by every classification field', () => {
  test('newest first, all', async () => {
    expect(await find('')).toEqual([ids.d, ids.c, ids.b, ids.a]);
  });
  test('department, device, officer, time range', async () => {
    expect(await find(`departmentId=${d1}`)).toEqual([ids.b, ids.a]);
    expect(await find('deviceNumber=DSJ001')).toEqual([ids.c, ids.a]);
    expect(await find(`officerId=${p2}`)).toEqual([ids.d, ids.c, ids.b]);
    expect(await find(`from=${q('2026-11-21T00:00:00Z')}&to=${q('2026-11-23T00:00:00Z')}`)).toEqual([ids.c, ids.b]);
  });
  test('activity, processing state, party and case name', async () => {
    expect(await find('activity=patrol')).toEqual([ids.d, ids.a]);
    expect(await find('processingState=ready')).toEqual([ids.c]);
    expect(await find(`party=${q('李四')}`)).toEqual([ids.b]);
    expect(await find(`caseName=${q('无证经营')}`)).toEqual([ids.b]);
  });
  test('Chinese text search over party, case and notes, including two-character words', async () => {
    expect(await find(`q=${q('张三')}`)).toEqual([ids.a]);
    expect(await find(`q=${q('过期食品')}`)).toEqual([ids.a]);
    expect(await find(`q=${q('商贸')}`)).toEqual([ids.b]);
    expect(await find(`q=${q('english')}`)).toEqual([ids.d]);
    expect(await find(`q=${q('不存在的词')}`)).toEqual([]);
    expect(await find(`q=${q('100%_')}`)).toEqual([]);
  });
  test('by upload time and by a list of ids', async () => {
    expect(await find(`ids=${ids.a},${ids.c}`)).toEqual([ids.c, ids.a]);
    expect(await find(`uploadedFrom=${q('2000-01-01T00:00:00Z')}&uploadedTo=${q('2001-01-01T00:00:00Z')}`)).toEqual([]);
    expect((await admin.request('GET', '/api/recordings?ids=not-a-uuid')).statusCode).toBe(400);
  });
  test('a common word pages newest-first through the probe of the newest rows', async () => {
    const first = (await admin.request('GET', `/api/recordings?limit=1&q=${q('现场检查')}`)).json();
    expect(first.items.map((r: { id: string }) => r.id)).toEqual([ids.c]);
    const second = (await admin.request('GET', `/api/recordings?limit=1&q=${q('现场检查')}&cursor=${first.nextCursor}`)).json();
    expect(second.items.map((r: { id: string }) => r.id)).toEqual([ids.a]);
    expect(second.nextCursor).toBeNull();
  });
  test('filters combine', async () => {
    expect(await find(`deviceNumber=DSJ001&officerId=${p2}`)).toEqual([ids.c]);
  });
  test('cursor paging is stable and complete', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: { items: { id: string }[]; nextCursor: string | null } = (await admin.request('GET', `/api/recordings?limit=1${cursor ? `&cursor=${cursor}` : ''}`)).json();
      seen.push(...res.items.map((r: { id: string }) => r.id));
      cursor = res.nextCursor;
    } while (cursor);
    expect(seen).toEqual([ids.d, ids.c, ids.b, ids.a]);
  });
  test('department scope: an officer of 一大队 sees only its recordings', async () => {
    const { session } = await loginAs(ctx, ['officer'], { departmentId: d1 });
    expect(await find('', session)).toEqual([ids.b, ids.a]);
    // Outside the scope looks exactly like an unknown id (no existence oracle).
    expect((await session.request('GET', `/api/recordings/${ids.c}`)).statusCode).toBe(404);
  });
  test('bad filters are 400 with the field named', async () => {
    const res = await admin.request('GET', '/api/recordings?activity=dancing&from=yesterday');
    expect(res.statusCode).toBe(400);
    expect(Object.keys(res.json().fields).sort()).toEqual(['activity', 'from']);
  });
});
