import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { unsafeTextProblem } from '../../src/platform/http/safe-text.ts';
import { jsonNestsDeeperThan } from '../../src/platform/http/json-body.ts';
import { looseObjectPaths } from '../../src/platform/http/strict-bodies.ts';
import { z } from 'zod';
import { createTestApp, loginAs, makeDepartment, makePerson, makeRecording, type Session, type TestContext } from '../support/harness.ts';

/**
 * Issue 6 items 12, 14–17: odd input gets a clear 4xx in the request's language — never a 500, never a
 * silently dropped field, never a CPU burn. Timeouts and health (items 18, 19) are in
 * odd-input-connections.test.ts.
 */

let ctx: TestContext;
let admin: Session;
let recordingId: string;
let deptId: string;
beforeAll(async () => {
  ctx = await createTestApp();
  admin = (await loginAs(ctx, ['admin'])).session;
  const dept = await makeDepartment(ctx.db);
  deptId = dept.id;
  const person = await makePerson(ctx.db, { departmentId: dept.id });
  recordingId = await makeRecording(ctx.db, { departmentId: dept.id, officerIds: [person.id], uploadedBy: admin.userId, recordedStart: '2026-03-01T08:00:00+08:00' });
});
afterAll(() => ctx.close());

const en = { 'accept-language': 'en' };
const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

describe('item 12: times PostgreSQL cannot store are refused at the edge', () => {
  // value → accepted? (offsets beyond ±14:00 do not exist on Earth; PostgreSQL refuses ±16:00 and up)
  const times: [string, boolean][] = [
    ['2026-03-01T08:00:00+08:00', true],
    ['2026-03-01T08:00:00Z', true],
    ['2026-03-01T08:00:00+14:00', true],
    ['2026-03-01T08:00:00-12:00', true],
    ['2026-03-01T08:00:00.123456+08:00', true],
    ['2026-03-01T08:00:00+16:00', false],
    ['2026-03-01T08:00:00+23:59', false],
    ['2026-03-01T08:00:00-15:00', false],
    ['2026-03-01T08:00:00+14:30', false],
    ['2026-02-30T08:00:00Z', false],
    ['0000-01-01T00:00:00Z', false],
    ['2026-03-01T08:00:00', false],
    ['yesterday', false],
  ];
  test.each(times)('query time %s accepted: %s (recordings, audit events, late offloads)', async (t, ok) => {
    for (const url of [`/api/recordings?from=`, `/api/audit-events?from=`, `/api/offload/late?to=2026-12-01T00:00:00Z&from=`]) {
      const res = await admin.request('GET', url + encodeURIComponent(t));
      expect(res.statusCode, `${url}${t}: ${res.body}`).toBe(ok ? 200 : 400);
      if (!ok) expect(res.json().fields.from).toMatch(/[\u4e00-\u9fa5]/);
    }
  });

  test('an offset of +16:00 in a PATCH body is a field error in both languages and changes nothing', async () => {
    const body = { recordedStart: '2026-03-01T08:00:00+16:00', reason: '设备时钟校正' };
    const zh = await admin.request('PATCH', `/api/recordings/${recordingId}`, body);
    expect(zh.statusCode).toBe(400);
    expect(zh.json().fields).toEqual({ recordedStart: '时区偏移须在 -14:00 至 +14:00 之间' });
    const enRes = await admin.request('PATCH', `/api/recordings/${recordingId}`, body, en);
    expect(enRes.json().fields).toEqual({ recordedStart: 'the UTC offset must be between -14:00 and +14:00' });
    const row = await ctx.db.selectFrom('recording').select('recorded_start').where('id', '=', recordingId).executeTakeFirstOrThrow();
    expect(row.recorded_start.toISOString()).toBe('2026-03-01T00:00:00.000Z');
  });
});

test.each([
  ['0000-01-01', 'the year must be between 1900 and 9999'],
  ['2026-02-30', 'must be a date that exists, as YYYY-MM-DD'],
  ['2026-3-1', 'must be a date that exists, as YYYY-MM-DD'],
])('item 12: the date %s is a field error ("%s"), not a database error', async (heldOn, message) => {
  const person = await makePerson(ctx.db, { departmentId: deptId });
  const res = await admin.request('POST', `/api/personnel/${person.id}/training-records`, { heldOn, subject: '培训', hours: 1 }, en);
  expect(res.statusCode).toBe(400);
  expect(res.json().fields).toEqual({ heldOn: message });
});

