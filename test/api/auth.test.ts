import { afterAll, beforeAll, expect, test } from 'vitest';
import { createTestApp, login, makeDepartment, makeUser, type TestContext } from '../support/harness.ts';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestApp({ QUANLU_LOGIN_ACCOUNT_ATTEMPTS: '3', QUANLU_LOGIN_MAX_DELAY_MINUTES: '10' });
});
afterAll(() => ctx.close());

const post = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
  ctx.app.inject({ method: 'POST', url, payload: payload as object, headers });
const actions = async (targetId: string) =>
  (await ctx.db.selectFrom('audit_event').select('action').where('target_id', '=', targetId).orderBy('seq').execute()).map((r) => r.action);

test('login sets an httpOnly SameSite=Strict session cookie and is audited', async () => {
  const u = await makeUser(ctx.db, { roles: ['officer'] });
  const res = await post('/api/auth/login', { username: u.username.toUpperCase(), password: u.password });
  expect(res.statusCode).toBe(200);
  const session = res.cookies.find((c) => c.name === 'ql_session')!;
  expect(session.httpOnly).toBe(true);
  expect(session.sameSite).toBe('Strict');
  expect(res.json().csrfToken).toBe(res.cookies.find((c) => c.name === 'ql_csrf')!.value);
  expect(await actions(u.id)).toEqual(['auth.login']);
  // The session is stored hashed, not as the cookie value.
  const rows = await ctx.db.selectFrom('user_session').select('token_hash').where('user_id', '=', u.id).execute();
  expect(rows[0]!.token_hash.toString('base64url')).not.toBe(session.value);
});

test('wrong password: 401 with a message in the request language, audited', async () => {
  const u = await makeUser(ctx.db, { roles: ['officer'] });
  const zh = await post('/api/auth/login', { username: u.username, password: 'wrong-password-1' });
  expect(zh.statusCode).toBe(401);
  expect(zh.json()).toMatchObject({ code: 'LOGIN_FAILED', message: '用户名或密码错误' });
  const en = await post('/api/auth/login', { username: u.username, password: 'wrong-password-1' }, { 'accept-language': 'en-US,en;q=0.9' });
  expect(en.json().message).toBe('Wrong username or password');
  expect(await actions(u.id)).toEqual(['auth.login.failed', 'auth.login.failed']);
  const unknown = await post('/api/auth/login', { username: 'nobody-here', password: 'x' });
  expect(unknown.statusCode).toBe(401);
  const anon = await ctx.db.selectFrom('audit_event').selectAll().where('actor_label', '=', 'nobody-here').execute();
  expect(anon[0]).toMatchObject({ action: 'auth.login.failed', actor_id: null });
});

test('repeated failures make the account wait (429 + Retry-After), even for the right password; admin unlock clears it', async () => {
  const u = await makeUser(ctx.db, { roles: ['officer'] });
  for (let i = 0; i < 3; i++) expect((await post('/api/auth/login', { username: u.username, password: 'bad-password-9' })).statusCode).toBe(401);
  // The third failure (QUANLU_LOGIN_ACCOUNT_ATTEMPTS=3) sets the first wait: 1 s.
  const row = await ctx.db.selectFrom('login_throttle').selectAll().where('scope', '=', 'account').where('subject', '=', u.username).executeTakeFirstOrThrow();
  expect(row.failures).toBe(3);
  expect(row.blocked_until!.getTime() - row.last_failure_at.getTime()).toBe(1000);
  // Seven failures later (doubling each time) the wait is 2^7 s = 128 s; the right password is not even checked.
  await ctx.db.updateTable('login_throttle').set({ failures: 9, blocked_until: null }).where('subject', '=', u.username).execute();
  expect((await post('/api/auth/login', { username: u.username, password: 'bad-password-9' })).statusCode).toBe(401);
  const right = await post('/api/auth/login', { username: u.username, password: u.password });
  expect(right.statusCode).toBe(429);
  expect(right.json().code).toBe('LOGIN_THROTTLED');
  expect(right.json().message).toMatch(/^密码错误次数过多，请 \d+ 秒后再试$/);
  expect(Number(right.headers['retry-after'])).toBeGreaterThan(100);
  expect(Number(right.headers['retry-after'])).toBeLessThanOrEqual(128);
  expect(await actions(u.id)).toEqual(['auth.login.failed', 'auth.login.failed', 'auth.login.failed', 'auth.login.failed', 'auth.login.failed']);

  const admin = await makeUser(ctx.db, { roles: ['admin'] });
  const s = await login(ctx.app, admin.username, admin.password);
  const list = await s.request('GET', '/api/users');
  expect(list.json().items.find((x: { id: string }) => x.id === u.id).lockedUntil).toBeTruthy();
  expect((await s.request('POST', `/api/users/${u.id}/unlock`)).statusCode).toBe(200);
  expect((await post('/api/auth/login', { username: u.username, password: u.password })).statusCode).toBe(200);
});

