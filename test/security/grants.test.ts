/**
 * Viewing by approval (issue 8 §1, §2, §5; 第十四条, 第二十条): access requests, grants, the media policy table
 * and break-glass, through the HTTP API against a real PostgreSQL.
 *
 * The world of each case (built fresh, so no case depends on another):
 *
 *   X (bureau) ─┬─ A  ← owns the recording R (uploaded by a custodian of A, officer pA); leaders LA1, LA2;
 *               │       head of A (负责人) is the person of leader HA
 *               └─ B  ← another department; officer OB
 *
 * Time: the access clock (setAccessClock) is pinned at T0 = 2026-06-01T02:00:00Z for every case, so grant
 * periods, expiry and the own-footage window are exact. R was uploaded on 2026-03-10, long before T0.
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { isAllowed, setAccessClock } from '../../src/modules/access/access.service.ts';
import { permissionsOf, type Role } from '../../src/platform/auth/permissions.ts';
import { createTestApp, login, makeDepartment, makePerson, makeRecording, makeUser, type Session, type TestContext } from '../support/harness.ts';

const T0 = new Date('2026-06-01T02:00:00Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const H = 3600_000;
const D = 24 * H;
let now = T0;

let ctx: TestContext;
let thumbnailSha: string;

beforeAll(async () => {
  ctx = await createTestApp();
  const file = path.join(ctx.dataDir, 'thumb.jpg');
  await writeFile(file, randomBytes(256));
  thumbnailSha = (await ctx.deps.storage.putFile(file)).sha256;
});
afterAll(() => ctx.close());
beforeEach(() => {
  now = T0;
  setAccessClock(() => now);
});
afterEach(() => setAccessClock(undefined));

interface Who {
  id: string;
  roles: Role[];
  departmentId: string | null;
  personId: string | null;
  s: Session;
}

async function who(roles: Role[], departmentId: string | null, personId?: string): Promise<Who> {
  const person = personId ?? (departmentId ? (await makePerson(ctx.db, { departmentId })).id : null);
  const u = await makeUser(ctx.db, { roles, departmentId, personId: person });
  return { id: u.id, roles, departmentId, personId: person, s: await login(ctx.app, u.username, u.password) };
}

/** A recording of `departmentId` with a stored thumbnail. */
async function recordingIn(departmentId: string, o: { uploadedBy: string; officer: string; uploadedAt?: string; caseNumber?: string }) {
  const id = await makeRecording(ctx.db, { departmentId, officerIds: [o.officer], uploadedBy: o.uploadedBy, recordedStart: '2026-03-10T01:00:00Z', uploadedAt: o.uploadedAt ?? '2026-03-10T03:00:00Z' });
  await ctx.db.insertInto('derived_object').values({ sha256: thumbnailSha, sm3: '0'.repeat(64), size_bytes: 256, kind: 'thumbnail', mime_type: 'image/jpeg', original_sha256: (await ctx.db.selectFrom('recording').select('original_sha256').where('id', '=', id).executeTakeFirstOrThrow()).original_sha256 }).onConflict((oc) => oc.doNothing()).execute();
  await sql`UPDATE media_info m SET state = 'ready', thumbnail_sha256 = ${thumbnailSha} FROM recording r WHERE r.id = ${id} AND m.original_sha256 = r.original_sha256`.execute(ctx.db);
  if (o.caseNumber) await ctx.db.updateTable('recording').set({ case_number: o.caseNumber }).where('id', '=', id).execute();
  return id;
}

async function world() {
  const X = await makeDepartment(ctx.db, { kind: 'bureau' });
  const A = await makeDepartment(ctx.db, { parentId: X.id });
  const B = await makeDepartment(ctx.db, { parentId: X.id });
  const pA = await makePerson(ctx.db, { departmentId: A.id });
  const uploader = await makeUser(ctx.db, { roles: ['custodian'], departmentId: A.id });
  const caseNumber = `案-${randomBytes(3).toString('hex')}`;
  const R = await recordingIn(A.id, { uploadedBy: uploader.id, officer: pA.id, caseNumber });
  const LA1 = await who(['leader'], A.id);
  const LA2 = await who(['leader'], A.id);
  const HA = await who(['leader'], A.id);
  await ctx.db.updateTable('department').set({ head_person_id: HA.personId }).where('id', '=', A.id).execute();
  return { X, A, B, pA, R, caseNumber, LA1, LA2, HA, uploader };
}
type World = Awaited<ReturnType<typeof world>>;