describe('item 14: tampered cursors are a 400, never a 500', () => {
  const person = '7d1f3e42-2a8b-4c7e-9a51-0f3b2c1d4e5f';
  // route → what the cursor holds (JSON, or raw text when not JSON) → expected status
  const cases: [string, unknown, number][] = [
    ['/api/audit-events', ['99999999999999999999999'], 400],
    ['/api/audit-events', ['9223372036854775808'], 400],
    ['/api/audit-events', ['-1'], 400],
    ['/api/audit-events', ['1 OR 1=1'], 400],
    ['/api/audit-events', [], 400],
    ['/api/audit-events', { seq: 1 }, 400],
    ['/api/audit-events', ['9223372036854775807'], 200],
    ['/api/recordings', ['99999999999999999999999'], 400],
    ['/api/recordings', ['2026-03-01T00:00:00.000Z', 'not-a-uuid'], 400],
    ['/api/recordings', ['2026-13-01T00:00:00.000Z', person], 400],
    ['/api/recordings', ['0000-01-01T00:00:00.000Z', person], 400],
    ['/api/recordings', ['2026-03-01T00:00:00.000Z', person, 'extra'], 400],
    ['/api/recordings', [1, 2], 400],
    ['/api/recordings', 'not json', 400],
    ['/api/recordings', ['2026-03-01T00:00:00.000Z', person], 200],
    ['/api/personnel', [null, person], 400],
    ['/api/personnel', ['S1', 'x'], 400],
    ['/api/personnel', ['S1'], 400],
    ['/api/personnel', ['S1', person], 200],
  ];
  test.each(cases)('%s with a cursor holding %j → %i', async (url, held, status) => {
    const res = await admin.request('GET', `${url}?cursor=${b64(held)}`, undefined, en);
    expect(res.statusCode, res.body).toBe(status);
    if (status === 400) expect(res.json()).toMatchObject({ code: 'INVALID_CURSOR', fields: { cursor: 'invalid page cursor' } });
  });

  test('a cursor that is not base64url at all', async () => {
    const res = await admin.request('GET', `/api/recordings?cursor=${encodeURIComponent('!!!*')}`);
    expect(res.json()).toMatchObject({ code: 'INVALID_CURSOR', fields: { cursor: '分页游标无效' } });
  });

  test('a cursor the server handed out still pages on', async () => {
    const first = (await admin.request('GET', '/api/audit-events?limit=1')).json();
    expect(first.nextCursor).toBeTruthy();
    expect((await admin.request('GET', `/api/audit-events?limit=1&cursor=${first.nextCursor}`)).statusCode).toBe(200);
  });
});

describe('item 15: body size per route and JSON depth are bounded before parsing', () => {
  const post = (url: string, payload: string, headers: Record<string, string> = {}) =>
    ctx.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json', ...headers }, payload });

  test('anonymous login with a ~680 KB body of nested arrays: 413, unparsed', async () => {
    const n = 340_000;
    const res = await post('/api/auth/login', '['.repeat(n) + ']'.repeat(n));
    expect(res.statusCode).toBe(413);
    expect(res.json().code).toBe('BODY_TOO_LARGE');
  });

  test('credential routes take a few KB, other routes 64 KB', async () => {
    const login = await post('/api/auth/login', JSON.stringify({ username: 'admin', password: 'x'.repeat(5000) }));
    expect(login.statusCode).toBe(413);
    const big = await admin.request('POST', '/api/departments', { name: 'x', kind: 'office', code: 'y'.repeat(70_000) });
    expect(big.statusCode).toBe(413);
    const fits = await admin.request('POST', '/api/departments', { name: '一般大小的部门', kind: 'office', code: 'z'.repeat(30) });
    expect(fits.statusCode).toBe(201);
  });

  test('nesting deeper than 32 levels is a field error on the body, within the size limit too', async () => {
    const deep = (d: number) => '['.repeat(d) + ']'.repeat(d);
    const anon = await post('/api/auth/login', deep(1500));
    expect(anon.statusCode).toBe(400);
    expect(anon.json().fields).toEqual({ body: '嵌套超过 32 层' });
    const inField = await ctx.app.inject({
      method: 'POST',
      url: '/api/departments',
      headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf, 'content-type': 'application/json', ...en },
      payload: `{"name":"a","kind":"office","code":${deep(20_000)}}`,
    });
    expect(inField.statusCode).toBe(400);
    expect(inField.json().fields).toEqual({ body: 'nested more than 32 levels deep' });
  });

  test('prototype poisoning is still refused by the JSON parser', async () => {
    const res = await post('/api/auth/login', '{"username":"a","password":"b","__proto__":{"x":1}}');
    expect(res.statusCode).toBe(400);
  });

  test.each([
    ['[]', 0, true],
    ['[]', 1, false],
    ['"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["', 1, false],
    ['{"a":[{"b":[1]}]}', 4, false],
    ['{"a":[{"b":[1]}]}', 3, true],
    ['"\\"[[[["', 0, false],
  ])('depth scan of %s with limit %i exceeds: %s', (text, max, exceeds) => {
    expect(jsonNestsDeeperThan(text, max)).toBe(exceeds);
  });
});

