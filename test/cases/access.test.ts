/**
 * Who may do what with a case (issue 9; the access decision point, src/modules/access): role × action →
 * status, written out literally. Out of reach looks like unknown (404); a role without the permission is 403.
 *
 * World: departments A and B. Case C in A, handled by officers pA1 and pA2 (pA2's account is in B: an
 * officer seconded from another department still handles it). Recording R in A.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Role } from '../../src/platform/auth/permissions.ts';
import { createTestApp, login, makeDepartment, makePerson, makeRecording, makeUser, type Session, type TestContext } from '../support/harness.ts';
import { caseNo, fileCase, generalCase } from './case-fixtures.ts';

let ctx: TestContext;
let caseId: string;
let partyId: string;
let recordingId: string;
let deptA: string;
/** A qualified officer of A for new cases. */
let spare: string;
const who = new Map<string, Session>();

beforeAll(async () => {
  ctx = await createTestApp();
  const a = await makeDepartment(ctx.db);
  const b = await makeDepartment(ctx.db);
  deptA = a.id;
  const pA1 = await makePerson(ctx.db, { departmentId: a.id });
  const pA2 = await makePerson(ctx.db, { departmentId: a.id });
  spare = (await makePerson(ctx.db, { departmentId: a.id })).id;
  const users: [string, Role, string | null, string | null][] = [
    ['officer A, handling', 'officer', a.id, pA1.id],
    ['officer A, not handling', 'officer', a.id, null],
    ['officer B, handling', 'officer', b.id, pA2.id],
    ['officer B', 'officer', b.id, null],
    ['custodian A', 'custodian', a.id, null],
    ['leader A', 'leader', a.id, null],
    ['leader B', 'leader', b.id, null],
    ['supervisor', 'supervisor', null, null],
    ['admin', 'admin', null, null],
    ['auditor', 'auditor', null, null],
  ];
  for (const [name, role, dept, person] of users) {
    const u = await makeUser(ctx.db, { roles: [role], departmentId: dept, personId: person });
    who.set(name, await login(ctx.app, u.username, u.password));
  }
  const c = await fileCase(who.get('leader A')!, generalCase(a.id, [pA1.id, pA2.id]));
  caseId = c.id;
  partyId = c.parties[0]!.id;
  const uploader = await makeUser(ctx.db, { roles: ['custodian'], departmentId: a.id });
  recordingId = await makeRecording(ctx.db, { departmentId: a.id, officerIds: [pA1.id], uploadedBy: uploader.id, recordedStart: '2026-11-20T01:00:00Z' });
});
afterAll(() => ctx.close());

type Act = 'list' | 'read' | 'edit' | 'reveal' | 'link' | 'create' | 'recCases';

const act: Record<Act, (s: Session) => Promise<number>> = {
  /** 200 when C is in the list; 0 when the list answers but without C. */
  list: async (s) => {
    const r = await s.request('GET', '/api/cases?limit=200');
    if (r.statusCode !== 200) return r.statusCode;
    return (r.json() as { items: { id: string }[] }).items.some((i) => i.id === caseId) ? 200 : 0;
  },
  read: async (s) => (await s.request('GET', `/api/cases/${caseId}`)).statusCode,
  edit: async (s) => (await s.request('POST', `/api/cases/${caseId}/written-reasons`, { stage: 'filing', reason: '权限测试说明' })).statusCode,
  reveal: async (s) => (await s.request('POST', `/api/cases/${caseId}/parties/${partyId}/reveal`, { reason: '权限测试' })).statusCode,
  link: async (s) => {
    const r = await s.request('POST', `/api/cases/${caseId}/links`, { recordingId, stage: 'filing' });
    if (r.statusCode === 201) {
      const lead = who.get('leader A')!;
      const link = (r.json() as { id: string }).id;
      await lead.request('POST', `/api/cases/${caseId}/links/${link}/unlink`, { reason: '权限测试还原' });
    }
    return r.statusCode;
  },
  create: async (s) => (await s.request('POST', '/api/cases', { ...generalCase(deptA, [spare]), caseNumber: caseNo(), procedure: 'simple' })).statusCode,
  /** The recording's cases: 200 with C listed; 0 when it answers without C. */
  recCases: async (s) => {
    const r = await s.request('GET', `/api/recordings/${recordingId}/cases`);
    return r.statusCode;
  },
};

