/**
 * Issue 6, credentials (items 8–11), as an attacker and an administrator would meet them.
 *
 * Policy under test (QUANLU_LOGIN_ACCOUNT_ATTEMPTS=3, QUANLU_LOGIN_ADDRESS_ATTEMPTS=6, longest wait 15 min):
 * the 3rd failed password check of an account name (6th of a source address) and each one after it make
 * the next try wait 1 s, 2 s, 4 s … up to 15 min; a try during the wait gets 429 + Retry-After without
 * the password being looked at. Waits are seeded into login_throttle where a test needs a long one, so
 * no assertion depends on how fast this machine is.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { delayAfterFailures } from '../../src/modules/auth/auth.throttle.ts';
import { runCli } from '../support/cli.ts';
import {
  createApiTokenForTest,
  createTestApp,
  createTestDatabase,
  login,
  makeDepartment,
  makePerson,
  makeUser,
  type TestContext,
} from '../support/harness.ts';

let ctx: TestContext;
const ENV = { QUANLU_LOGIN_ACCOUNT_ATTEMPTS: '3', QUANLU_LOGIN_ADDRESS_ATTEMPTS: '6', QUANLU_LOGIN_MAX_DELAY_MINUTES: '15' };
beforeAll(async () => {
  ctx = await createTestApp(ENV);
});
afterAll(() => ctx.close());

let addressNo = 0;
/** A fresh source address per use, so that tests do not share the address count. */
const freshAddress = () => `198.51.100.${++addressNo}`;

const tryLogin = (username: string, password: string, o: { ip?: string; lang?: string; app?: TestContext['app'] } = {}) =>
  (o.app ?? ctx.app).inject({
    method: 'POST',
    url: '/api/auth/login',
    payload: { username, password },
    remoteAddress: o.ip ?? freshAddress(),
    headers: o.lang ? { 'accept-language': o.lang } : {},
  });

const throttleRow = (scope: 'account' | 'address', subject: string) =>
  ctx.db.selectFrom('login_throttle').selectAll().where('scope', '=', scope).where('subject', '=', subject).executeTakeFirst();

/** Fixture: the key has already failed `failures` times (a long history), with no wait running now. */
const seedFailures = (scope: 'account' | 'address', subject: string, failures: number) =>
  ctx.db
    .insertInto('login_throttle')
    .values({ scope, subject, failures, last_failure_at: new Date(), blocked_until: null })
    .onConflict((oc) => oc.columns(['scope', 'subject']).doUpdateSet({ failures, last_failure_at: new Date(), blocked_until: null }))
    .execute();

const auditOf = (targetId: string) =>
  ctx.db.selectFrom('audit_event').select(['action', 'details', 'actor_label']).where('target_id', '=', targetId).orderBy('seq').execute();