test('logout revokes the session; the old cookie then gets 401', async () => {
  const u = await makeUser(ctx.db, { roles: ['officer'] });
  const s = await login(ctx.app, u.username, u.password);
  expect((await s.request('GET', '/api/auth/me')).statusCode).toBe(200);
  expect((await s.request('POST', '/api/auth/logout')).statusCode).toBe(204);
  const after = await s.request('GET', '/api/auth/me');
  expect(after.statusCode).toBe(401);
  expect(await actions(u.id)).toEqual(['auth.login', 'auth.logout']);
});

test('an expired session gets 401 SESSION_EXPIRED; a disabled user is logged out at once', async () => {
  const u = await makeUser(ctx.db, { roles: ['officer'] });
  const s = await login(ctx.app, u.username, u.password);
  await ctx.db.updateTable('user_session').set({ expires_at: new Date(Date.now() - 1000) }).where('user_id', '=', u.id).execute();
  const res = await s.request('GET', '/api/auth/me');
  expect(res.statusCode).toBe(401);
  expect(res.json().code).toBe('SESSION_EXPIRED');

  const v = await makeUser(ctx.db, { roles: ['officer'] });
  const sv = await login(ctx.app, v.username, v.password);
  const admin = await makeUser(ctx.db, { roles: ['admin'] });
  const sa = await login(ctx.app, admin.username, admin.password);
  expect((await sa.request('PATCH', `/api/users/${v.id}`, { disabled: true })).statusCode).toBe(200);
  expect((await sv.request('GET', '/api/auth/me')).statusCode).toBe(401);
  const again = await post('/api/auth/login', { username: v.username, password: v.password });
  expect(again.json().code).toBe('ACCOUNT_DISABLED');
});

test('the last admin cannot be disabled or lose the admin role', async () => {
  const only = await createTestApp();
  try {
    const a = await makeUser(only.db, { roles: ['admin'] });
    const s = await login(only.app, a.username, a.password);
    const res = await s.request('PATCH', `/api/users/${a.id}`, { roles: ['auditor'] });
    expect(res.statusCode).toBe(409);
    expect(res.json().code).toBe('LAST_ADMIN');
  } finally {
    await only.close();
  }
});

test('passwords are argon2id hashes; a user can change their own password', async () => {
  const admin = await makeUser(ctx.db, { roles: ['admin'] });
  const s = await login(ctx.app, admin.username, admin.password);
  const dept = await makeDepartment(ctx.db);
  const created = await s.request('POST', '/api/users', { username: 'zhang.san', displayName: '张三', password: 'Initial2026pw', roles: ['officer'], departmentId: dept.id });
  expect(created.statusCode).toBe(201);
  const row = await ctx.db.selectFrom('app_user').select('password_hash').where('username', '=', 'zhang.san').executeTakeFirstOrThrow();
  expect(row.password_hash).toMatch(/^\$argon2id\$/);
  const weak = await s.request('POST', '/api/users', { username: 'li.si', displayName: '李四', password: 'onlyletters', roles: ['officer'] });
  expect(weak.statusCode).toBe(400);
  expect(weak.json().fields.password).toBeTruthy();

  const z = await login(ctx.app, 'zhang.san', 'Initial2026pw');
  const wrong = await z.request('POST', '/api/auth/password', { currentPassword: 'nope', newPassword: 'Changed2026pw' });
  expect(wrong.statusCode).toBe(400);
  expect((await z.request('POST', '/api/auth/password', { currentPassword: 'Initial2026pw', newPassword: 'Changed2026pw' })).statusCode).toBe(200);
  await login(ctx.app, 'zhang.san', 'Changed2026pw');
});