describe('item 16: unknown fields are refused; field messages are written for people', () => {
  test('{"days":30} on a new API token is a field error, and no token is made', async () => {
    const before = (await admin.request('GET', '/api/api-tokens')).json().items.length;
    const res = await admin.request('POST', '/api/api-tokens', { name: '采集站', days: 30 });
    expect(res.statusCode).toBe(400);
    expect(res.json().fields).toEqual({ days: '不允许的字段' });
    expect((await admin.request('POST', '/api/api-tokens', { name: 'x', days: 30 }, en)).json().fields).toEqual({ days: 'unknown field' });
    expect((await admin.request('GET', '/api/api-tokens')).json().items.length).toBe(before);
  });

  test('unknown fields in nested objects and in PATCH bodies are named by their path', async () => {
    const person = await admin.request('POST', '/api/personnel', {
      name: '赵六',
      staffNumber: 'ODD-1',
      departmentId: deptId,
      enrolled: true,
      certificate: { number: 'C-ODD-1', validUntil: '2099-01-01', level: 'A' },
    });
    expect(person.statusCode).toBe(400);
    expect(person.json().fields).toEqual({ 'certificate.level': '不允许的字段' });
    const patch = await admin.request('PATCH', `/api/recordings/${recordingId}`, { notes: '备注', lateOffload: false });
    expect(patch.json().fields).toEqual({ lateOffload: '不允许的字段' });
  });

  // body → field → zh message → en message
  const messages: [Record<string, unknown>, string, string, string][] = [
    [{ name: '', kind: 'office' }, 'name', '不能为空', 'must not be empty'],
    [{ name: '   ', kind: 'office' }, 'name', '不能为空', 'must not be empty'],
    [{ name: '部'.repeat(101), kind: 'office' }, 'name', '最多 100 个字符', 'at most 100 characters'],
    [{ kind: 'office' }, 'name', '必填', 'required'],
    [{ name: 5, kind: 'office' }, 'name', '应为文本', 'must be text'],
    [{ name: 'a', kind: 'zzz' }, 'kind', '应为以下之一：bureau、office、detachment、other', 'must be one of: bureau, office, detachment, other'],
    [{ name: 'a', kind: 'office', parentId: 'abc' }, 'parentId', '应为编号（UUID）', 'must be an id (UUID)'],
  ];
  test.each(messages)('department %j: %s is "%s" / "%s"', async (body, field, zh, enMsg) => {
    const zhRes = await admin.request('POST', '/api/departments', body);
    expect(zhRes.statusCode).toBe(400);
    expect(zhRes.json().fields[field]).toBe(zh);
    expect((await admin.request('POST', '/api/departments', body, en)).json().fields[field]).toBe(enMsg);
  });

  const tokenDays: [unknown, string, string][] = [
    [0, '不能小于 1', 'must be at least 1'],
    [366, '不能大于 365', 'must be at most 365'],
    [1.5, '应为整数', 'must be a whole number'],
    ['30', '应为数字', 'must be a number'],
  ];
  test.each(tokenDays)('API token lifetime %j: "%s" / "%s"', async (days, zh, enMsg) => {
    expect((await admin.request('POST', '/api/api-tokens', { name: 't', expiresInDays: days })).json().fields).toEqual({ expiresInDays: zh });
    expect((await admin.request('POST', '/api/api-tokens', { name: 't', expiresInDays: days }, en)).json().fields).toEqual({ expiresInDays: enMsg });
  });

  test('a body that is not an object, and numbers with steps', async () => {
    expect((await admin.request('POST', '/api/departments', [1, 2])).json().fields).toEqual({ body: '应为包含字段的对象' });
    const person = await makePerson(ctx.db, { departmentId: deptId });
    const training = await admin.request('POST', `/api/personnel/${person.id}/training-records`, { heldOn: '2026-01-05', subject: '培训', hours: 0.3 }, en);
    expect(training.json().fields).toEqual({ hours: 'must be a multiple of 0.5' });
  });

  test('every route body schema is strict (start-up refuses a loose one)', () => {
    expect(looseObjectPaths(z.strictObject({ a: z.strictObject({ b: z.string() }).nullable() }))).toEqual([]);
    expect(looseObjectPaths(z.strictObject({ a: z.array(z.object({ b: z.string() })) }))).toEqual(['body.a[]']);
    expect(looseObjectPaths(z.object({ a: z.string() }).partial())).toEqual(['body']);
    // buildApp ran assertStrictBody on every route; the app above started, so all bodies are strict.
  });
});

