import { afterAll, beforeAll, expect, test } from 'vitest';
import { qualificationAt } from '../../src/modules/personnel/personnel.service.ts';
import { createTestApp, loginAs, makeDepartment, makePerson, type Session, type TestContext } from '../support/harness.ts';

let ctx: TestContext;
let admin: Session;
beforeAll(async () => {
  ctx = await createTestApp();
  admin = (await loginAs(ctx, ['admin'])).session;
});
afterAll(() => ctx.close());

const count = async (table: 'person' | 'department' | 'audit_event' | 'training_record') =>
  Number((await ctx.db.selectFrom(table).select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);

test('departments form a tree; a cycle is refused; each change is audited with before/after', async () => {
  const bureau = (await admin.request('POST', '/api/departments', { name: '邯郸市商务局', kind: 'bureau', code: 'HDSW' })).json();
  const det = await admin.request('POST', '/api/departments', { name: '商务综合执法支队', kind: 'detachment', parentId: bureau.id });
  expect(det.statusCode).toBe(201);
  const cycle = await admin.request('PATCH', `/api/departments/${bureau.id}`, { parentId: det.json().id });
  expect(cycle.statusCode).toBe(409);
  expect(cycle.json().code).toBe('DEPARTMENT_CYCLE');
  const renamed = await admin.request('PATCH', `/api/departments/${det.json().id}`, { name: '综合执法支队' });
  expect(renamed.json().name).toBe('综合执法支队');
  const dup = await admin.request('POST', '/api/departments', { name: '综合执法支队', kind: 'office', parentId: bureau.id });
  expect(dup.statusCode).toBe(409);
  const events = await ctx.db.selectFrom('audit_event').selectAll().where('target_id', '=', det.json().id).orderBy('seq').execute();
  expect(events.map((e) => e.action)).toEqual(['department.create', 'department.update']);
  expect(events[1]!.details).toMatchObject({ before: { name: '商务综合执法支队' }, changes: { name: '综合执法支队' } });
});

test('a person with a certificate is created, listed, qualified; edits are audited', async () => {
  const dept = await makeDepartment(ctx.db, { name: '执法一大队' });
  const res = await admin.request('POST', '/api/personnel', {
    name: '王五',
    staffNumber: 'ZF-0001',
    departmentId: dept.id,
    enrolled: true,
    certificate: { number: '冀商执字第130400001号', examPassedOn: '2019-06-01', validUntil: '2099-06-30', issuingBody: '河北省人民政府' },
  });
  expect(res.statusCode).toBe(201);
  const p = res.json();
  expect(p.qualification.qualified).toBe(true);
  expect(p.departmentName).toBe('执法一大队');

  const list = await admin.request('GET', `/api/personnel?departmentId=${dept.id}&q=${encodeURIComponent('王')}`);
  expect(list.json().items.map((x: { id: string }) => x.id)).toEqual([p.id]);
  expect((await admin.request('GET', '/api/personnel?staffNumber=ZF-0001')).json().items.map((x: { id: string }) => x.id)).toEqual([p.id]);
  expect((await admin.request('GET', '/api/personnel?staffNumber=ZF-000')).json().items).toEqual([]);

  const expired = await admin.request('PATCH', `/api/personnel/${p.id}`, { certificate: { number: '冀商执字第130400001号', validUntil: '2020-01-01' } });
  expect(expired.json().qualification).toMatchObject({ qualified: false, reasons: [{ code: 'CERTIFICATE_EXPIRED' }] });
  const q = await admin.request('GET', `/api/personnel/${p.id}/qualification?on=2019-12-31`);
  expect(q.json().qualified).toBe(true);
  const events = await ctx.db.selectFrom('audit_event').selectAll().where('target_id', '=', p.id).orderBy('seq').execute();
  expect(events.map((e) => e.action)).toEqual(['person.create', 'person.update']);
  expect(JSON.stringify(events[1]!.details)).toContain('2099-06-30');
});

test('the shared rule answers for a moment in Asia/Shanghai', async () => {
  const p = await makePerson(ctx.db, { certificate: { number: 'C-EDGE', validUntil: '2026-06-30' } });
  // 2026-06-30T16:30Z is already 07-01 00:30 in Shanghai: expired there.
  expect((await qualificationAt(ctx.db, p.id, new Date('2026-06-30T15:30:00Z'))).qualified).toBe(true);
  expect((await qualificationAt(ctx.db, p.id, new Date('2026-06-30T16:30:00Z'))).qualified).toBe(false);
  const none = await makePerson(ctx.db, { certificate: null, enrolled: false });
  expect((await qualificationAt(ctx.db, none.id)).reasons.map((r) => r.code)).toEqual(['NOT_ENROLLED', 'NO_CERTIFICATE']);
});

test('training records are kept per person', async () => {
  const p = await makePerson(ctx.db);
  const add = await admin.request('POST', `/api/personnel/${p.id}/training-records`, { heldOn: '2026-03-15', subject: '执法记录仪使用规范', hours: 4 });
  expect(add.statusCode).toBe(201);
  const list = await admin.request('GET', `/api/personnel/${p.id}/training-records`);
  expect(list.json().items).toMatchObject([{ subject: '执法记录仪使用规范', hours: 4, heldOn: '2026-03-15' }]);
});

test('bad input: 400 with field-level messages, nothing half-written', async () => {
  const dept = await makeDepartment(ctx.db);
  const before = { person: await count('person'), audit: await count('audit_event') };
  const cases: [unknown, string[]][] = [
    [{}, ['name', 'staffNumber', 'departmentId', 'enrolled', 'certificate']],
    [{ name: 'x'.repeat(61), staffNumber: 'A1', departmentId: dept.id, enrolled: 'yes', certificate: null }, ['name', 'enrolled']],
    [{ name: '赵六', staffNumber: '../etc', departmentId: 'not-a-uuid', enrolled: true, certificate: null }, ['staffNumber', 'departmentId']],
    [{ name: 'a\u0000b', staffNumber: 'A2', departmentId: dept.id, enrolled: true, certificate: { number: 'X', validUntil: '2026-02-30' } }, ['name', 'certificate.validUntil']],
    [{ name: '钱七', staffNumber: 'A3', departmentId: dept.id, enrolled: true, certificate: { number: 'X', examPassedOn: '2027-01-01', validUntil: '2026-01-01' } }, ['certificate.validUntil']],
  ];
  for (const [body, fields] of cases) {
    const res = await admin.request('POST', '/api/personnel', body);
    expect(res.statusCode, JSON.stringify(body)).toBe(400);
    expect(res.json().code).toBe('VALIDATION_FAILED');
    expect(Object.keys(res.json().fields).sort()).toEqual([...fields].sort());
  }
  // A department that does not exist, after validation passed: refused in the transaction.
  const ghost = await admin.request('POST', '/api/personnel', { name: '孙八', staffNumber: 'A4', departmentId: '00000000-0000-4000-8000-000000000001', enrolled: true, certificate: null });
  expect(ghost.statusCode).toBe(400);
  expect(ghost.json().fields.departmentId).toBeTruthy();
  // Not JSON at all, and a body over the limit.
  const broken = await ctx.app.inject({ method: 'POST', url: '/api/personnel', headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf, 'content-type': 'application/json' }, payload: '{"name":' });
  expect(broken.statusCode).toBe(400);
  const huge = await admin.request('POST', '/api/personnel', { name: '大', staffNumber: 'A5', departmentId: dept.id, enrolled: true, certificate: null, pad: 'x'.repeat(2 * 1024 * 1024) });
  expect(huge.statusCode).toBe(413);
  expect(huge.json().code).toBe('BODY_TOO_LARGE');
  // Duplicate staff number: 409, and the first one is untouched.
  await admin.request('POST', '/api/personnel', { name: '周九', staffNumber: 'DUP-1', departmentId: dept.id, enrolled: true, certificate: null });
  const dup = await admin.request('POST', '/api/personnel', { name: '吴十', staffNumber: 'DUP-1', departmentId: dept.id, enrolled: true, certificate: null });
  expect(dup.statusCode).toBe(409);
  expect(await count('person')).toBe(before.person + 1);
  // Only the one successful create left an audit event (plus nothing for the refused ones).
  expect(await count('audit_event')).toBe(before.audit + 1);
});

