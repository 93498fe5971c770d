/**
 * 第十二条 long-term preservation marks: who may propose, approve and release (role × action → status, written out
 * literally), self-approval refused, and what approval and release do — a retention_hold per recording and the
 * legal hold on each original in the object store (the local store records it), both released with the mark.
 *
 * World: departments A and B. Recording R in A (officer pA1 on it; officer A is pA1). Every approval needs a leader
 * of A who did not propose.
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Role } from '../../src/platform/auth/permissions.ts';
import { createTestApp, login, makeDepartment, makePerson, makeUser, type Session, type TestContext } from '../support/harness.ts';
import { approve, propose, storeRecording } from './preservation-fixtures.ts';

let ctx: TestContext;
const who = new Map<string, Session>();
let deptA: string;
let custodianId: string;
let rec: { id: string; sha256: string };

beforeAll(async () => {
  ctx = await createTestApp();
  const a = await makeDepartment(ctx.db);
  const b = await makeDepartment(ctx.db);
  deptA = a.id;
  const pA1 = await makePerson(ctx.db, { departmentId: a.id });
  const users: [string, Role, string | null, string | null][] = [
    ['officer A', 'officer', a.id, pA1.id],
    ['officer B', 'officer', b.id, null],
    ['custodian A', 'custodian', a.id, null],
    ['leader A', 'leader', a.id, null],
    ['leader A2', 'leader', a.id, null],
    ['leader B', 'leader', b.id, null],
    ['supervisor', 'supervisor', null, null],
    ['admin', 'admin', null, null],
    ['auditor', 'auditor', null, null],
  ];
  for (const [name, role, dept, person] of users) {
    const u = await makeUser(ctx.db, { roles: [role], departmentId: dept, personId: person });
    if (name === 'custodian A') custodianId = u.id;
    who.set(name, await login(ctx.app, u.username, u.password));
  }
  rec = await storeRecording(ctx, { bytes: randomBytes(4096), departmentId: a.id, uploadedBy: custodianId, personId: pA1.id });
});
afterAll(() => ctx.close());

const s = (name: string) => who.get(name)!;
type Act = 'propose' | 'approve' | 'release';

const act: Record<Act, (u: Session) => Promise<number>> = {
  propose: async (u) => (await u.request('POST', '/api/preservation-marks', { recordingIds: [rec.id], ground: 'obstruction' })).statusCode,
  /** A fresh mark proposed by officer A; the user approves it. */
  approve: async (u) => {
    const id = await propose(s('officer A'), [rec.id], 'incident');
    return (await u.request('POST', `/api/preservation-marks/${id}/approve`, {})).statusCode;
  },
  /** A fresh mark proposed by officer A, approved by leader A2; the user releases it. */
  release: async (u) => {
    const id = await propose(s('officer A'), [rec.id], 'objection');
    await approve(s('leader A2'), id);
    return (await u.request('POST', `/api/preservation-marks/${id}/release`, { reason: '权限测试解除' })).statusCode;
  },
};

// prettier-ignore
const TABLE: [string, Record<Act, number>][] = [
  //                      propose approve release
  ['officer A',         { propose: 201, approve: 403, release: 403 }],
  ['officer B',         { propose: 404, approve: 403, release: 403 }],
  ['custodian A',       { propose: 201, approve: 403, release: 403 }],
  ['leader A',          { propose: 201, approve: 200, release: 200 }],
  ['leader B',          { propose: 404, approve: 404, release: 404 }],
  ['supervisor',        { propose: 403, approve: 403, release: 403 }],
  ['admin',             { propose: 403, approve: 403, release: 403 }],
  ['auditor',           { propose: 403, approve: 403, release: 403 }],
];

async function activeHolds(markId: string): Promise<number> {
  const r = await sql<{ n: string }>`SELECT count(*) AS n FROM retention_hold WHERE kind = 'preservation' AND source_id = ${markId} AND released_at IS NULL`.execute(ctx.db);
  return Number(r.rows[0]!.n);
}

describe('preservation marks: role × action → status', () => {
  test.each(TABLE)('%s', async (name, expected) => {
    const got: Record<string, number> = {};
    for (const a of Object.keys(expected) as Act[]) got[a] = await act[a](s(name));
    expect(got).toEqual(expected);
  });
});