const period = (fromMs = 0, untilMs = 2 * D) => ({ periodFrom: at(fromMs).toISOString(), periodUntil: at(untilMs).toISOString() });

async function ask(p: Who, w: World, o: { mode?: 'view' | 'copy'; byQuery?: boolean; from?: number; until?: number } = {}) {
  const body = o.byQuery
    ? { query: { type: 'case', caseNumber: w.caseNumber }, departmentId: w.A.id, purpose: '核查投诉线索', mode: o.mode ?? 'view', ...period(o.from, o.until) }
    : { recordingIds: [w.R], purpose: '核查投诉线索', mode: o.mode ?? 'view', ...period(o.from, o.until) };
  const res = await p.s.request('POST', '/api/access-requests', body);
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; crossDepartment: boolean; grant: { id: string } | null };
}

async function approve(approver: Who, requestId: string, body: object = {}) {
  const res = await approver.s.request('POST', `/api/access-requests/${requestId}/approve`, body);
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as { grant: { id: string; validUntil: string; mode: string; recordings: { id: string }[] } };
}

/** The approver of a request: a leader of A for same-department requests, A's head for the others. */
const approverFor = (w: World, cross: boolean) => (cross ? w.HA : w.LA2);

type State = 'none' | 'pending' | 'denied' | 'live' | 'copy' | 'expired' | 'revoked' | 'breakGlass' | 'reviewed';

/** Puts `p` into a grant state for R, through the API as users would. */
async function enter(state: State, p: Who, w: World, byQuery: boolean): Promise<void> {
  if (state === 'none') return;
  if (state === 'breakGlass' || state === 'reviewed') {
    const res = await p.s.request('POST', '/api/access-requests/break-glass', { recordingIds: [w.R], reason: '现场执法争议，须立即核看录像' });
    expect(res.statusCode, res.body).toBe(201);
    if (state === 'reviewed') {
      const grantId = (res.json() as { grant: { id: string } }).grant.id;
      const r = await w.LA2.s.request('POST', `/api/access-grants/${grantId}/review`, { outcome: 'signed_off', note: '情况属实' });
      expect(r.statusCode, r.body).toBe(200);
    }
    return;
  }
  const req = await ask(p, w, { mode: state === 'copy' ? 'copy' : 'view', byQuery });
  const approver = approverFor(w, req.crossDepartment);
  if (state === 'pending') return;
  if (state === 'denied') {
    expect((await approver.s.request('POST', `/api/access-requests/${req.id}/deny`, { reason: '理由不充分' })).statusCode).toBe(200);
    return;
  }
  const g = await approve(approver, req.id, { periodUntil: at(1 * D).toISOString() });
  if (state === 'expired') now = at(1 * D);
  if (state === 'revoked') expect((await approver.s.request('POST', `/api/access-grants/${g.grant.id}/revoke`, { reason: '案件已办结' })).statusCode).toBe(200);
}

/**
 * The authorisation matrix: principal × grant state → [GET /api/recordings/:id (metadata),
 * GET /api/recordings/:id/thumbnail, recording.copy allowed by the decision point (proxy download and original
 * download, Helper M's endpoints, ask it)]. Written out by hand; `-` = the state cannot arise for the principal
 * (they may not request: 403 on POST /api/access-requests, checked below).
 * Helper M: add the proxy (range) and original-download columns here when the endpoints are in.
 */