describe('item 10 — throttling per account and per address, no username oracle', () => {
  test('the wait after n failures in a row (allowance 3, cap 15 min)', () => {
    const table: Array<[failures: number, waitMs: number]> = [
      [1, 0],
      [2, 0],
      [3, 1_000],
      [4, 2_000],
      [5, 4_000],
      [10, 128_000],
      [12, 512_000],
      [13, 900_000],
      [500, 900_000],
    ];
    for (const [failures, waitMs] of table) expect([failures, delayAfterFailures(failures, 3, 900_000)]).toEqual([failures, waitMs]);
  });

  test('three wrong passwords set a 1 s wait on the account name, counted in PostgreSQL', async () => {
    const u = await makeUser(ctx.db, { roles: ['officer'] });
    for (let i = 0; i < 3; i++) expect((await tryLogin(u.username, 'Wrong-guess-77')).statusCode).toBe(401);
    const row = (await throttleRow('account', u.username))!;
    expect(row.failures).toBe(3);
    expect(row.blocked_until!.getTime() - row.last_failure_at.getTime()).toBe(1_000);
  });

  test('an existing and an unknown name get the same answers, step by step (no 423, no 401-vs-429 oracle)', async () => {
    const u = await makeUser(ctx.db, { roles: ['admin'] });
    const unknown = `nobody-${u.username}`;
    const answers: Record<string, Array<[number, string, string]>> = {};
    for (const name of [u.username, unknown]) {
      const steps: Array<[number, string, string]> = [];
      const record = async (password: string) => {
        const r = await tryLogin(name, password, { lang: 'en' });
        // The number of seconds may differ by one between the two runs; the words may not.
        steps.push([r.statusCode, r.json().code, (r.json().message as string).replace(/\d+/, 'N')]);
        return r;
      };
      await record('Wrong-guess-77');
      await seedFailures('account', name, 9); // a long history: the next failure waits 2^(10-3) s = 128 s
      await record('Wrong-guess-77');
      const throttled = await record(u.password); // the right password of the existing account
      expect(Number(throttled.headers['retry-after'])).toBeGreaterThan(100);
      expect(Number(throttled.headers['retry-after'])).toBeLessThanOrEqual(128);
      answers[name] = steps;
    }
    const expected: Array<[number, string, string]> = [
      [401, 'LOGIN_FAILED', 'Wrong username or password'],
      [401, 'LOGIN_FAILED', 'Wrong username or password'],
      [429, 'LOGIN_THROTTLED', 'Too many wrong passwords; try again in N seconds'],
    ];
    expect(answers[u.username]).toEqual(expected);
    expect(answers[unknown]).toEqual(expected);
    // Every try is audited, the throttled one included.
    expect((await auditOf(u.id)).map((e) => [e.action, (e.details as { reason: string }).reason])).toEqual([
      ['auth.login.failed', 'bad_password'],
      ['auth.login.failed', 'bad_password'],
      ['auth.login.failed', 'throttled'],
    ]);
  });

  test('an outsider holds an account at most at the longest wait, and a try during it does not extend it', async () => {
    const u = await makeUser(ctx.db, { roles: ['admin'] });
    await seedFailures('account', u.username, 50);
    expect((await tryLogin(u.username, 'Wrong-guess-77')).statusCode).toBe(401);
    const before = (await throttleRow('account', u.username))!;
    expect(before.blocked_until!.getTime() - before.last_failure_at.getTime()).toBe(15 * 60_000);
    for (let i = 0; i < 3; i++) expect((await tryLogin(u.username, 'Wrong-guess-77')).statusCode).toBe(429);
    const after = (await throttleRow('account', u.username))!;
    expect([after.failures, after.blocked_until]).toEqual([before.failures, before.blocked_until]);
  });

  test('one address guessing many names is slowed for every name, while the same user elsewhere gets in', async () => {
    const ip = freshAddress();
    const victim = await makeUser(ctx.db, { roles: ['officer'] });
    for (let i = 0; i < 6; i++) expect((await tryLogin(`sprayed-${i}-${victim.username}`, 'Wrong-guess-77', { ip })).statusCode).toBe(401);
    expect((await throttleRow('address', ip))!.failures).toBe(6);
    await seedFailures('address', ip, 15); // the next failure: 2^(16-6) s, capped at 15 min
    expect((await tryLogin('sprayed-x', 'Wrong-guess-77', { ip })).statusCode).toBe(401);
    expect((await tryLogin(victim.username, victim.password, { ip })).statusCode).toBe(429);
    expect((await tryLogin(victim.username, victim.password)).statusCode).toBe(200);
  });

  test("a success forgives the account's failures but not the address's", async () => {
    const ip = freshAddress();
    const u = await makeUser(ctx.db, { roles: ['officer'] });
    for (let i = 0; i < 2; i++) expect((await tryLogin(u.username, 'Wrong-guess-77', { ip })).statusCode).toBe(401);
    expect((await tryLogin(u.username, u.password, { ip })).statusCode).toBe(200);
    expect(await throttleRow('account', u.username)).toBeUndefined();
    expect((await throttleRow('address', ip))!.failures).toBe(2);
  });

  test('the wait is kept in PostgreSQL: a second api node on the same database enforces it', async () => {
    const database = await createTestDatabase();
    const nodeA = await createTestApp(ENV, { database });
    const nodeB = await createTestApp(ENV, { database });
    try {
      const u = await makeUser(database.db, { roles: ['officer'] });
      await database.db.insertInto('login_throttle').values({ scope: 'account', subject: u.username, failures: 9, last_failure_at: new Date() }).execute();
      expect((await tryLogin(u.username, 'Wrong-guess-77', { app: nodeA.app })).statusCode).toBe(401);
      expect((await tryLogin(u.username, u.password, { app: nodeB.app })).statusCode).toBe(429);
    } finally {
      await nodeA.close();
      await nodeB.close();
      await database.drop();
    }
  });

  test('the trusted path: `quanlu users unlock` and `reset-password` on the server, audited as the CLI', async () => {
    const u = await makeUser(ctx.db, { roles: ['admin'] });
    const env = { DATABASE_URL: ctx.dbUrl, QUANLU_DATA_DIR: ctx.dataDir, QUANLU_LOG_LEVEL: 'silent' };
    await seedFailures('account', u.username, 50);
    expect((await tryLogin(u.username, 'Wrong-guess-77')).statusCode).toBe(401);
    expect((await tryLogin(u.username, u.password)).statusCode).toBe(429);

    const unlock = await runCli(['users', 'unlock', u.username], env);
    expect([unlock.code, unlock.stderr]).toEqual([0, `OK: ${u.username} may log in again at once — 已解除 ${u.username} 的登录限制\n`]);
    expect((await tryLogin(u.username, u.password)).statusCode).toBe(200);

    // Generated: printed once on stdout, the only thing there.
    const session = await login(ctx.app, u.username, u.password);
    const gen = await runCli(['users', 'reset-password', u.username], env);
    expect(gen.code).toBe(0);
    const generated = gen.stdout.trim();
    expect(generated).toMatch(/^[A-Za-z0-9_-]{19}$/);
    expect((await session.request('GET', '/api/auth/me')).statusCode).toBe(401);
    expect((await tryLogin(u.username, generated)).statusCode).toBe(200);

    // From standard input; the policy applies; a wrong name exits 1.
    const chosen = 'Kite7Harbor-2026';
    const piped = await runCli(['users', 'reset-password', '--password-stdin', u.username], env, 60_000, `${chosen}\n`);
    expect([piped.code, piped.stdout]).toEqual([0, '']);
    expect((await tryLogin(u.username, chosen)).statusCode).toBe(200);
    const weak = await runCli(['users', 'reset-password', '--password-stdin', u.username], env, 60_000, 'password12\n');
    expect(weak.code).toBe(1);
    expect(weak.stderr).toContain('This is a common password');
    expect((await tryLogin(u.username, chosen)).statusCode).toBe(200);
    expect((await runCli(['users', 'unlock', 'no-such-user'], env)).code).toBe(1);

    const events = (await auditOf(u.id)).filter((e) => e.action.startsWith('user.'));
    expect(events.map((e) => e.action)).toEqual(['user.unlock', 'user.password.reset', 'user.password.reset']);
    for (const e of events) expect(e.actor_label).toMatch(/^cli:/);
    // Five child processes, each loading the CLI and connecting: generous on a loaded 2-core CI machine.
  }, 300_000);
});

