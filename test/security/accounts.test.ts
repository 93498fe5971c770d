/**
 * Issue 6 item 3: an account whose roles are scoped to a department (officer 执法人员, custodian
 * 存储管理员, leader 主管领导) always has one — given, or taken from the linked person — and one that
 * could never work cannot be created or made by an update.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { repoRoot } from '../support/cli.ts';
import { createTestApp, login, makeDepartment, makePerson, makeUser, type Session, type TestContext } from '../support/harness.ts';

let ctx: TestContext;
let admin: Session;
beforeAll(async () => {
  ctx = await createTestApp();
  const a = await makeUser(ctx.db, { roles: ['admin'] });
  admin = await login(ctx.app, a.username, a.password);
});
afterAll(() => ctx.close());

const NEEDS_DEPARTMENT = {
  en: 'Officer, custodian and leader accounts need a department: choose one, or link a person (their department is used)',
  zh: '执法人员、存储管理员和主管领导账户必须有所属部门：请选择部门，或关联一名人员（使用其所在部门）',
};
const PASSWORD = 'Kite7Harbor-2026';
let n = 0;
const newAccount = (o: { roles: string[]; personId?: string | null; departmentId?: string | null }, lang = 'en') =>
  admin.request('POST', '/api/users', { username: `acct.${++n}`, displayName: `账户${n}`, password: PASSWORD, ...o }, { 'accept-language': lang });

test('create: which accounts need a department, and where it comes from', async () => {
  const personDept = await makeDepartment(ctx.db);
  const otherDept = await makeDepartment(ctx.db);
  type Row = [roles: string[], link: 'none' | 'person' | 'department' | 'both', expected: number, department: 'none' | 'person' | 'given'];
  const table: Row[] = [
    [['officer'], 'none', 400, 'none'],
    [['custodian'], 'none', 400, 'none'],
    [['leader'], 'none', 400, 'none'],
    [['officer', 'auditor'], 'none', 400, 'none'],
    [['officer'], 'person', 201, 'person'],
    [['leader'], 'person', 201, 'person'],
    [['officer'], 'department', 201, 'given'],
    [['officer'], 'both', 201, 'given'],
    [['supervisor'], 'none', 201, 'none'],
    [['auditor'], 'none', 201, 'none'],
    [['admin'], 'none', 201, 'none'],
  ];
  for (const [roles, link, expected, department] of table) {
    const personId = link === 'person' || link === 'both' ? (await makePerson(ctx.db, { departmentId: personDept.id })).id : undefined;
    const departmentId = link === 'department' || link === 'both' ? otherDept.id : undefined;
    const r = await newAccount({ roles, personId, departmentId });
    const want = { none: null, person: personDept.id, given: otherDept.id }[department];
    expect([roles, link, r.statusCode]).toEqual([roles, link, expected]);
    if (expected === 400) expect(r.json().fields).toEqual({ departmentId: NEEDS_DEPARTMENT.en });
    else expect([roles, link, r.json().departmentId]).toEqual([roles, link, want]);
  }
});

test('the message comes in Chinese by default, together with any password problem', async () => {
  const r = await newAccount({ roles: ['officer'] }, 'zh-CN');
  expect(r.json().fields).toEqual({ departmentId: NEEDS_DEPARTMENT.zh });
  const both = await admin.request('POST', '/api/users', { username: 'acct.weak', displayName: '弱', password: 'password12', roles: ['officer'] });
  expect(Object.keys(both.json().fields).sort()).toEqual(['departmentId', 'password']);
});

test('an officer made with only a person can log in with the person’s department as scope', async () => {
  const dept = await makeDepartment(ctx.db);
  const person = await makePerson(ctx.db, { departmentId: dept.id });
  const created = await newAccount({ roles: ['officer'], personId: person.id });
  expect(created.statusCode).toBe(201);
  const s = await login(ctx.app, created.json().username, PASSWORD);
  expect((await s.request('GET', '/api/auth/me')).json()).toMatchObject({ departmentId: dept.id, personId: person.id });
  const audit = await ctx.db.selectFrom('audit_event').select('details').where('action', '=', 'user.create').where('target_id', '=', created.json().id).executeTakeFirstOrThrow();
  expect(audit.details).toMatchObject({ after: { departmentId: dept.id } });
});

test('update: an account cannot be left without the department its roles need', async () => {
  const dept = await makeDepartment(ctx.db);
  const person = await makePerson(ctx.db, { departmentId: dept.id });
  const auditor = (await newAccount({ roles: ['auditor'] })).json();
  const toOfficer = await admin.request('PATCH', `/api/users/${auditor.id}`, { roles: ['officer'] }, { 'accept-language': 'en' });
  expect([toOfficer.statusCode, toOfficer.json().fields]).toEqual([400, { departmentId: NEEDS_DEPARTMENT.en }]);
  expect((await admin.request('PATCH', `/api/users/${auditor.id}`, { roles: ['officer'], personId: person.id })).json().departmentId).toBe(dept.id);

  const officer = (await newAccount({ roles: ['officer'], departmentId: dept.id })).json();
  const cleared = await admin.request('PATCH', `/api/users/${officer.id}`, { departmentId: null });
  expect(cleared.statusCode).toBe(400);
  const row = await ctx.db.selectFrom('app_user').select('department_id').where('id', '=', officer.id).executeTakeFirstOrThrow();
  expect(row.department_id).toBe(dept.id);
});

test('an old account without a department can still be disabled (it is not made worse)', async () => {
  const legacy = await makeUser(ctx.db, { roles: ['officer'] });
  expect((await admin.request('PATCH', `/api/users/${legacy.id}`, { disabled: true })).statusCode).toBe(200);
});

test("migration 0005 gives existing department-scoped accounts their person's department, and no one else", async () => {
  const dept = await makeDepartment(ctx.db);
  const mk = async (roles: Array<'officer' | 'custodian' | 'auditor'>, withPerson: boolean) =>
    (await makeUser(ctx.db, { roles, personId: withPerson ? (await makePerson(ctx.db, { departmentId: dept.id })).id : null })).id;
  const officer = await mk(['officer'], true);
  const custodian = await mk(['custodian'], true);
  const auditor = await mk(['auditor'], true);
  const orphan = await mk(['officer'], false);
  const file = await readFile(path.join(repoRoot, 'src/platform/db/migrations/0005_credentials.sql'), 'utf8');
  await sql.raw(file.slice(file.indexOf('UPDATE app_user'))).execute(ctx.db);
  const rows = await ctx.db.selectFrom('app_user').select(['id', 'department_id']).where('id', 'in', [officer, custodian, auditor, orphan]).execute();
  const byId = Object.fromEntries(rows.map((r) => [r.id, r.department_id]));
  expect([byId[officer], byId[custodian], byId[auditor], byId[orphan]]).toEqual([dept.id, dept.id, null, null]);
});