type Cell = [number, number, boolean];
// prettier-ignore
const MATRIX: Record<string, { roles: Role[]; dept: 'A' | 'B' | 'X'; byQuery: boolean; cells: Partial<Record<State, Cell>> }> = {
  //                                     none               pending            denied             live               copy              expired            revoked            breakGlass         reviewed
  'officer of A':   { roles: ['officer'],    dept: 'A', byQuery: false, cells: { none: [200, 404, false], pending: [200, 404, false], denied: [200, 404, false], live: [200, 200, false], copy: [200, 200, true], expired: [200, 404, false], revoked: [200, 404, false], breakGlass: [200, 200, false], reviewed: [200, 200, false] } },
  // Cross-department: cannot read R's metadata, so asks by query; only A's head decides; no break-glass (404).
  'officer of B':   { roles: ['officer'],    dept: 'B', byQuery: true,  cells: { none: [404, 404, false], pending: [404, 404, false], denied: [404, 404, false], live: [200, 200, false], copy: [200, 200, true], expired: [404, 404, false], revoked: [404, 404, false] } },
  'custodian of A': { roles: ['custodian'],  dept: 'A', byQuery: false, cells: { none: [200, 404, false], pending: [200, 404, false], denied: [200, 404, false], live: [200, 200, false], copy: [200, 200, true], expired: [200, 404, false], revoked: [200, 404, false], breakGlass: [200, 200, false], reviewed: [200, 200, false] } },
  // A leader too needs a grant (第十四条), decided by another leader of A.
  'leader of A':    { roles: ['leader'],     dept: 'A', byQuery: false, cells: { none: [200, 404, false], pending: [200, 404, false], denied: [200, 404, false], live: [200, 200, false], copy: [200, 200, true], expired: [200, 404, false], revoked: [200, 404, false], breakGlass: [200, 200, false], reviewed: [200, 200, false] } },
  // 法制督察 in the bureau: reads all metadata; its requests come from outside A (its head decides).
  'supervisor':     { roles: ['supervisor'], dept: 'X', byQuery: false, cells: { none: [200, 404, false], pending: [200, 404, false], denied: [200, 404, false], live: [200, 200, false], copy: [200, 200, true], expired: [200, 404, false], revoked: [200, 404, false], breakGlass: [200, 200, false], reviewed: [200, 200, false] } },
  // Auditors see metadata only; admins run the system and see no footage.
  'auditor':        { roles: ['auditor'],    dept: 'X', byQuery: false, cells: { none: [200, 404, false] } },
  'admin':          { roles: ['admin'],      dept: 'X', byQuery: false, cells: { none: [200, 404, false] } },
};