describe('item 8 — the current-password check of a password change is throttled like a login', () => {
  test('a wrong current password is counted and audited; once the account waits, right and wrong get the same 429', async () => {
    const u = await makeUser(ctx.db, { roles: ['officer'] });
    const s = await login(ctx.app, u.username, u.password);
    const change = (currentPassword: string) => s.request('POST', '/api/auth/password', { currentPassword, newPassword: 'Kite7Harbor-2026' }, { 'accept-language': 'en' });
    const wrong = await change('Wrong-guess-77');
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().fields).toEqual({ currentPassword: 'The current password is wrong' });
    expect((await throttleRow('account', u.username))!.failures).toBe(1);
    expect((await auditOf(u.id)).at(-1)).toMatchObject({ action: 'auth.password.failed', details: { reason: 'bad_password', failures: 1 } });

    await seedFailures('account', u.username, 9);
    expect((await change('Wrong-guess-77')).statusCode).toBe(400);
    const [w, r] = [await change('Wrong-guess-77'), await change(u.password)];
    expect([w.statusCode, w.json().code, r.statusCode, r.json().code]).toEqual([429, 'LOGIN_THROTTLED', 429, 'LOGIN_THROTTLED']);
    expect(Number(r.headers['retry-after'])).toBeGreaterThan(100);
    // The right password was not even checked: it is still the password.
    await ctx.db.deleteFrom('login_throttle').where('subject', '=', u.username).execute();
    expect((await tryLogin(u.username, u.password)).statusCode).toBe(200);
  });
});