describe('item 17: future times beyond the device-clock tolerance and disguising characters are refused', () => {
  const inMinutes = (m: number) => new Date(Date.now() + m * 60_000).toISOString();

  test('a start tomorrow is refused; 5 minutes ahead is accepted and flagged clockAhead in the audit event', async () => {
    const tomorrow = await admin.request('PATCH', `/api/recordings/${recordingId}`, { recordedStart: inMinutes(24 * 60), reason: '校正' }, en);
    expect(tomorrow.statusCode).toBe(400);
    expect(tomorrow.json().fields).toEqual({ recordedStart: "the start is more than 10 minutes after the server's current time; check the device clock" });
    const end = await admin.request('PATCH', `/api/recordings/${recordingId}`, { recordedEnd: inMinutes(60), reason: '校正' });
    expect(end.json().fields).toEqual({ recordedEnd: '结束时间晚于服务器当前时间超过 10 分钟，请检查设备时钟' });

    const ahead = await admin.request('PATCH', `/api/recordings/${recordingId}`, { recordedStart: inMinutes(5), reason: '设备时钟略快' });
    expect(ahead.statusCode, ahead.body).toBe(200);
    const event = await ctx.db.selectFrom('audit_event').select('details').where('action', '=', 'recording.update').where('target_id', '=', recordingId).orderBy('seq', 'desc').executeTakeFirstOrThrow();
    expect(event.details).toMatchObject({ clockAhead: true });
  });

  // value → single-line field accepts? → multi-line notes accept?
  const texts: [string, string, boolean, boolean][] = [
    ['plain Chinese', '邯郸市商务局', true, true],
    ['RTL override', 'evil\u202egpj.exe', false, false],
    ['LTR embedding', 'a\u202ab', false, false],
    ['isolate', 'a\u2066b\u2069', false, false],
    ['zero-width space', '张\u200b三', false, false],
    ['zero-width joiner', 'a\u200db', false, false],
    ['word joiner', 'a\u2060b', false, false],
    ['BOM inside', 'a\ufeffb', false, false],
    ['NUL', 'a\u0000b', false, false],
    ['escape', 'a\u001b[31mb', false, false],
    ['C1 NEL', 'a\u0085b', false, false],
    ['C1 CSI', 'a\u009bb', false, false],
    ['DEL', 'a\u007fb', false, false],
    ['line break', '第一行\n第二行', false, true],
    ['CRLF', '第一行\r\n第二行', false, true],
    ['tab', 'a\tb', false, true],
    ['line separator', 'a\u2028b', false, false],
  ];
  test.each(texts)('%s: single line %s → %s, notes → %s', async (_label, value, single, multi) => {
    const dept = await admin.request('POST', '/api/departments', { name: `${value}${Math.random()}`, kind: 'office' });
    expect(dept.statusCode, dept.body).toBe(single ? 201 : 400);
    if (!single) expect(dept.json().fields.name).toMatch(/字符/);
    const notes = await admin.request('PATCH', `/api/recordings/${recordingId}`, { notes: value, party: single ? value : undefined });
    expect(notes.statusCode, notes.body).toBe(multi ? 200 : 400);
    if (multi) expect(notes.json().notes).toBe(value.replace(/\r\n/g, '\n'));
  });

  test('the messages say which characters, in both languages', async () => {
    const res = await admin.request('POST', '/api/departments', { name: 'evil\u202egpj.exe', kind: 'office' }, en);
    expect(res.json().fields.name).toBe('must not contain text-direction control characters (U+202A–U+202E, U+2066–U+2069), which can disguise text such as a file extension');
    expect(unsafeTextProblem('a\u200bb')).toEqual({ en: 'must not contain invisible zero-width characters (U+200B–U+200F, U+2060, U+FEFF)', zh: '不能包含不可见的零宽字符（U+200B–U+200F、U+2060、U+FEFF）' });
    expect(unsafeTextProblem('a\nb')?.zh).toBe('须为单行文本，不能包含换行、制表符等控制字符');
    expect(unsafeTextProblem('a\nb', { multiline: true })).toBeUndefined();
    const login = await ctx.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'ad\u202emin', password: 'x' } });
    expect(login.statusCode).toBe(400);
    expect(login.json().fields.username).toMatch(/文字方向/);
  });
});
