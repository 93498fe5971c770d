import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Role } from '../../src/platform/auth/permissions.ts';
import { createTestApp, loginAs, makeDepartment, makePerson, type Session, type TestContext } from '../support/harness.ts';

/**
 * Issue 12: who may do what to devices — role × action → status, written out. Department-scoped roles
 * (officer, custodian, leader) reach their department's devices only; another department's device looks
 * like one that does not exist (404). Equipment roles decided with the existing roles (README):
 * the custodian (专门人员, 第十条) keeps the department's devices; the leader approves repairs; the officer reports
 * faults (第十九条); the admin keeps the agency register and its configuration; supervisor and auditor read.
 */

const ROLES: Role[] = ['officer', 'custodian', 'leader', 'supervisor', 'admin', 'auditor'];

//                                   officer custodian leader supervisor admin auditor
const EXPECTED: Record<string, number[]> = {
  'list devices':                    [200,    200,      200,   200,       200,  200],
  'read own-department device':      [200,    200,      200,   200,       200,  200],
  'read other-department device':    [404,    404,      404,   200,       200,  200],
  'register in own department':      [403,    201,      403,   403,       201,  403],
  'check out':                       [403,    201,      403,   403,       403,  403],
  'report a fault':                  [201,    201,      403,   403,       403,  403],
  'report a fault, other dept':      [404,    404,      403,   403,       403,  403],
  'log maintenance':                 [403,    201,      403,   403,       201,  403],
  'open a repair':                   [403,    201,      403,   403,       201,  403],
  'approve a repair':                [403,    403,      200,   403,       403,  403],
  'add a repairer':                  [403,    403,      403,   403,       201,  403],
  'set a maintenance interval':      [403,    403,      403,   403,       200,  403],
  'export the register':             [200,    200,      200,   200,       200,  200],
  'see supervision findings':        [200,    200,      200,   200,       200,  200],
};

let ctx: TestContext;
let dept: string;
let other: string;
let setup: Session;
const sessions = new Map<Role, Session>();
const people = new Map<Role, string>();

beforeAll(async () => {
  ctx = await createTestApp();
  dept = (await makeDepartment(ctx.db)).id;
  other = (await makeDepartment(ctx.db)).id;
  for (const role of ROLES) {
    const person = (await makePerson(ctx.db, { departmentId: dept })).id;
    people.set(role, person);
    sessions.set(role, (await loginAs(ctx, [role], { departmentId: dept, personId: person })).session);
  }
  setup = (await loginAs(ctx, ['admin', 'leader'], { departmentId: dept })).session;
});
afterAll(() => ctx.close());

let n = 0;
async function device(departmentId = dept): Promise<{ id: string; number: string }> {
  const number = `AC-${++n}`;
  const res = await setup.request('POST', '/api/devices', { deviceNumber: number, type: 'other', departmentId, purchasedOn: '2026-11-25' });
  expect(res.statusCode, res.body).toBe(201);
  return { id: res.json().id, number };
}

const check = { batteryPct: 100, freeStorageMb: 50_000, deviceClock: new Date().toISOString(), damage: false };

const ACTIONS: Record<string, (s: Session, role: Role) => Promise<number>> = {
  'list devices': async (s) => (await s.request('GET', '/api/devices')).statusCode,
  'read own-department device': async (s) => (await s.request('GET', `/api/devices/${(await device()).id}`)).statusCode,
  'read other-department device': async (s) => (await s.request('GET', `/api/devices/${(await device(other)).id}`)).statusCode,
  'register in own department': async (s, role) => (await s.request('POST', '/api/devices', { deviceNumber: `REG-${role}`, type: 'other', departmentId: dept })).statusCode,
  'check out': async (s, role) => (await s.request('POST', '/api/device-checkouts', { deviceNumber: (await device()).number, personId: people.get(role), check })).statusCode,
  'report a fault': async (s) => (await s.request('POST', `/api/devices/${(await device()).id}/faults`, { description: '不能开机' })).statusCode,
  'report a fault, other dept': async (s) => (await s.request('POST', `/api/devices/${(await device(other)).id}/faults`, { description: '不能开机' })).statusCode,
  'log maintenance': async (s) =>
    (await s.request('POST', `/api/devices/${(await device()).id}/maintenance`, { performedOn: '2026-11-26', performedBy: '赵六', work: '清洁' })).statusCode,
  'open a repair': async (s) => (await s.request('POST', `/api/devices/${(await device()).id}/repairs`, { repairerName: '某维修店' })).statusCode,
  'approve a repair': async (s) => {
    const t = await setup.request('POST', `/api/devices/${(await device()).id}/repairs`, { repairerName: '某维修店' });
    return (await s.request('POST', `/api/device-repairs/${t.json().id}/approve`)).statusCode;
  },
  'add a repairer': async (s, role) => (await s.request('POST', '/api/device-repairers', { name: `维修中心-${role}` })).statusCode,
  'set a maintenance interval': async (s) => (await s.request('PUT', '/api/device-types/other', { maintenanceIntervalDays: 90 })).statusCode,
  'export the register': async (s) => (await s.request('GET', '/api/devices/export?format=csv')).statusCode,
  'see supervision findings': async (s) => (await s.request('GET', '/api/devices/findings')).statusCode,
};

test('role × action → status (written out)', async () => {
  const actual: Record<string, number[]> = {};
  for (const [action, run] of Object.entries(ACTIONS)) {
    actual[action] = [];
    for (const role of ROLES) actual[action].push(await run(sessions.get(role)!, role));
  }
  expect(actual).toEqual(EXPECTED);
});

test('lists show what detail pages allow: a custodian lists only the own department’s devices', async () => {
  const mine = await device();
  const theirs = await device(other);
  const listed = (await sessions.get('custodian')!.request('GET', '/api/devices')).json().items.map((d: { id: string }) => d.id);
  expect(listed).toContain(mine.id);
  expect(listed).not.toContain(theirs.id);
  const csv = (await sessions.get('custodian')!.request('GET', '/api/devices/export?format=csv')).body;
  expect(csv).toContain(mine.number);
  expect(csv).not.toContain(`${theirs.number},`);
});