describe('authorisation matrix: principal × grant state → metadata, thumbnail, copy', () => {
  for (const [name, row] of Object.entries(MATRIX)) {
    test(name, async () => {
      const wrong: string[] = [];
      let checked = 0;
      for (const [state, expected] of Object.entries(row.cells) as [State, Cell][]) {
        now = T0;
        const w = await world();
        const p = await who(row.roles, w[row.dept].id);
        await enter(state, p, w, row.byQuery);
        const meta = (await p.s.request('GET', `/api/recordings/${w.R}`)).statusCode;
        const thumb = await p.s.request('GET', `/api/recordings/${w.R}/thumbnail`);
        const copy = await isAllowed(ctx.db, { id: p.id, roles: p.roles, departmentId: p.departmentId, personId: p.personId, permissions: permissionsOf(p.roles) }, 'recording.copy', w.R);
        const actual: Cell = [meta, thumb.statusCode, copy];
        if (JSON.stringify(actual) !== JSON.stringify(expected)) wrong.push(`${name} · ${state}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
        // A refused thumbnail leaks no image bytes.
        if (thumb.statusCode !== 200) expect(thumb.headers['content-type']).toMatch(/json/);
        checked++;
      }
      expect(wrong).toEqual([]);
      expect(checked).toBe(Object.keys(row.cells).length);
    });
  }

  test('auditors and admins may not ask; the break-glass of a recording one cannot read is 404', async () => {
    const w = await world();
    for (const roles of [['auditor'], ['admin']] as Role[][]) {
      const p = await who(roles, w.X.id);
      expect((await p.s.request('POST', '/api/access-requests', { recordingIds: [w.R], purpose: '看看', mode: 'view', ...period() })).statusCode).toBe(403);
      expect((await p.s.request('POST', '/api/access-requests/break-glass', { recordingIds: [w.R], reason: '现场执法争议，须立即核看' })).statusCode).toBe(403);
    }
    const ob = await who(['officer'], w.B.id);
    expect((await ob.s.request('POST', '/api/access-requests/break-glass', { recordingIds: [w.R], reason: '现场执法争议，须立即核看' })).statusCode).toBe(404);
    expect((await ob.s.request('POST', '/api/access-requests', { recordingIds: [w.R], purpose: '核查投诉线索', mode: 'view', ...period() })).statusCode).toBe(404);
  });
});

describe('own footage (policy table default: uploader / recording officer, 24 h after upload)', () => {
  // prettier-ignore
  const CASES: [string, number, number][] = [
    // hours after upload → [thumbnail status for the uploader, for the recording officer]
    ['just uploaded',          0,              200],
    ['23:59:59 after',         24 * H - 1000,  200],
    ['exactly 24 h after',     24 * H,         404],
  ];
  for (const [label, after, expected] of CASES) {
    test(label, async () => {
      const A = await makeDepartment(ctx.db);
      const officer = await who(['officer'], A.id);
      const uploader = await who(['officer'], A.id);
      const R = await recordingIn(A.id, { uploadedBy: uploader.id, officer: officer.personId!, uploadedAt: T0.toISOString() });
      const colleague = await who(['officer'], A.id);
      const leader = await who(['leader'], A.id);
      now = at(after);
      expect((await uploader.s.request('GET', `/api/recordings/${R}/thumbnail`)).statusCode).toBe(expected);
      expect((await officer.s.request('GET', `/api/recordings/${R}/thumbnail`)).statusCode).toBe(expected);
      // Colleagues and leaders of the same department: never without a grant.
      expect((await colleague.s.request('GET', `/api/recordings/${R}/thumbnail`)).statusCode).toBe(404);
      expect((await leader.s.request('GET', `/api/recordings/${R}/thumbnail`)).statusCode).toBe(404);
    });
  }
});

describe('approval rules', () => {
  test('nobody approves their own request, and the database refuses it too', async () => {
    const w = await world();
    const req = await ask(w.LA1, w);
    const self = await w.LA1.s.request('POST', `/api/access-requests/${req.id}/approve`, {});
    expect(self.statusCode).toBe(403);
    expect(self.json().code).toBe('ACCESS_SELF_APPROVAL');
    const selfDeny = await w.LA1.s.request('POST', `/api/access-requests/${req.id}/deny`, { reason: '自己驳回' });
    expect(selfDeny.json().code).toBe('ACCESS_SELF_APPROVAL');
    await expect(sql`UPDATE access_request SET state = 'approved', decided_by = requester_id WHERE id = ${req.id}`.execute(ctx.db)).rejects.toThrow(/check constraint/);
    // Not in one's own box to approve; another leader of A has it.
    const mine = (await w.LA1.s.request('GET', '/api/access-requests?box=approve')).json() as { items: { id: string }[] };
    expect(mine.items.map((i) => i.id)).not.toContain(req.id);
    await approve(w.LA2, req.id);
  });

  test('cross-department: only the owning department’s head decides; other leaders see nothing', async () => {
    const w = await world();
    const ob = await who(['officer'], w.B.id);
    const LB = await who(['leader'], w.B.id);
    const req = await ask(ob, w, { byQuery: true });
    expect(req.crossDepartment).toBe(true);
    const byLeader = await w.LA1.s.request('POST', `/api/access-requests/${req.id}/approve`, {});
    expect(byLeader.statusCode).toBe(403);
    expect(byLeader.json().code).toBe('ACCESS_NOT_APPROVER');
    expect((await LB.s.request('POST', `/api/access-requests/${req.id}/approve`, {})).statusCode).toBe(404);
    expect((await LB.s.request('GET', `/api/access-requests/${req.id}`)).statusCode).toBe(404);
    // The requester does not see what the query matches before approval (R is another department's).
    expect(((await ob.s.request('GET', `/api/access-requests/${req.id}`)).json() as { recordings: unknown[] }).recordings).toEqual([]);
    // The head sees it in the box and the count, with the matching list.
    expect((await w.HA.s.request('GET', '/api/access-requests/counts')).json()).toEqual({ toApprove: 1, toReview: 0 });
    expect((await w.LA1.s.request('GET', '/api/access-requests/counts')).json()).toEqual({ toApprove: 0, toReview: 0 });
    const seen = (await w.HA.s.request('GET', `/api/access-requests/${req.id}`)).json() as { recordings: { id: string }[]; canDecide: boolean };
    expect(seen.recordings.map((r) => r.id)).toEqual([w.R]);
    expect(seen.canDecide).toBe(true);
    await approve(w.HA, req.id);
    expect((await ob.s.request('GET', `/api/recordings/${w.R}/thumbnail`)).statusCode).toBe(200);
  });

  test('expiry to the second (controlled clock)', async () => {
    const w = await world();
    const officer = await who(['officer'], w.A.id);
    const req = await ask(officer, w);
    const until = at(3 * H + 17_000);
    const g = await approve(w.LA2, req.id, { periodUntil: until.toISOString() });
    expect(g.grant.validUntil).toBe(until.toISOString());
    // prettier-ignore
    const TIMES: [string, Date, number][] = [
      ['one second before',      new Date(until.getTime() - 1000), 200],
      ['one millisecond before', new Date(until.getTime() - 1),    200],
      ['at the end',             until,                            404],
      ['one second after',       new Date(until.getTime() + 1000), 404],
    ];
    for (const [label, t, expected] of TIMES) {
      now = t;
      expect((await officer.s.request('GET', `/api/recordings/${w.R}/thumbnail`)).statusCode, label).toBe(expected);
    }
  });

  test('a grant whose period has not begun opens nothing yet', async () => {
    const w = await world();
    const officer = await who(['officer'], w.A.id);
    const req = await ask(officer, w, { from: 1 * H, until: 5 * H });
    await approve(w.LA2, req.id);
    expect((await officer.s.request('GET', `/api/recordings/${w.R}/thumbnail`)).statusCode).toBe(404);
    now = at(1 * H);
    expect((await officer.s.request('GET', `/api/recordings/${w.R}/thumbnail`)).statusCode).toBe(200);
  });

  test('revocation takes effect on the very next read; a revoked grant cannot be revived', async () => {
    const w = await world();
    const officer = await who(['officer'], w.A.id);
    const g = await approve(w.LA2, (await ask(officer, w)).id);
    expect((await officer.s.request('GET', `/api/recordings/${w.R}/thumbnail`)).statusCode).toBe(200);
    const rv = await w.LA1.s.request('POST', `/api/access-grants/${g.grant.id}/revoke`, { reason: '发现用途不符' });
    expect(rv.statusCode, rv.body).toBe(200);
    expect((await officer.s.request('GET', `/api/recordings/${w.R}/thumbnail`)).statusCode).toBe(404);
    expect((await w.LA1.s.request('POST', `/api/access-grants/${g.grant.id}/revoke`, { reason: '再次撤销' })).statusCode).toBe(409);
    await expect(sql`UPDATE access_grant SET revoked_at = NULL WHERE id = ${g.grant.id}`.execute(ctx.db)).rejects.toThrow(/QUANLU_GRANT_FIXED/);
    await expect(sql`UPDATE access_grant SET valid_until = valid_until + interval '1 day' WHERE id = ${g.grant.id}`.execute(ctx.db)).rejects.toThrow(/QUANLU_GRANT_FIXED/);
    // An outsider cannot revoke (nor learn that the grant exists).
    const LB = await who(['leader'], w.B.id);
    expect((await LB.s.request('POST', `/api/access-grants/${g.grant.id}/revoke`, { reason: '越权撤销' })).statusCode).toBe(404);
  });

  test('narrowing: fewer items, shorter period, view instead of copy; widening is refused', async () => {
    const w = await world();
    const officer = await who(['officer'], w.A.id);
    const R2 = await recordingIn(w.A.id, { uploadedBy: w.uploader.id, officer: w.pA.id });
    const R3 = await recordingIn(w.A.id, { uploadedBy: w.uploader.id, officer: w.pA.id });
    const res = await officer.s.request('POST', '/api/access-requests', { recordingIds: [w.R, R2], purpose: '复核执法过程', mode: 'copy', ...period(0, 10 * D) });
    const id = (res.json() as { id: string }).id;
    const widen: [object, string][] = [
      [{ recordingIds: [w.R, R3] }, 'ACCESS_NARROWING_ONLY'],
      [{ periodUntil: at(11 * D).toISOString() }, 'ACCESS_NARROWING_ONLY'],
      [{ periodFrom: at(-1 * H).toISOString() }, 'ACCESS_NARROWING_ONLY'],
    ];
    for (const [body, code] of widen) {
      const r = await w.LA2.s.request('POST', `/api/access-requests/${id}/approve`, body);
      expect([r.statusCode, r.json().code], JSON.stringify(body)).toEqual([400, code]);
    }
    const g = await approve(w.LA2, id, { recordingIds: [w.R], periodUntil: at(1 * D).toISOString(), mode: 'view' });
    expect(g.grant.mode).toBe('view');
    expect(g.grant.recordings.map((r) => r.id)).toEqual([w.R]);
    expect((await officer.s.request('GET', `/api/recordings/${w.R}/thumbnail`)).statusCode).toBe(200);
    expect((await officer.s.request('GET', `/api/recordings/${R2}/thumbnail`)).statusCode).toBe(404);
    const principal = { id: officer.id, roles: officer.roles, departmentId: officer.departmentId, personId: officer.personId, permissions: permissionsOf(officer.roles) };
    expect(await isAllowed(ctx.db, principal, 'recording.copy', w.R)).toBe(false);
    now = at(1 * D);
    expect((await officer.s.request('GET', `/api/recordings/${w.R}/thumbnail`)).statusCode).toBe(404);
    // A view request cannot be approved as copy.
    const v = await ask(officer, w, { mode: 'view' });
    const up = await w.LA2.s.request('POST', `/api/access-requests/${v.id}/approve`, { mode: 'copy' });
    expect([up.statusCode, up.json().code]).toEqual([400, 'ACCESS_NARROWING_ONLY']);
    // A decided request is not decided again.
    const again = await w.LA1.s.request('POST', `/api/access-requests/${id}/deny`, { reason: '再次处理' });
    expect([again.statusCode, again.json().code]).toEqual([409, 'ACCESS_REQUEST_DECIDED']);
  });

  test('a query grant covers only what matched at approval', async () => {
    const w = await world();
    const officer = await who(['officer'], w.A.id);
    const Rb = await recordingIn(w.A.id, { uploadedBy: w.uploader.id, officer: w.pA.id, caseNumber: w.caseNumber });
    const req = await ask(officer, w, { byQuery: true });
    expect(req.crossDepartment).toBe(false);
    // Filed under the case after the request but before approval: the approver sees it and it is covered.
    const Rc = await recordingIn(w.A.id, { uploadedBy: w.uploader.id, officer: w.pA.id, caseNumber: w.caseNumber });
    const seen = (await w.LA2.s.request('GET', `/api/access-requests/${req.id}`)).json() as { recordings: { id: string }[] };
    expect(seen.recordings.map((r) => r.id).sort()).toEqual([w.R, Rb, Rc].sort());
    const g = await approve(w.LA2, req.id);
    expect(g.grant.recordings.map((r) => r.id).sort()).toEqual([w.R, Rb, Rc].sort());
    // Filed under the case after approval: not covered.
    const Rd = await recordingIn(w.A.id, { uploadedBy: w.uploader.id, officer: w.pA.id, caseNumber: w.caseNumber });
    for (const id of [w.R, Rb, Rc]) expect((await officer.s.request('GET', `/api/recordings/${id}/thumbnail`)).statusCode).toBe(200);
    expect((await officer.s.request('GET', `/api/recordings/${Rd}/thumbnail`)).statusCode).toBe(404);
    // Another department's recording with the same case number was never part of it.
    const pB = await makePerson(ctx.db, { departmentId: w.B.id });
    const Rb2 = await recordingIn(w.B.id, { uploadedBy: w.uploader.id, officer: pB.id, caseNumber: w.caseNumber });
    expect((await officer.s.request('GET', `/api/recordings/${Rb2}/thumbnail`)).statusCode).toBe(404);
  });

  test('recordings of two departments make two requests', async () => {
    const w = await world();
    const s = await who(['supervisor'], w.X.id);
    const pB = await makePerson(ctx.db, { departmentId: w.B.id });
    const RB = await recordingIn(w.B.id, { uploadedBy: w.uploader.id, officer: pB.id });
    const r = await s.s.request('POST', '/api/access-requests', { recordingIds: [w.R, RB], purpose: '督察抽查', mode: 'view', ...period() });
    expect([r.statusCode, r.json().code]).toEqual([400, 'ACCESS_MIXED_DEPARTMENTS']);
  });
});

describe('break-glass', () => {
  test('live at once for 2 h, leaders notified, listed until signed off; referral ends it', async () => {
    const w = await world();
    const officer = await who(['officer'], w.A.id);
    const short = await officer.s.request('POST', '/api/access-requests/break-glass', { recordingIds: [w.R], reason: '紧急' });
    expect(short.statusCode).toBe(400);
    const res = await officer.s.request('POST', '/api/access-requests/break-glass', { recordingIds: [w.R], reason: '当事人现场投诉，须立即核看' });
    expect(res.statusCode, res.body).toBe(201);
    const bg = res.json() as { id: string; emergency: boolean; grant: { id: string; validFrom: string; validUntil: string; reviewState: string; state: string } };
    expect([bg.emergency, bg.grant.state, bg.grant.reviewState, bg.grant.validFrom, bg.grant.validUntil]).toEqual([true, 'live', 'pending', T0.toISOString(), at(2 * H).toISOString()]);
    expect((await officer.s.request('GET', `/api/recordings/${w.R}/thumbnail`)).statusCode).toBe(200);
    for (const l of [w.LA1, w.LA2, w.HA]) expect((await l.s.request('GET', '/api/access-requests/counts')).json()).toEqual({ toApprove: 0, toReview: 1 });
    const box = (await w.LA1.s.request('GET', '/api/access-requests?box=review')).json() as { items: { id: string }[] };
    expect(box.items.map((i) => i.id)).toEqual([bg.id]);
    // The user cannot review their own break-glass.
    expect((await officer.s.request('POST', `/api/access-grants/${bg.grant.id}/review`, { outcome: 'signed_off' })).statusCode).toBe(403);
    now = at(2 * H);
    expect((await officer.s.request('GET', `/api/recordings/${w.R}/thumbnail`)).statusCode).toBe(404);
    expect((await w.LA1.s.request('POST', `/api/access-grants/${bg.grant.id}/review`, { outcome: 'signed_off', note: '确有必要' })).statusCode).toBe(200);
    expect((await w.LA2.s.request('GET', '/api/access-requests/counts')).json()).toEqual({ toApprove: 0, toReview: 0 });
    expect((await w.LA2.s.request('POST', `/api/access-grants/${bg.grant.id}/review`, { outcome: 'referred' })).statusCode).toBe(409);

    now = at(3 * H);
    const second = (await (await officer.s.request('POST', '/api/access-requests/break-glass', { recordingIds: [w.R], reason: '再次紧急调阅，须立即核看' })).json()) as { grant: { id: string } };
    expect((await w.LA2.s.request('POST', `/api/access-grants/${second.grant.id}/review`, { outcome: 'referred', note: '移交法制督察' })).statusCode).toBe(200);
    expect((await officer.s.request('GET', `/api/recordings/${w.R}/thumbnail`)).statusCode).toBe(404);
  });
});

describe('policy table and audit', () => {
  test('an admin may let a role see media within its reach; others may not change the table', async () => {
    const w = await world();
    const admin = await who(['admin'], null);
    const auditor = await who(['auditor'], null);
    expect((await auditor.s.request('PUT', '/api/access-policy/leader', { withoutGrant: 'reach' })).statusCode).toBe(403);
    expect((await w.LA1.s.request('GET', `/api/recordings/${w.R}/thumbnail`)).statusCode).toBe(404);
    try {
      const r = await admin.s.request('PUT', '/api/access-policy/leader', { withoutGrant: 'reach' });
      expect(r.statusCode, r.body).toBe(200);
      expect((await w.LA1.s.request('GET', `/api/recordings/${w.R}/thumbnail`)).statusCode).toBe(200);
      const LB = await who(['leader'], w.B.id);
      expect((await LB.s.request('GET', `/api/recordings/${w.R}/thumbnail`)).statusCode).toBe(404);
    } finally {
      expect((await admin.s.request('PUT', '/api/access-policy/leader', { withoutGrant: 'none' })).statusCode).toBe(200);
    }
    expect((await admin.s.request('PUT', '/api/access-policy/nobody', { withoutGrant: 'reach' })).statusCode).toBe(404);
    expect((await w.LA1.s.request('GET', `/api/recordings/${w.R}/thumbnail`)).statusCode).toBe(404);
  });

  test('every step is in the audit chain, in the same transaction', async () => {
    const w = await world();
    const officer = await who(['officer'], w.A.id);
    const req = await ask(officer, w);
    const g = await approve(w.LA2, req.id);
    await w.LA2.s.request('POST', `/api/access-grants/${g.grant.id}/revoke`, { reason: '结束' });
    const denied = await ask(officer, w);
    await w.LA2.s.request('POST', `/api/access-requests/${denied.id}/deny`, { reason: '不必要' });
    const rows = await ctx.db
      .selectFrom('audit_event')
      .select(['action', 'actor_id', 'target_id'])
      .where('target_id', 'in', [req.id, g.grant.id, denied.id])
      .orderBy('seq')
      .execute();
    expect(rows.map((r) => [r.action, r.actor_id, r.target_id])).toEqual([
      ['access.request.create', officer.id, req.id],
      ['access.request.approve', w.LA2.id, req.id],
      ['access.grant.revoke', w.LA2.id, g.grant.id],
      ['access.request.create', officer.id, denied.id],
      ['access.request.deny', w.LA2.id, denied.id],
    ]);
  });
});