describe('item 9 — a new password ends other sessions and all tokens; only a session mints tokens', () => {
  test('self change: this session lives on, the other session and every API token end', async () => {
    const u = await makeUser(ctx.db, { roles: ['officer'] });
    const here = await login(ctx.app, u.username, u.password);
    const elsewhere = await login(ctx.app, u.username, u.password);
    const tokens = [await createApiTokenForTest(ctx, u), await createApiTokenForTest(ctx, u)];
    const res = await here.request('POST', '/api/auth/password', { currentPassword: u.password, newPassword: 'Kite7Harbor-2026' });
    expect(res.statusCode).toBe(200);
    // createApiTokenForTest logs in twice more: three other sessions in all.
    expect(res.json()).toEqual({ sessionsEnded: 3, tokensRevoked: 2 });
    expect((await here.request('GET', '/api/auth/me')).statusCode).toBe(200);
    expect((await elsewhere.request('GET', '/api/auth/me')).statusCode).toBe(401);
    for (const t of tokens) {
      const r = await ctx.app.inject({ method: 'GET', url: '/api/auth/me', headers: { authorization: `Bearer ${t}` } });
      expect([r.statusCode, r.json().code]).toEqual([401, 'TOKEN_INVALID']);
    }
  });

  test("admin reset: every session and token of that user ends", async () => {
    const u = await makeUser(ctx.db, { roles: ['officer'] });
    const s = await login(ctx.app, u.username, u.password);
    const token = await createApiTokenForTest(ctx, u);
    const admin = await makeUser(ctx.db, { roles: ['admin'] });
    const a = await login(ctx.app, admin.username, admin.password);
    expect((await a.request('PATCH', `/api/users/${u.id}`, { password: 'Kite7Harbor-2026' })).statusCode).toBe(200);
    expect((await s.request('GET', '/api/auth/me')).statusCode).toBe(401);
    expect((await ctx.app.inject({ method: 'GET', url: '/api/auth/me', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(401);
    expect((await auditOf(u.id)).at(-1)).toMatchObject({ action: 'user.update', details: { sessionsEnded: 2, tokensRevoked: 1 } });
  });

  test('a bearer token cannot mint tokens or change the password (403 SESSION_REQUIRED)', async () => {
    const u = await makeUser(ctx.db, { roles: ['officer'] });
    const bearer = { authorization: `Bearer ${await createApiTokenForTest(ctx, u)}` };
    const mint = await ctx.app.inject({ method: 'POST', url: '/api/api-tokens', headers: { ...bearer, 'accept-language': 'en' }, payload: { name: 'child', expiresInDays: 365 } });
    expect([mint.statusCode, mint.json().code]).toEqual([403, 'SESSION_REQUIRED']);
    expect(mint.json().message).toBe('This needs an interactive login, not an API token (a token cannot create tokens or change the password)');
    const change = await ctx.app.inject({ method: 'POST', url: '/api/auth/password', headers: bearer, payload: { currentPassword: u.password, newPassword: 'Kite7Harbor-2026' } });
    expect([change.statusCode, change.json().code]).toEqual([403, 'SESSION_REQUIRED']);
    expect(await ctx.db.selectFrom('api_token').select('name').where('user_id', '=', u.id).execute()).toEqual([{ name: 'test' }]);
  });
});

describe('item 11 — password policy on create, reset and change, with reasons in both languages', () => {
  const COMMON = 'This is a common password (or a common word with digits or symbols) and easy to guess; choose another';
  const PATTERN = 'The password is made of repeated or sequential characters (like aaaa, 1234, abcd, qwerty) and easy to guess; choose another';
  const PERSONAL = "The password must not contain the user name or the person's name (also in pinyin)";
  const RULE = 'Password needs 10+ characters with letters and digits';
  // The account: user name officer.zhou, linked to the person 周星驰 (pinyin zhouxingchi).
  const table: Array<[password: string, reason: string | null]> = [
    ['password12', COMMON],
    ['Password2026!', COMMON],
    ['P@ssw0rd2026', COMMON],
    ['qwertyuiop1', COMMON],
    ['Woaini1314520', COMMON],
    ['aaaaaaaaa1', PATTERN],
    ['abcdefghi1', PATTERN],
    ['1234567890a', PATTERN],
    ['a1a1a1a1a1', PATTERN],
    ['zxcvbnm12345', COMMON],
    ['mnbvcxz-0987', PATTERN],
    ['ZYXWVU98765', PATTERN],
    ['officer.zhou1', PERSONAL],
    ['officerzhou2026', PERSONAL],
    ['Zhouxingchi88', PERSONAL],
    ['xingchi.zhou-9', PERSONAL],
    ['onlyletters', RULE],
    ['Kite7Harbor-2026', null],
    ['mq4-Tundra-Fig8', null],
  ];

  let admin: Awaited<ReturnType<typeof login>>;
  let personId: string;
  let departmentId: string;
  beforeAll(async () => {
    const a = await makeUser(ctx.db, { roles: ['admin'] });
    admin = await login(ctx.app, a.username, a.password);
    departmentId = (await makeDepartment(ctx.db)).id;
    personId = (await makePerson(ctx.db, { departmentId, name: '周星驰' })).id;
  });

  test('create: each password of the table gets its reason (or is accepted)', async () => {
    const got: Array<[string, string | null]> = [];
    for (const [password] of table) {
      const r = await admin.request(
        'POST',
        '/api/users',
        { username: 'officer.zhou', displayName: '周警官', password, roles: ['officer'], personId, departmentId },
        { 'accept-language': 'en' },
      );
      got.push([password, r.statusCode === 201 ? null : r.json().fields?.password]);
      // Fixture clean-up so that the next row can use the same name and person.
      if (r.statusCode === 201) await ctx.ownerDb.deleteFrom('app_user').where('id', '=', r.json().id).execute();
    }
    expect(got).toEqual(table);
  });

  test('reset by an admin and change by the user apply the same policy; the reason comes in Chinese by default', async () => {
    const u = await makeUser(ctx.db, { roles: ['officer'], username: 'officer.zhou.b', departmentId, personId: (await makePerson(ctx.db, { departmentId, name: '周星驰' })).id });
    const reset = await admin.request('PATCH', `/api/users/${u.id}`, { password: 'Zhouxingchi88' });
    expect([reset.statusCode, reset.json().fields]).toEqual([400, { password: '密码不能包含用户名或姓名（含姓名拼音）' }]);
    const s = await login(ctx.app, u.username, u.password);
    for (const [password, reason] of [
      ['password12', '这是常见密码（或常见词加数字、符号），容易被猜中，请换一个'],
      ['aaaaaaaaa1', '密码由重复或连续的字符组成（如 aaaa、1234、abcd、qwerty），容易被猜中，请换一个'],
      ['officer.zhou.b1', '密码不能包含用户名或姓名（含姓名拼音）'],
    ] as const) {
      const r = await s.request('POST', '/api/auth/password', { currentPassword: u.password, newPassword: password });
      expect([password, r.statusCode, r.json().fields]).toEqual([password, 400, { newPassword: reason }]);
    }
    // A refused new password is not a wrong current password: nothing was counted.
    expect(await throttleRow('account', u.username)).toBeUndefined();
  });
});