describe('approval and release', () => {
  test('a leader cannot approve their own proposal (403 PRESERVATION_SELF_APPROVAL); nothing is held; another leader can', async () => {
    const id = await propose(s('leader A'), [rec.id], 'other', '当事人要求保留全部现场记录');
    const self = await s('leader A').request('POST', `/api/preservation-marks/${id}/approve`, {});
    expect(self.statusCode).toBe(403);
    expect(self.json().code).toBe('PRESERVATION_SELF_APPROVAL');
    expect(await activeHolds(id)).toBe(0);
    expect((await s('leader A').request('POST', `/api/preservation-marks/${id}/reject`, { reason: '自己驳回' })).json().code).toBe('PRESERVATION_SELF_APPROVAL');
    const other = await s('leader A2').request('POST', `/api/preservation-marks/${id}/approve`, { note: '同意' });
    expect(other.statusCode).toBe(200);
    expect(other.json().state).toBe('approved');
    // The database refuses it too, whatever the service does.
    await expect(sql`UPDATE preservation_mark SET decided_by = proposed_by WHERE id = ${id}`.execute(ctx.ownerDb)).rejects.toThrow(/check constraint/);
  });

  test('approval places one hold per recording and the legal hold on each original; release ends both', async () => {
    const lead = s('leader A');
    const second = await storeRecording(ctx, { bytes: randomBytes(2048), departmentId: deptA, uploadedBy: custodianId, fileName: '现场记录二.mp4' });
    const fresh = await storeRecording(ctx, { bytes: randomBytes(1024), departmentId: deptA, uploadedBy: custodianId });
    // `fresh` is on this mark only: its legal hold must go with the mark. `second` is also held by a later mark.
    const id = await propose(s('officer A'), [fresh.id, second.id], 'obstruction');
    expect((await ctx.deps.storage.lockState(fresh.sha256))!.legalHold).toBe(false);
    const ok = await lead.request('POST', `/api/preservation-marks/${id}/approve`, {});
    expect(ok.statusCode).toBe(200);
    expect(ok.json().mayRelease).toBe(true);
    expect(await activeHolds(id)).toBe(2);
    const holds = await ctx.db.selectFrom('retention_hold').selectAll().where('source_id', '=', id).orderBy('subject_id').execute();
    expect(holds.map((h) => [h.subject_type, h.kind, h.placed_by])).toEqual([
      ['recording', 'preservation', ok.json().decidedBy.id],
      ['recording', 'preservation', ok.json().decidedBy.id],
    ]);
    expect(holds[0]!.reason).toContain('第十二条（二）');
    expect((await ctx.deps.storage.lockState(fresh.sha256))!.legalHold).toBe(true);
    expect((await ctx.deps.storage.lockState(second.sha256))!.legalHold).toBe(true);
    // A second approved mark on `second`.
    const other = await propose(s('officer A'), [second.id], 'incident');
    await approve(s('leader A2'), other);

    // Approving twice is refused; releasing needs a reason.
    expect((await lead.request('POST', `/api/preservation-marks/${id}/approve`, {})).json().code).toBe('PRESERVATION_STATE');
    expect((await lead.request('POST', `/api/preservation-marks/${id}/release`, {})).statusCode).toBe(400);
    const rel = await lead.request('POST', `/api/preservation-marks/${id}/release`, { reason: '复议结束，不再需要长期保存' });
    expect(rel.statusCode).toBe(200);
    expect(rel.json().state).toBe('released');
    expect(await activeHolds(id)).toBe(0);
    expect((await ctx.deps.storage.lockState(fresh.sha256))!.legalHold).toBe(false);
    // Still held by the other mark: the store's legal hold stays.
    expect((await ctx.deps.storage.lockState(second.sha256))!.legalHold).toBe(true);
    expect((await lead.request('POST', `/api/preservation-marks/${id}/release`, { reason: '再次解除' })).json().code).toBe('PRESERVATION_STATE');
    const events = await sql<{ action: string }>`SELECT action FROM audit_event WHERE target_id = ${id} ORDER BY seq`.execute(ctx.db);
    expect(events.rows.map((e) => e.action)).toEqual(['preservation.mark.propose', 'preservation.mark.approve', 'preservation.mark.release']);
  });

  test('bad input: ground (四) without a description, unknown ground, empty list, unknown recording → 4xx, nothing written', async () => {
    const o = s('officer A');
    const before = await sql<{ n: string }>`SELECT count(*) AS n FROM preservation_mark`.execute(ctx.db);
    const cases: [unknown, number][] = [
      [{ recordingIds: [rec.id], ground: 'other' }, 400],
      [{ recordingIds: [rec.id], ground: 'other', description: '   ' }, 400],
      [{ recordingIds: [rec.id], ground: 'bored' }, 400],
      [{ recordingIds: [], ground: 'objection' }, 400],
      [{ recordingIds: ['not-a-uuid'], ground: 'objection' }, 400],
      [{ recordingIds: [rec.id], ground: 'objection', extra: 1 }, 400],
      [{ recordingIds: ['00000000-0000-4000-8000-000000000000'], ground: 'objection' }, 404],
    ];
    for (const [body, status] of cases) {
      const r = await o.request('POST', '/api/preservation-marks', body);
      expect([JSON.stringify(body), r.statusCode]).toEqual([JSON.stringify(body), status]);
      expect(r.json().message).toBeTruthy();
    }
    const zh = await o.request('POST', '/api/preservation-marks', { recordingIds: [rec.id], ground: 'other' });
    expect(zh.json().fields.description).toContain('第（四）项');
    const after = await sql<{ n: string }>`SELECT count(*) AS n FROM preservation_mark`.execute(ctx.db);
    expect(after.rows[0]!.n).toBe(before.rows[0]!.n);
  });

  test('lists: the proposer and readers of the recording see a mark; another department does not', async () => {
    const id = await propose(s('officer A'), [rec.id], 'objection');
    const seen = async (name: string) => ((await s(name).request('GET', `/api/preservation-marks?recordingId=${rec.id}`)).json().items as { id: string }[]).some((m) => m.id === id);
    expect(await seen('officer A')).toBe(true);
    expect(await seen('leader A')).toBe(true);
    expect(await seen('supervisor')).toBe(true);
    expect(await seen('leader B')).toBe(false);
    expect((await s('leader B').request('GET', `/api/preservation-marks/${id}`)).statusCode).toBe(404);
    const pending = (await s('leader A').request('GET', '/api/preservation-marks?state=proposed')).json().items as { id: string; mayDecide: boolean }[];
    expect(pending.find((m) => m.id === id)?.mayDecide).toBe(true);
  });
});