// prettier-ignore
const TABLE: [string, Record<Act, number>][] = [
  //                                list read edit reveal link create recCases
  ['officer A, handling',     { list: 200, read: 200, edit: 204, reveal: 200, link: 201, create: 201, recCases: 200 }],
  ['officer A, not handling', { list: 200, read: 200, edit: 204, reveal: 403, link: 201, create: 201, recCases: 200 }],
  ['officer B, handling',     { list: 200, read: 200, edit: 404, reveal: 200, link: 404, create: 400, recCases: 404 }],
  ['officer B',               { list: 0,   read: 404, edit: 404, reveal: 404, link: 404, create: 400, recCases: 404 }],
  ['custodian A',             { list: 200, read: 200, edit: 403, reveal: 403, link: 403, create: 403, recCases: 200 }],
  ['leader A',                { list: 200, read: 200, edit: 204, reveal: 200, link: 201, create: 201, recCases: 200 }],
  ['leader B',                { list: 0,   read: 404, edit: 404, reveal: 404, link: 404, create: 400, recCases: 404 }],
  ['supervisor',              { list: 200, read: 200, edit: 403, reveal: 200, link: 403, create: 403, recCases: 200 }],
  ['admin',                   { list: 200, read: 200, edit: 403, reveal: 403, link: 403, create: 403, recCases: 200 }],
  ['auditor',                 { list: 200, read: 200, edit: 403, reveal: 403, link: 403, create: 403, recCases: 200 }],
];

describe('case access: role × action → status', () => {
  test.each(TABLE)('%s', async (name, expected) => {
    const s = who.get(name)!;
    const got: Record<string, number> = {};
    for (const a of Object.keys(expected) as Act[]) got[a] = await act[a](s);
    expect(got).toEqual(expected);
  });

  test('creating in a department: in reach 201 (with officers), outside it 400 DEPARTMENT_OUT_OF_SCOPE', async () => {
    const lead = who.get('leader A')!;
    const p = await makePerson(ctx.db, { departmentId: deptA });
    const ok = await lead.request('POST', '/api/cases', { ...generalCase(deptA, [p.id]), procedure: 'simple' });
    expect(ok.statusCode).toBe(201);
    const out = await who.get('leader B')!.request('POST', '/api/cases', { ...generalCase(deptA, [p.id]), procedure: 'simple' });
    expect(out.statusCode).toBe(400);
    expect(out.json().code).toBe('DEPARTMENT_OUT_OF_SCOPE');
  });

  test('a recording out of the caller’s reach cannot be linked (404, as if unknown), even to a case they handle', async () => {
    const b = await makeDepartment(ctx.db);
    const pb = await makePerson(ctx.db, { departmentId: b.id });
    const u = await makeUser(ctx.db, { roles: ['custodian'], departmentId: b.id });
    const foreign = await makeRecording(ctx.db, { departmentId: b.id, officerIds: [pb.id], uploadedBy: u.id, recordedStart: '2026-11-20T01:00:00Z' });
    const r = await who.get('leader A')!.request('POST', `/api/cases/${caseId}/links`, { recordingId: foreign, stage: 'filing' });
    expect(r.statusCode).toBe(404);
    const fromRec = await who.get('leader A')!.request('POST', `/api/recordings/${foreign}/cases`, { caseId, stage: 'filing' });
    expect(fromRec.statusCode).toBe(404);
    const n = await ctx.db.selectFrom('case_recording_link').select('id').where('recording_id', '=', foreign).execute();
    expect(n).toEqual([]);
  });
});
