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
 * R has everything a recording serves: a thumbnail, a playable proxy (a real one-second clip, so a watermarked
 * copy can be burned) and its original's bytes.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { isAllowed, setAccessClock } from '../../src/modules/access/access.service.ts';
import { permissionsOf, type Role } from '../../src/platform/auth/permissions.ts';
import { createTestApp, login, makeDepartment, makePerson, makeRecording, makeUser, type Session, type TestContext } from '../support/harness.ts';
import { makeClip } from '../support/media-fixtures.ts';

const T0 = new Date('2026-06-01T02:00:00Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const H = 3600_000;
const D = 24 * H;
let now = T0;

let ctx: TestContext;
let thumbnailSha: string;
let proxy: { sha256: string; sm3: string; size: number };

beforeAll(async () => {
  ctx = await createTestApp();
  const file = path.join(ctx.dataDir, 'thumb.jpg');
  await writeFile(file, randomBytes(256));
  thumbnailSha = (await ctx.deps.storage.putFile(file)).sha256;
  proxy = await ctx.deps.storage.putFile(await makeClip(path.join(ctx.dataDir, 'proxy.mp4'), { seconds: 1, size: '160x120' }));
}, 60_000);
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

/**
 * A recording of `departmentId` with all it serves: its original's bytes in the store, a thumbnail and the
 * (shared) playable proxy.
 */
async function playableIn(departmentId: string, o: { uploadedBy: string; officer: string; caseNumber: string; uploadedAt?: string }) {
  const bytes = path.join(ctx.dataDir, `original-${randomBytes(6).toString('hex')}`);
  await writeFile(bytes, randomBytes(2000));
  const original = await ctx.deps.storage.putFile(bytes);
  await ctx.db.insertInto('original').values({ sha256: original.sha256, sm3: original.sm3, size_bytes: original.size }).execute();
  const { id } = await ctx.db
    .insertInto('recording')
    .values({ original_sha256: original.sha256, file_name: `${original.sha256.slice(0, 8)}.mp4`, department_id: departmentId, recorded_start: '2026-03-10T01:00:00Z', uploaded_at: o.uploadedAt ?? '2026-03-10T03:00:00Z', uploaded_by: o.uploadedBy, activity: 'patrol', party_informed: 'yes', case_number: o.caseNumber })
    .returning('id')
    .executeTakeFirstOrThrow();
  await ctx.db.insertInto('recording_officer').values({ recording_id: id, person_id: o.officer }).execute();
  for (const [sha, size, kind, mime] of [[thumbnailSha, 256, 'thumbnail', 'image/jpeg'], [proxy.sha256, proxy.size, 'proxy', 'video/mp4']] as const) {
    await ctx.db.insertInto('derived_object').values({ sha256: sha, sm3: '0'.repeat(64), size_bytes: size, kind, mime_type: mime, original_sha256: original.sha256 }).onConflict((oc) => oc.doNothing()).execute();
  }
  await ctx.db.insertInto('media_info').values({ original_sha256: original.sha256, state: 'ready', kind: 'video', duration_sec: 1, proxy_sha256: proxy.sha256, thumbnail_sha256: thumbnailSha }).execute();
  return id;
}

async function world() {
  const X = await makeDepartment(ctx.db, { kind: 'bureau' });
  const A = await makeDepartment(ctx.db, { parentId: X.id });
  const B = await makeDepartment(ctx.db, { parentId: X.id });
  const pA = await makePerson(ctx.db, { departmentId: A.id });
  const uploader = await makeUser(ctx.db, { roles: ['custodian'], departmentId: A.id });
  const caseNumber = `案-${randomBytes(3).toString('hex')}`;
  const R = await playableIn(A.id, { uploadedBy: uploader.id, officer: pA.id, caseNumber });
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

/**
 * Grant states of the matrix. `live` is a view-only grant, `copy` a view-and-copy one; `copyExpired` /
 * `copyRevoked` are copy grants under which copies were made, which then expired / were revoked.
 */
type State = 'none' | 'pending' | 'denied' | 'live' | 'copy' | 'expired' | 'revoked' | 'breakGlass' | 'reviewed' | 'copyExpired' | 'copyRevoked';

/** The receipts of a watermarked copy and of an original copy of R. */
interface Receipts {
  watermarked: string;
  original: string;
}

/** Makes both copies of R as `p` (who must hold a live copy grant). */
async function makeCopies(p: Who, w: World): Promise<Receipts> {
  const ids: string[] = [];
  for (const kind of ['watermarked-proxy', 'original']) {
    const res = await p.s.request('POST', `/api/recordings/${w.R}/copies`, { kind });
    expect(res.statusCode, res.body).toBe(201);
    ids.push((res.json() as { statement: { receiptId: string } }).statement.receiptId);
  }
  return { watermarked: ids[0]!, original: ids[1]! };
}

/**
 * Puts `p` into a grant state for R, through the API as users would. Returns the receipts of copies `p` made
 * on the way (copyExpired, copyRevoked), else null.
 */
async function enter(state: State, p: Who, w: World, byQuery: boolean): Promise<Receipts | null> {
  if (state === 'none') return null;
  if (state === 'breakGlass' || state === 'reviewed') {
    const res = await p.s.request('POST', '/api/access-requests/break-glass', { recordingIds: [w.R], reason: '现场执法争议，须立即核看录像' });
    expect(res.statusCode, res.body).toBe(201);
    if (state === 'reviewed') {
      const grantId = (res.json() as { grant: { id: string } }).grant.id;
      const r = await w.LA2.s.request('POST', `/api/access-grants/${grantId}/review`, { outcome: 'signed_off', note: '情况属实' });
      expect(r.statusCode, r.body).toBe(200);
    }
    return null;
  }
  const copyMode = state === 'copy' || state === 'copyExpired' || state === 'copyRevoked';
  const req = await ask(p, w, { mode: copyMode ? 'copy' : 'view', byQuery });
  const approver = approverFor(w, req.crossDepartment);
  if (state === 'pending') return null;
  if (state === 'denied') {
    expect((await approver.s.request('POST', `/api/access-requests/${req.id}/deny`, { reason: '理由不充分' })).statusCode).toBe(200);
    return null;
  }
  const g = await approve(approver, req.id, { periodUntil: at(1 * D).toISOString() });
  const receipts = state === 'copyExpired' || state === 'copyRevoked' ? await makeCopies(p, w) : null;
  if (state === 'expired' || state === 'copyExpired') now = at(1 * D);
  if (state === 'revoked' || state === 'copyRevoked') expect((await approver.s.request('POST', `/api/access-grants/${g.grant.id}/revoke`, { reason: '案件已办结' })).statusCode).toBe(200);
  return receipts;
}

let strangers: Receipts | undefined;
/** Receipts of copies someone else made (of another recording, under their own copy grant), made once. */
async function strangersReceipts(): Promise<Receipts> {
  if (!strangers) {
    const w = await world();
    const s = await who(['officer'], w.A.id);
    await enter('copy', s, w, false);
    strangers = await makeCopies(s, w);
  }
  return strangers;
}

/**
 * The authorisation matrix: principal × grant state → the status of every endpoint that serves R's metadata or
 * content, in this order:
 *
 *   meta    GET  /api/recordings/:id
 *   thumb   GET  /api/recordings/:id/thumbnail                      (detail page: one audited read)
 *   ticket  GET  /api/recordings/:id/thumbnail?ticket=              (list page: the ticket of POST /api/recordings/thumbnail-tickets;
 *                                                                     a random one when that gave none)
 *   session POST /api/recordings/:id/playback-sessions
 *   range   GET  /api/recordings/:id/proxy?session=  Range: bytes=0-99  (the session just opened, else a random one)
 *   copyW   POST /api/recordings/:id/copies {kind: watermarked-proxy}
 *   copyO   POST /api/recordings/:id/copies {kind: original}
 *   receipt GET  /api/copies/:id          of the watermarked copy — the caller's own when they made one (in this
 *                                         state or before it), else someone else's
 *   fileW   GET  /api/copies/:id/file     of that watermarked copy
 *   fileO   GET  /api/copies/:id/file     of the original copy (same rule)
 *
 * Written out by hand. States a principal cannot reach are left out (auditors and admins may not request: 403 on
 * POST /api/access-requests, checked below; an officer of B cannot break-glass a recording it cannot read).
 */
type Cell = [meta: number, thumb: number, ticket: number, session: number, range: number, copyW: number, copyO: number, receipt: number, fileW: number, fileO: number];
// prettier-ignore
const MATRIX: Record<string, { roles: Role[]; dept: 'A' | 'B' | 'X'; byQuery: boolean; cells: Partial<Record<State, Cell>> }> = {
  'officer of A': { roles: ['officer'], dept: 'A', byQuery: false, cells: {
    //            meta thumb ticket sess range copyW copyO rcpt fileW fileO
    none:        [200, 404,  404,   404, 404,  404,  404,  404, 404,  404],
    pending:     [200, 404,  404,   404, 404,  404,  404,  404, 404,  404],
    denied:      [200, 404,  404,   404, 404,  404,  404,  404, 404,  404],
    live:        [200, 200,  200,   201, 206,  404,  404,  404, 404,  404],
    copy:        [200, 200,  200,   201, 206,  201,  201,  200, 200,  200],
    expired:     [200, 404,  404,   404, 404,  404,  404,  404, 404,  404],
    revoked:     [200, 404,  404,   404, 404,  404,  404,  404, 404,  404],
    breakGlass:  [200, 200,  200,   201, 206,  404,  404,  404, 404,  404],
    reviewed:    [200, 200,  200,   201, 206,  404,  404,  404, 404,  404],
    copyExpired: [200, 404,  404,   404, 404,  404,  404,  200, 404,  404],
    copyRevoked: [200, 404,  404,   404, 404,  404,  404,  200, 404,  404],
  } },
  // Cross-department: cannot read R's metadata, so asks by query; only A's head decides; no break-glass (404).
  // A live grant opens R's description too, and nothing once it ends.
  'officer of B': { roles: ['officer'], dept: 'B', byQuery: true, cells: {
    none:        [404, 404,  404,   404, 404,  404,  404,  404, 404,  404],
    pending:     [404, 404,  404,   404, 404,  404,  404,  404, 404,  404],
    denied:      [404, 404,  404,   404, 404,  404,  404,  404, 404,  404],
    live:        [200, 200,  200,   201, 206,  404,  404,  404, 404,  404],
    copy:        [200, 200,  200,   201, 206,  201,  201,  200, 200,  200],
    expired:     [404, 404,  404,   404, 404,  404,  404,  404, 404,  404],
    revoked:     [404, 404,  404,   404, 404,  404,  404,  404, 404,  404],
    copyExpired: [404, 404,  404,   404, 404,  404,  404,  200, 404,  404],
    copyRevoked: [404, 404,  404,   404, 404,  404,  404,  200, 404,  404],
  } },
  'custodian of A': { roles: ['custodian'], dept: 'A', byQuery: false, cells: {
    none:        [200, 404,  404,   404, 404,  404,  404,  404, 404,  404],
    pending:     [200, 404,  404,   404, 404,  404,  404,  404, 404,  404],
    denied:      [200, 404,  404,   404, 404,  404,  404,  404, 404,  404],
    live:        [200, 200,  200,   201, 206,  404,  404,  404, 404,  404],
    copy:        [200, 200,  200,   201, 206,  201,  201,  200, 200,  200],
    expired:     [200, 404,  404,   404, 404,  404,  404,  404, 404,  404],
    revoked:     [200, 404,  404,   404, 404,  404,  404,  404, 404,  404],
    breakGlass:  [200, 200,  200,   201, 206,  404,  404,  404, 404,  404],
    reviewed:    [200, 200,  200,   201, 206,  404,  404,  404, 404,  404],
    copyExpired: [200, 404,  404,   404, 404,  404,  404,  200, 404,  404],
    copyRevoked: [200, 404,  404,   404, 404,  404,  404,  200, 404,  404],
  } },
  // A leader too needs a grant (第十四条), decided by another leader of A.
  'leader of A': { roles: ['leader'], dept: 'A', byQuery: false, cells: {
    none:        [200, 404,  404,   404, 404,  404,  404,  404, 404,  404],
    pending:     [200, 404,  404,   404, 404,  404,  404,  404, 404,  404],
    denied:      [200, 404,  404,   404, 404,  404,  404,  404, 404,  404],
    live:        [200, 200,  200,   201, 206,  404,  404,  404, 404,  404],
    copy:        [200, 200,  200,   201, 206,  201,  201,  200, 200,  200],
    expired:     [200, 404,  404,   404, 404,  404,  404,  404, 404,  404],
    revoked:     [200, 404,  404,   404, 404,  404,  404,  404, 404,  404],
    breakGlass:  [200, 200,  200,   201, 206,  404,  404,  404, 404,  404],
    reviewed:    [200, 200,  200,   201, 206,  404,  404,  404, 404,  404],
    copyExpired: [200, 404,  404,   404, 404,  404,  404,  200, 404,  404],
    copyRevoked: [200, 404,  404,   404, 404,  404,  404,  200, 404,  404],
  } },
  // 法制督察 in the bureau: reads all metadata; its requests come from outside A (its head decides).
  'supervisor': { roles: ['supervisor'], dept: 'X', byQuery: false, cells: {
    none:        [200, 404,  404,   404, 404,  404,  404,  404, 404,  404],
    pending:     [200, 404,  404,   404, 404,  404,  404,  404, 404,  404],
    denied:      [200, 404,  404,   404, 404,  404,  404,  404, 404,  404],
    live:        [200, 200,  200,   201, 206,  404,  404,  404, 404,  404],
    copy:        [200, 200,  200,   201, 206,  201,  201,  200, 200,  200],
    expired:     [200, 404,  404,   404, 404,  404,  404,  404, 404,  404],
    revoked:     [200, 404,  404,   404, 404,  404,  404,  404, 404,  404],
    breakGlass:  [200, 200,  200,   201, 206,  404,  404,  404, 404,  404],
    reviewed:    [200, 200,  200,   201, 206,  404,  404,  404, 404,  404],
    copyExpired: [200, 404,  404,   404, 404,  404,  404,  200, 404,  404],
    copyRevoked: [200, 404,  404,   404, 404,  404,  404,  200, 404,  404],
  } },
  // Auditors see metadata only; admins run the system and see no footage.
  'auditor': { roles: ['auditor'], dept: 'X', byQuery: false, cells: {
    none:        [200, 404,  404,   404, 404,  404,  404,  404, 404,  404],
  } },
  'admin': { roles: ['admin'], dept: 'X', byQuery: false, cells: {
    none:        [200, 404,  404,   404, 404,  404,  404,  404, 404,  404],
  } },
};

type Res = Awaited<ReturnType<Session['request']>>;

/** Every endpoint of the matrix, called as `p` on R in world `w`; `own` are receipts `p` made earlier. */
async function probe(p: Who, w: World, own: Receipts | null): Promise<{ cell: Cell; responses: [string, Res][] }> {
  const responses: [string, Res][] = [];
  const call = async (name: string, method: string, url: string, body?: unknown, headers?: Record<string, string>) => {
    const res = await p.s.request(method, url, body, headers);
    responses.push([name, res]);
    return res;
  };
  const meta = await call('meta', 'GET', `/api/recordings/${w.R}`);
  const thumb = await call('thumb', 'GET', `/api/recordings/${w.R}/thumbnail`);
  const issued = await p.s.request('POST', '/api/recordings/thumbnail-tickets', { recordingIds: [w.R] });
  expect(issued.statusCode, issued.body).toBe(201);
  const ticket = (issued.json() as { ticket: string | null }).ticket ?? randomUUID();
  const ticketRead = await call('ticket', 'GET', `/api/recordings/${w.R}/thumbnail?ticket=${ticket}`);
  const session = await call('session', 'POST', `/api/recordings/${w.R}/playback-sessions`);
  const sessionId = session.statusCode === 201 ? (session.json() as { sessionId: string }).sessionId : randomUUID();
  const range = await call('range', 'GET', `/api/recordings/${w.R}/proxy?session=${sessionId}`, undefined, { range: 'bytes=0-99' });
  const copyW = await call('copyW', 'POST', `/api/recordings/${w.R}/copies`, { kind: 'watermarked-proxy' });
  const copyO = await call('copyO', 'POST', `/api/recordings/${w.R}/copies`, { kind: 'original' });
  const receiptId = (r: Res) => (r.json() as { statement: { receiptId: string } }).statement.receiptId;
  const made = copyW.statusCode === 201 && copyO.statusCode === 201 ? { watermarked: receiptId(copyW), original: receiptId(copyO) } : null;
  const receipts = own ?? made ?? (await strangersReceipts());
  const receipt = await call('receipt', 'GET', `/api/copies/${receipts.watermarked}`);
  const fileW = await call('fileW', 'GET', `/api/copies/${receipts.watermarked}/file`);
  const fileO = await call('fileO', 'GET', `/api/copies/${receipts.original}/file`);
  const cell: Cell = [meta, thumb, ticketRead, session, range, copyW, copyO, receipt, fileW, fileO].map((r) => r.statusCode) as Cell;
  return { cell, responses };
}

/** Content endpoints: a refusal from these must carry no image, video or file bytes. */
const CONTENT = new Set(['thumb', 'ticket', 'range', 'fileW', 'fileO']);

describe('authorisation matrix: principal × grant state → every endpoint serving R (metadata, thumbnails, proxy, copies)', () => {
  for (const [name, row] of Object.entries(MATRIX)) {
    test(name, async () => {
      const wrong: string[] = [];
      let checked = 0;
      for (const [state, expected] of Object.entries(row.cells) as [State, Cell][]) {
        now = T0;
        const w = await world();
        const p = await who(row.roles, w[row.dept].id);
        const own = await enter(state, p, w, row.byQuery);
        const { cell, responses } = await probe(p, w, own);
        if (JSON.stringify(cell) !== JSON.stringify(expected)) wrong.push(`${name} · ${state}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(cell)}`);
        // A refused cell leaks nothing: a small JSON error body, never image, proxy or file bytes.
        for (const [endpoint, res] of responses) {
          if (res.statusCode < 400) continue;
          expect(res.headers['content-type'], `${name} · ${state} · ${endpoint}`).toMatch(/^application\/json/);
          expect(res.rawPayload.length, `${name} · ${state} · ${endpoint}`).toBeLessThan(600);
          if (CONTENT.has(endpoint)) expect(res.headers['content-range'], `${name} · ${state} · ${endpoint}`).toBeUndefined();
        }
        // And the decision point agrees with the copy endpoints.
        const principal = { id: p.id, roles: p.roles, departmentId: p.departmentId, personId: p.personId, permissions: permissionsOf(p.roles) };
        expect(await isAllowed(ctx.db, principal, 'recording.copy', w.R), `${name} · ${state}: recording.copy`).toBe(expected[5] === 201);
        checked++;
      }
      expect(wrong).toEqual([]);
      expect(checked).toBe(Object.keys(row.cells).length);
    }, 300_000);
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

describe('proxy range reads decide anew on every read (policy row, tagging window, reach, clock)', () => {
  test('the own-footage window, a policy or window change and the reach policy count from the next range read of an open session', async () => {
    const A = await makeDepartment(ctx.db);
    const uploader = await who(['officer'], A.id);
    const leader = await who(['leader'], A.id);
    const admin = await who(['admin'], null);
    const R = await playableIn(A.id, { uploadedBy: uploader.id, officer: uploader.personId!, caseNumber: 'x', uploadedAt: T0.toISOString() });
    const open = async (p: Who) => p.s.request('POST', `/api/recordings/${R}/playback-sessions`);
    const opened = await open(uploader);
    expect(opened.statusCode, opened.body).toBe(201);
    const sessionId = (opened.json() as { sessionId: string }).sessionId;
    const read = async (p: Who = uploader, session = sessionId) => (await p.s.request('GET', `/api/recordings/${R}/proxy?session=${session}`, undefined, { range: 'bytes=0-99' })).statusCode;
    const put = async (url: string, body: object) => expect((await admin.s.request('PUT', url, body)).statusCode).toBe(200);
    try {
      // prettier-ignore
      const STEPS: [string, () => Promise<void>, number][] = [
        ['just uploaded',                                   async () => { now = T0; },                                                        206],
        ['23:59:59 after upload',                           async () => { now = at(24 * H - 1000); },                                         206],
        ['24 h after upload',                               async () => { now = at(24 * H); },                                                404],
        ['back at 1 h after (clock), same session',         async () => { now = at(1 * H); },                                                 206],
        ['window set to 1 h',                               () => put('/api/settings/access.ownMediaHours', { value: 1 }),                    404],
        ['window back to 24 h',                             () => put('/api/settings/access.ownMediaHours', { value: 24 }),                   206],
        ['officers’ row set to none',                       () => put('/api/access-policy/officer', { withoutGrant: 'none' }),                404],
        ['officers’ row back to own_recent',                () => put('/api/access-policy/officer', { withoutGrant: 'own_recent' }),          206],
      ];
      for (const [label, step, expected] of STEPS) {
        await step();
        expect(await read(), label).toBe(expected);
      }
      // A leader of A: nothing without a grant; with `reach` in the table, the department's footage.
      expect((await open(leader)).statusCode).toBe(404);
      await put('/api/access-policy/leader', { withoutGrant: 'reach' });
      const ls = await open(leader);
      expect(ls.statusCode, ls.body).toBe(201);
      const leaderSession = (ls.json() as { sessionId: string }).sessionId;
      expect(await read(leader, leaderSession)).toBe(206);
      await put('/api/access-policy/leader', { withoutGrant: 'none' });
      expect(await read(leader, leaderSession)).toBe(404);
      // Someone else's session is as unknown as none.
      expect(await read(leader, sessionId)).toBe(404);
    } finally {
      await put('/api/settings/access.ownMediaHours', { value: 24 });
      await put('/api/access-policy/officer', { withoutGrant: 'own_recent' });
      await put('/api/access-policy/leader', { withoutGrant: 'none' });
    }
  });
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