test('English field messages with Accept-Language: en; Chinese by default', async () => {
  const zh = await admin.request('POST', '/api/personnel', { name: '' });
  expect(zh.json().message).toBe('输入有误，请检查标出的字段');
  expect(zh.json().fields.staffNumber).toMatch(/[\u4e00-\u9fa5]/);
  const en = await admin.request('POST', '/api/personnel', { name: '' }, { 'accept-language': 'en' });
  expect(en.json().message).toBe('The input is invalid; see the fields listed');
  expect(en.json().fields.staffNumber).toMatch(/^[\x20-\x7e]+$/);
});

test('department scope: a leader sees only their department subtree', async () => {
  const a = await makeDepartment(ctx.db, { name: '甲支队' });
  const a1 = await makeDepartment(ctx.db, { name: '甲一中队', parentId: a.id });
  const b = await makeDepartment(ctx.db, { name: '乙支队' });
  const pa = await makePerson(ctx.db, { departmentId: a1.id });
  const pb = await makePerson(ctx.db, { departmentId: b.id });
  const { session: leader } = await loginAs(ctx, ['leader'], { departmentId: a.id });
  const ids = (await leader.request('GET', '/api/personnel?limit=200')).json().items.map((x: { id: string }) => x.id);
  expect(ids).toContain(pa.id);
  expect(ids).not.toContain(pb.id);
  expect((await leader.request('GET', `/api/personnel/${pb.id}`)).statusCode).toBe(404);
  expect((await leader.request('GET', `/api/personnel/${pa.id}`)).statusCode).toBe(200);
});

test('cursor paging walks every person once', async () => {
  const dept = await makeDepartment(ctx.db);
  for (let i = 0; i < 7; i++) await makePerson(ctx.db, { departmentId: dept.id });
  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const url: string = `/api/personnel?departmentId=${dept.id}&limit=3${cursor ? `&cursor=${cursor}` : ''}`;
    const page = (await admin.request('GET', url)).json();
    seen.push(...page.items.map((x: { id: string }) => x.id));
    cursor = page.nextCursor;
  } while (cursor);
  expect(seen).toHaveLength(7);
  expect(new Set(seen).size).toBe(7);
  expect((await admin.request('GET', '/api/personnel?cursor=garbage!')).statusCode).toBe(400);
});
