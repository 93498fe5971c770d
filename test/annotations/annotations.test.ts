/**
 * Annotations and transcripts (issue 8 §6) through the HTTP API against a real PostgreSQL: who may read and
 * write them (a literal table of principal × grant state), versioning (edits and deletions append; the database
 * refuses UPDATE and DELETE even to the owner), audit events, and bad input.
 *
 * The world of each matrix case (built fresh, so no case depends on another):
 *
 *   X (bureau) ─┬─ A  ← owns the recording R (120 s of video, uploaded by officer U of A, U's person on it);
 *               │       leaders LA (approves), HA (head of A, 负责人)
 *               └─ B  ← another department
 *
 * Time: the access clock is pinned at T0 = 2026-06-01T02:00:00Z, so grant periods, expiry and the uploader's
 * tagging window (24 h by default) are exact. R is uploaded at T0 − 1 h (window open) or T0 − 25 h (closed).
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { setAccessClock } from '../../src/modules/access/access.service.ts';
import type { Role } from '../../src/platform/auth/permissions.ts';
import { createTestApp, login, makeDepartment, makePerson, makeRecording, makeUser, type Session, type TestContext } from '../support/harness.ts';

const T0 = new Date('2026-06-01T02:00:00Z');
const H = 3600_000;
const D = 24 * H;
const at = (ms: number) => new Date(T0.getTime() + ms);
let now = T0;

let ctx: TestContext;

beforeAll(async () => {
  ctx = await createTestApp();
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
  personId: string | null;
  s: Session;
}

async function who(roles: Role[], departmentId: string | null, personId?: string): Promise<Who> {
  const person = personId ?? (departmentId ? (await makePerson(ctx.db, { departmentId })).id : null);
  const u = await makeUser(ctx.db, { roles, departmentId, personId: person });
  return { id: u.id, roles, personId: person, s: await login(ctx.app, u.username, u.password) };
}

/** A recording of department `departmentId` whose media are ready: video, `durationSec` long (null: not known). */
async function recording(departmentId: string, o: { uploadedBy: string; officer: string; uploadedAt: Date; durationSec?: number | null; caseNumber?: string }) {
  const id = await makeRecording(ctx.db, { departmentId, officerIds: [o.officer], uploadedBy: o.uploadedBy, recordedStart: at(-2 * D).toISOString(), uploadedAt: o.uploadedAt.toISOString() });
  const duration = o.durationSec === undefined ? 120 : o.durationSec;
  await sql`UPDATE media_info m SET state = ${duration === null ? 'pending' : 'ready'}, kind = ${duration === null ? null : 'video'}, duration_sec = ${duration}
    FROM recording r WHERE r.id = ${id} AND m.original_sha256 = r.original_sha256`.execute(ctx.db);
  if (o.caseNumber) await ctx.db.updateTable('recording').set({ case_number: o.caseNumber }).where('id', '=', id).execute();
  return id;
}

/** A note and a transcript segment already on R (fixtures, as rows: version 1 each, by `authorId`). */
async function seed(recordingId: string, authorId: string) {
  const out: { note: string; segment: string } = { note: '', segment: '' };
  for (const layer of ['note', 'transcript'] as const) {
    const a = await ctx.db.insertInto('annotation').values({ recording_id: recordingId, layer, created_by: authorId }).returning('id').executeTakeFirstOrThrow();
    await ctx.db
      .insertInto('annotation_version')
      .values({ annotation_id: a.id, version: 1, kind: layer === 'note' ? 'key_content' : null, speaker: null, start_ms: 10_000, end_ms: 20_000, body: '种子内容', author_id: authorId })
      .execute();
    out[layer === 'note' ? 'note' : 'segment'] = a.id;
  }
  return out;
}

async function world(o: { uploadedAgo?: number } = {}) {
  const X = await makeDepartment(ctx.db, { kind: 'bureau' });
  const A = await makeDepartment(ctx.db, { parentId: X.id });
  const B = await makeDepartment(ctx.db, { parentId: X.id });
  const U = await who(['officer'], A.id);
  const caseNumber = `案-${randomBytes(3).toString('hex')}`;
  const R = await recording(A.id, { uploadedBy: U.id, officer: U.personId!, uploadedAt: at(-(o.uploadedAgo ?? 25 * H)), caseNumber });
  const LA = await who(['leader'], A.id);
  const HA = await who(['leader'], A.id);
  await ctx.db.updateTable('department').set({ head_person_id: HA.personId }).where('id', '=', A.id).execute();
  const seeded = await seed(R, U.id);
  return { X, A, B, U, R, caseNumber, LA, HA, ...seeded };
}
type World = Awaited<ReturnType<typeof world>>;

type State = 'none' | 'pending' | 'live' | 'expired' | 'revoked' | 'viewOnly' | 'copy' | 'breakGlass' | 'ownWindow' | 'ownLate';

/** Puts `p` into a grant state for R, through the API as users would (policy rows changed for `viewOnly`). */
async function enter(state: State, p: Who, w: World, byQuery: boolean): Promise<void> {
  if (state === 'none' || state === 'ownLate' || state === 'ownWindow') return;
  if (state === 'viewOnly') {
    // An admin widened the policy: these roles see media in their metadata reach without a grant.
    await ctx.db.updateTable('media_access_policy').set({ without_grant: 'reach' }).where('role', 'in', p.roles).execute();
    return;
  }
  if (state === 'breakGlass') {
    const res = await p.s.request('POST', '/api/access-requests/break-glass', { recordingIds: [w.R], reason: '现场执法争议，须立即核看录像' });
    expect(res.statusCode, res.body).toBe(201);
    return;
  }
  const body = byQuery
    ? { query: { type: 'case', caseNumber: w.caseNumber }, departmentId: w.A.id }
    : { recordingIds: [w.R] };
  const ask = await p.s.request('POST', '/api/access-requests', { ...body, purpose: '整理案件材料', mode: state === 'copy' ? 'copy' : 'view', periodFrom: T0.toISOString(), periodUntil: at(2 * D).toISOString() });
  expect(ask.statusCode, ask.body).toBe(201);
  const req = ask.json() as { id: string; crossDepartment: boolean };
  if (state === 'pending') return;
  const approver = req.crossDepartment ? w.HA : w.LA;
  const ok = await approver.s.request('POST', `/api/access-requests/${req.id}/approve`, { periodUntil: at(1 * D).toISOString() });
  expect(ok.statusCode, ok.body).toBe(200);
  const grantId = (ok.json() as { grant: { id: string } }).grant.id;
  if (state === 'expired') now = at(1 * D);
  if (state === 'revoked') expect((await approver.s.request('POST', `/api/access-grants/${grantId}/revoke`, { reason: '案件已办结' })).statusCode).toBe(200);
}

const DEFAULT_POLICY = { officer: 'own_recent', custodian: 'own_recent', leader: 'none', supervisor: 'none', admin: 'none', auditor: 'none' } as const;
async function restorePolicy() {
  for (const [role, v] of Object.entries(DEFAULT_POLICY)) await ctx.db.updateTable('media_access_policy').set({ without_grant: v }).where('role', '=', role).execute();
}

/**
 * The matrix: principal × state → [GET list, POST note, PUT note, POST transcript segment, PUT segment]. Written
 * out by hand. Reading follows seeing the media; writing needs a live grant (view, copy, break-glass) or the
 * uploader's tagging window; a role that sees media only through a widened policy reads but may not write (403);
 * everything else is 404, as for a recording that does not exist.
 */
type Cell = [number, number, number, number, number];
const READ_WRITE: Cell = [200, 201, 200, 201, 200];
const HIDDEN: Cell = [404, 404, 404, 404, 404];
const READ_ONLY: Cell = [200, 403, 403, 403, 403];
// prettier-ignore
const MATRIX: Record<string, { roles: Role[] | 'uploader'; dept: 'A' | 'B' | 'X'; byQuery?: boolean; uploadedAgo?: number; cells: Partial<Record<State, Cell>> }> = {
  'officer of A':   { roles: ['officer'], dept: 'A', cells: { none: HIDDEN, pending: HIDDEN, live: READ_WRITE, expired: HIDDEN, revoked: HIDDEN, viewOnly: READ_ONLY, copy: READ_WRITE, breakGlass: READ_WRITE } },
  // Cross-department: asks by query, A's head decides; no break-glass on what one cannot read.
  'officer of B':   { roles: ['officer'], dept: 'B', byQuery: true, cells: { none: HIDDEN, pending: HIDDEN, live: READ_WRITE, expired: HIDDEN, revoked: HIDDEN, copy: READ_WRITE } },
  'custodian of A': { roles: ['custodian'], dept: 'A', cells: { none: HIDDEN, pending: HIDDEN, live: READ_WRITE, expired: HIDDEN, revoked: HIDDEN, copy: READ_WRITE, breakGlass: READ_WRITE } },
  'leader of A':    { roles: ['leader'], dept: 'A', cells: { none: HIDDEN, pending: HIDDEN, live: READ_WRITE, expired: HIDDEN, revoked: HIDDEN, viewOnly: READ_ONLY, copy: READ_WRITE, breakGlass: READ_WRITE } },
  // 法制督察 (legal supervision): under a grant it may write a transcript for a court, like anyone viewing.
  'supervisor':     { roles: ['supervisor'], dept: 'X', cells: { none: HIDDEN, pending: HIDDEN, live: READ_WRITE, expired: HIDDEN, revoked: HIDDEN, viewOnly: READ_ONLY, copy: READ_WRITE, breakGlass: READ_WRITE } },
  // Auditors and admins never hold grants (they may not ask): nothing, unless an admin widened their policy.
  'auditor':        { roles: ['auditor'], dept: 'X', cells: { none: HIDDEN, viewOnly: READ_ONLY } },
  'admin':          { roles: ['admin'], dept: 'X', cells: { none: HIDDEN, viewOnly: READ_ONLY } },
  // The uploading officer (also R's recording officer) while tagging: 24 h after upload, then like anyone.
  'uploader, 1 h after upload':  { roles: 'uploader', dept: 'A', uploadedAgo: 1 * H, cells: { ownWindow: READ_WRITE, live: READ_WRITE } },
  'uploader, 25 h after upload': { roles: 'uploader', dept: 'A', uploadedAgo: 25 * H, cells: { ownLate: HIDDEN, pending: HIDDEN, live: READ_WRITE, revoked: HIDDEN } },
};

async function versionRows() {
  return Number((await sql<{ n: string }>`SELECT count(*) AS n FROM annotation_version`.execute(ctx.db)).rows[0]!.n);
}

async function probe(p: Who, w: World): Promise<Cell> {
  const list = await p.s.request('GET', `/api/recordings/${w.R}/annotations`);
  const addNote = await p.s.request('POST', `/api/recordings/${w.R}/annotations`, { layer: 'note', kind: 'key_content', startSec: 3, endSec: 8.5, text: '当事人承认违法事实' });
  const editNote = await p.s.request('PUT', `/api/annotations/${w.note}`, { version: 1, kind: 'note', startSec: 11, endSec: 21, text: '修改后的说明' });
  const addSeg = await p.s.request('POST', `/api/recordings/${w.R}/annotations`, { layer: 'transcript', speaker: '执法人员', startSec: 0, endSec: 4, text: '我们是市商务局执法人员，现在开始录像。' });
  const editSeg = await p.s.request('PUT', `/api/annotations/${w.segment}`, { version: 1, speaker: '当事人', startSec: 10, endSec: 19.25, text: '我知道了。' });
  const cell: Cell = [list.statusCode, addNote.statusCode, editNote.statusCode, addSeg.statusCode, editSeg.statusCode];
  // A refused read shows nothing of the recording's annotations.
  if (list.statusCode !== 200) expect(list.body).not.toContain('种子内容');
  return cell;
}

describe('authorisation matrix: principal × grant state → list, add/edit note, add/edit transcript segment', () => {
  for (const [name, row] of Object.entries(MATRIX)) {
    test(name, async () => {
      const wrong: string[] = [];
      for (const [state, expected] of Object.entries(row.cells) as [State, Cell][]) {
        now = T0;
        const w = await world({ uploadedAgo: row.uploadedAgo });
        const p = row.roles === 'uploader' ? w.U : await who(row.roles, w[row.dept].id);
        try {
          await enter(state, p, w, row.byQuery ?? false);
          const before = await versionRows();
          const actual = await probe(p, w);
          if (JSON.stringify(actual) !== JSON.stringify(expected)) wrong.push(`${name} · ${state}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
          // Refused writes write nothing; allowed ones one version each.
          const written = actual.slice(1).filter((s) => s === 200 || s === 201).length;
          if ((await versionRows()) !== before + written) wrong.push(`${name} · ${state}: ${(await versionRows()) - before} versions written, expected ${written}`);
          // Reading is audited (once), refused reads are not.
          const views = Number((await sql<{ n: string }>`SELECT count(*) AS n FROM audit_event WHERE actor_id = ${p.id} AND action = 'recording.annotations.view'`.execute(ctx.db)).rows[0]!.n);
          if (views !== (actual[0] === 200 ? 1 : 0)) wrong.push(`${name} · ${state}: ${views} view events`);
        } finally {
          if (state === 'viewOnly') await restorePolicy();
        }
      }
      expect(wrong).toEqual([]);
    }, 240_000); // up to ten worlds per row: generous for a loaded 2-core CI machine
  }
});

describe('versioning: edits and deletions append; the history is complete; the database refuses changes', () => {
  test('create → edit → stale edit 409 → delete → edit after delete 409; list and history', async () => {
    const w = await world();
    const p = await who(['officer'], w.A.id);
    await enter('live', p, w, false);
    const created = await p.s.request('POST', `/api/recordings/${w.R}/annotations`, { layer: 'note', kind: 'key_content', startSec: 192, endSec: 340, text: '重点：当事人陈述经营情况' });
    // 192 s is beyond R's 120 s: refused.
    expect(created.statusCode).toBe(400);
    expect(created.json().code).toBe('ANNOTATION_BEYOND_DURATION');
    const c = await p.s.request('POST', `/api/recordings/${w.R}/annotations`, { layer: 'note', kind: 'key_content', startSec: 72, endSec: 100.5, text: '重点：当事人陈述经营情况' });
    expect(c.statusCode, c.body).toBe(201);
    const v1 = c.json() as { id: string; version: number; startSec: number; endSec: number; kind: string; text: string; createdBy: { id: string } };
    expect(v1).toMatchObject({ version: 1, startSec: 72, endSec: 100.5, kind: 'key_content', text: '重点：当事人陈述经营情况', deleted: false, layer: 'note', recordingId: w.R });

    const other = await who(['leader'], w.A.id);
    await enter('live', other, w, false);
    const e = await other.s.request('PUT', `/api/annotations/${v1.id}`, { version: 1, kind: 'note', startSec: 72, endSec: 101, text: '说明：陈述经营情况（已核对）' });
    expect(e.statusCode, e.body).toBe(200);
    expect(e.json()).toMatchObject({ version: 2, kind: 'note', endSec: 101, text: '说明：陈述经营情况（已核对）', createdBy: { id: p.id }, updatedBy: { id: other.id } });

    // The first writer edits from version 1 again: someone changed it meanwhile.
    const stale = await p.s.request('PUT', `/api/annotations/${v1.id}`, { version: 1, kind: 'key_content', startSec: 1, endSec: 2, text: '覆盖' });
    expect(stale.statusCode).toBe(409);
    expect(stale.json()).toMatchObject({ code: 'ANNOTATION_STALE' });
    expect(stale.json().message).toContain('第 2 版');

    // An edit that changes nothing writes nothing.
    const same = await other.s.request('PUT', `/api/annotations/${v1.id}`, { version: 2, kind: 'note', startSec: 72, endSec: 101, text: '说明：陈述经营情况（已核对）' });
    expect(same.statusCode).toBe(200);
    expect(same.json().version).toBe(2);

    const staleDelete = await p.s.request('DELETE', `/api/annotations/${v1.id}?version=1`);
    expect(staleDelete.statusCode).toBe(409);
    const del = await p.s.request('DELETE', `/api/annotations/${v1.id}?version=2`);
    expect(del.statusCode, del.body).toBe(200);
    expect(del.json()).toMatchObject({ version: 3, deleted: true, text: '说明：陈述经营情况（已核对）' });
    const after = await p.s.request('PUT', `/api/annotations/${v1.id}`, { version: 3, kind: 'note', startSec: 1, endSec: 2, text: '复活' });
    expect(after.statusCode).toBe(409);
    expect(after.json().code).toBe('ANNOTATION_DELETED');

    // The list shows current versions; a deleted entry only when asked for.
    const list = (await p.s.request('GET', `/api/recordings/${w.R}/annotations?layer=note`)).json() as { items: { id: string }[]; mayWrite: boolean; durationSec: number };
    expect(list.items.map((i) => i.id)).toEqual([w.note]);
    expect(list).toMatchObject({ mayWrite: true, durationSec: 120 });
    const withDeleted = (await p.s.request('GET', `/api/recordings/${w.R}/annotations?layer=note&includeDeleted=true`)).json() as { items: { id: string; deleted: boolean }[] };
    expect(withDeleted.items.find((i) => i.id === v1.id)).toMatchObject({ deleted: true });

    // The history: every version, who, when, what.
    const h = await p.s.request('GET', `/api/annotations/${v1.id}/versions`);
    expect(h.statusCode).toBe(200);
    const hist = h.json() as { versions: { version: number; author: { id: string }; text: string; deleted: boolean; kind: string; startSec: number; endSec: number; at: string }[]; createdBy: { id: string } };
    expect(hist.createdBy.id).toBe(p.id);
    expect(hist.versions.map((v) => [v.version, v.author.id, v.kind, v.startSec, v.endSec, v.text, v.deleted])).toEqual([
      [1, p.id, 'key_content', 72, 100.5, '重点：当事人陈述经营情况', false],
      [2, other.id, 'note', 72, 101, '说明：陈述经营情况（已核对）', false],
      [3, p.id, 'note', 72, 101, '说明：陈述经营情况（已核对）', true],
    ]);
    for (const v of hist.versions) expect(Date.parse(v.at)).not.toBeNaN();
    // Whoever may not see R's media does not see the history either.
    const stranger = await who(['officer'], w.B.id);
    expect((await stranger.s.request('GET', `/api/annotations/${v1.id}/versions`)).statusCode).toBe(404);
    expect((await stranger.s.request('DELETE', `/api/annotations/${v1.id}?version=3`)).statusCode).toBe(404);
  });

  test('two edits of the same version at once: one wins, the other is told (409); nothing is lost', async () => {
    const w = await world();
    const p = await who(['officer'], w.A.id);
    const q = await who(['custodian'], w.A.id);
    await enter('live', p, w, false);
    await enter('live', q, w, false);
    const [a, b] = await Promise.all([
      p.s.request('PUT', `/api/annotations/${w.segment}`, { version: 1, startSec: 10, endSec: 20, text: '甲的修改' }),
      q.s.request('PUT', `/api/annotations/${w.segment}`, { version: 1, startSec: 10, endSec: 20, text: '乙的修改' }),
    ]);
    expect([a.statusCode, b.statusCode].sort()).toEqual([200, 409]);
    const loser = a.statusCode === 409 ? a : b;
    expect(loser.json().code).toBe('ANNOTATION_STALE');
    const versions = await ctx.db.selectFrom('annotation_version').select(['version', 'body']).where('annotation_id', '=', w.segment).orderBy('version').execute();
    expect(versions.map((v) => v.version)).toEqual([1, 2]);
    // One audit event for the one version written.
    const events = await sql<{ n: string }>`SELECT count(*) AS n FROM audit_event WHERE action = 'recording.transcript.update' AND details->>'annotationId' = ${w.segment}`.execute(ctx.db);
    expect(Number(events.rows[0]!.n)).toBe(1);
  });

  test('the serving role cannot UPDATE or DELETE a version or an annotation; the owner is refused by trigger too', async () => {
    const w = await world();
    const attempts = [
      sql`UPDATE annotation_version SET body = '篡改' WHERE annotation_id = ${w.note}`,
      sql`DELETE FROM annotation_version WHERE annotation_id = ${w.note}`,
      sql`UPDATE annotation SET recording_id = recording_id WHERE id = ${w.note}`,
      sql`DELETE FROM annotation WHERE id = ${w.note}`,
    ];
    for (const q of attempts) {
      await expect(q.execute(ctx.db)).rejects.toThrow(/permission denied|QUANLU_APPEND_ONLY/);
      await expect(q.execute(ctx.ownerDb)).rejects.toThrow(/QUANLU_APPEND_ONLY/);
    }
    await expect(sql`TRUNCATE annotation_version`.execute(ctx.ownerDb)).rejects.toThrow(/QUANLU_APPEND_ONLY|cannot truncate/);
    // Versions follow one another: no gap, nothing after a deletion, notes have a kind — even for the owner.
    const skip = sql`INSERT INTO annotation_version (annotation_id, version, kind, start_ms, end_ms, body, author_id) VALUES (${w.note}, 3, 'note', 0, 1000, '跳号', ${w.U.id})`;
    await expect(skip.execute(ctx.ownerDb)).rejects.toThrow(/QUANLU_ANNOTATION_SEQUENCE/);
    const kindless = sql`INSERT INTO annotation_version (annotation_id, version, kind, start_ms, end_ms, body, author_id) VALUES (${w.note}, 2, NULL, 0, 1000, '无类型', ${w.U.id})`;
    await expect(kindless.execute(ctx.db)).rejects.toThrow(/QUANLU_ANNOTATION_KIND/);
    const body = await ctx.db.selectFrom('annotation_version').select('body').where('annotation_id', '=', w.note).execute();
    expect(body).toEqual([{ body: '种子内容' }]);
  });
});

describe('audit: every write one event in its transaction, every read one event', () => {
  test('create, edit, delete of a note and a segment; list and history reads', async () => {
    const w = await world();
    const p = await who(['officer'], w.A.id);
    await enter('live', p, w, false);
    const seqBefore = (await sql<{ seq: string }>`SELECT max(seq) AS seq FROM audit_event`.execute(ctx.db)).rows[0]!.seq;
    const n = (await p.s.request('POST', `/api/recordings/${w.R}/annotations`, { layer: 'note', kind: 'note', startSec: 1, endSec: 2, text: '机密说明文字' })).json() as { id: string };
    await p.s.request('PUT', `/api/annotations/${n.id}`, { version: 1, kind: 'note', startSec: 1, endSec: 3, text: '机密说明文字（改）' });
    await p.s.request('DELETE', `/api/annotations/${n.id}?version=2`);
    const s = (await p.s.request('POST', `/api/recordings/${w.R}/annotations`, { layer: 'transcript', startSec: 5, endSec: 6, text: '你好' })).json() as { id: string };
    await p.s.request('PUT', `/api/annotations/${s.id}`, { version: 1, speaker: '当事人', startSec: 5, endSec: 6, text: '你好。' });
    await p.s.request('DELETE', `/api/annotations/${s.id}?version=2`);
    // Refused writes add no event.
    await p.s.request('PUT', `/api/annotations/${s.id}`, { version: 1, startSec: 5, endSec: 6, text: '旧版' });
    await p.s.request('POST', `/api/recordings/${w.R}/annotations`, { layer: 'note', kind: 'note', startSec: 1, endSec: 999, text: '超长' });
    // Reads: one event per list (whatever its length), one per history.
    await p.s.request('GET', `/api/recordings/${w.R}/annotations`);
    await p.s.request('GET', `/api/annotations/${n.id}/versions`);
    const events = (
      await sql<{ action: string; target_type: string; target_id: string; actor_id: string; details: Record<string, unknown> }>`
        SELECT action, target_type, target_id, actor_id, details FROM audit_event WHERE seq > ${seqBefore} AND actor_id = ${p.id} ORDER BY seq`.execute(ctx.db)
    ).rows;
    expect(events.map((e) => [e.action, e.details.version ?? null, e.details.annotationId ?? null])).toEqual([
      ['recording.annotation.create', 1, n.id],
      ['recording.annotation.update', 2, n.id],
      ['recording.annotation.delete', 3, n.id],
      ['recording.transcript.create', 1, s.id],
      ['recording.transcript.update', 2, s.id],
      ['recording.transcript.delete', 3, s.id],
      ['recording.annotations.view', null, null],
      ['recording.annotation.history.view', null, n.id],
    ]);
    for (const e of events) expect([e.target_type, e.target_id]).toEqual(['recording', w.R]);
    // The list read counts what it showed: the seeded note and segment (the new ones are deleted).
    expect(events[6]!.details).toMatchObject({ layer: 'all', notes: 1, transcriptSegments: 1 });
    expect(events[1]!.details).toMatchObject({ startSec: 1, endSec: 3, previousVersion: 1, textLength: '机密说明文字（改）'.length });
    expect(events[1]!.details.textSha256).toMatch(/^[0-9a-f]{64}$/);
    // The audit log (read by auditors, who may not see the content) holds no annotation text.
    expect(JSON.stringify(events)).not.toContain('机密');
  });
});

describe('bad input: a clear 4xx in both languages, nothing written', () => {
  const long = 'x'.repeat(4001);
  // prettier-ignore
  const CASES: [string, 'POST' | 'PUT' | 'DELETE', string, unknown, number, string][] = [
    // label,                    method, url (R, N = seeded note, S = seeded segment), body,                                                     status, code
    ['end equals start',          'POST', '/api/recordings/R/annotations', { layer: 'note', kind: 'note', startSec: 5, endSec: 5, text: '说明' },       400, 'VALIDATION_FAILED'],
    ['end before start',          'POST', '/api/recordings/R/annotations', { layer: 'note', kind: 'note', startSec: 9, endSec: 5, text: '说明' },       400, 'VALIDATION_FAILED'],
    ['same millisecond',          'POST', '/api/recordings/R/annotations', { layer: 'note', kind: 'note', startSec: 5.0001, endSec: 5.0004, text: '说明' }, 400, 'VALIDATION_FAILED'],
    ['beyond the duration',       'POST', '/api/recordings/R/annotations', { layer: 'note', kind: 'note', startSec: 100, endSec: 120.001, text: '说明' }, 400, 'ANNOTATION_BEYOND_DURATION'],
    ['negative start',            'POST', '/api/recordings/R/annotations', { layer: 'note', kind: 'note', startSec: -1, endSec: 5, text: '说明' },      400, 'VALIDATION_FAILED'],
    ['time as text',              'POST', '/api/recordings/R/annotations', { layer: 'note', kind: 'note', startSec: '3', endSec: 5, text: '说明' },     400, 'VALIDATION_FAILED'],
    ['empty text',                'POST', '/api/recordings/R/annotations', { layer: 'note', kind: 'note', startSec: 1, endSec: 5, text: '' },         400, 'VALIDATION_FAILED'],
    ['blank text',                'POST', '/api/recordings/R/annotations', { layer: 'transcript', startSec: 1, endSec: 5, text: '  \n ' },          400, 'VALIDATION_FAILED'],
    ['over-long text',            'POST', '/api/recordings/R/annotations', { layer: 'transcript', startSec: 1, endSec: 5, text: long },             400, 'VALIDATION_FAILED'],
    ['over-long speaker',         'POST', '/api/recordings/R/annotations', { layer: 'transcript', speaker: '人'.repeat(101), startSec: 1, endSec: 5, text: '你好' }, 400, 'VALIDATION_FAILED'],
    ['note without kind',         'POST', '/api/recordings/R/annotations', { layer: 'note', startSec: 1, endSec: 5, text: '说明' },                 400, 'VALIDATION_FAILED'],
    ['segment with a kind',       'POST', '/api/recordings/R/annotations', { layer: 'transcript', kind: 'note', startSec: 1, endSec: 5, text: '你好' }, 400, 'VALIDATION_FAILED'],
    ['unknown layer',             'POST', '/api/recordings/R/annotations', { layer: 'summary', startSec: 1, endSec: 5, text: '说明' },              400, 'VALIDATION_FAILED'],
    ['unknown field',             'POST', '/api/recordings/R/annotations', { layer: 'note', kind: 'note', startSec: 1, endSec: 5, text: '说明', author: 'x' }, 400, 'VALIDATION_FAILED'],
    ['unknown recording',         'POST', '/api/recordings/00000000-0000-4000-8000-000000000000/annotations', { layer: 'note', kind: 'note', startSec: 1, endSec: 5, text: '说明' }, 404, 'NOT_FOUND'],
    ['malformed recording id',    'POST', '/api/recordings/nope/annotations', { layer: 'note', kind: 'note', startSec: 1, endSec: 5, text: '说明' },  400, 'VALIDATION_FAILED'],
    ['duration not known',        'POST', '/api/recordings/P/annotations', { layer: 'note', kind: 'note', startSec: 1, endSec: 5, text: '说明' },       409, 'ANNOTATION_NO_DURATION'],
    ['edit: stale version',       'PUT',  '/api/annotations/N', { version: 2, kind: 'note', startSec: 1, endSec: 5, text: '说明' },                   409, 'ANNOTATION_STALE'],
    ['edit: no version',          'PUT',  '/api/annotations/N', { kind: 'note', startSec: 1, endSec: 5, text: '说明' },                               400, 'VALIDATION_FAILED'],
    ['edit: note loses its kind', 'PUT',  '/api/annotations/N', { version: 1, startSec: 1, endSec: 5, text: '说明' },                                 400, 'VALIDATION_FAILED'],
    ['edit: segment gets a kind', 'PUT',  '/api/annotations/S', { version: 1, kind: 'key_content', startSec: 1, endSec: 5, text: '你好' },            400, 'VALIDATION_FAILED'],
    ['edit: beyond the duration', 'PUT',  '/api/annotations/S', { version: 1, startSec: 1, endSec: 121, text: '你好' },                               400, 'ANNOTATION_BEYOND_DURATION'],
    ['edit: end before start',    'PUT',  '/api/annotations/S', { version: 1, startSec: 9, endSec: 1, text: '你好' },                                 400, 'VALIDATION_FAILED'],
    ['edit: unknown annotation',  'PUT',  '/api/annotations/00000000-0000-4000-8000-000000000000', { version: 1, startSec: 1, endSec: 5, text: '你好' }, 404, 'NOT_FOUND'],
    ['delete: no version',        'DELETE', '/api/annotations/N', undefined,                                                                         400, 'VALIDATION_FAILED'],
    ['delete: stale version',     'DELETE', '/api/annotations/N?version=7', undefined,                                                               409, 'ANNOTATION_STALE'],
  ];

  test.each(CASES)('%s → %s', async (_label, method, url, body, status, code) => {
    const w = await world();
    const p = await who(['officer'], w.A.id);
    const P = await recording(w.A.id, { uploadedBy: w.U.id, officer: w.U.personId!, uploadedAt: at(-25 * H), durationSec: null, caseNumber: w.caseNumber });
    await enter('live', p, w, true);
    const real = url.replace('/R/', `/${w.R}/`).replace('/P/', `/${P}/`).replace(/\/N(\?|$)/, `/${w.note}$1`).replace(/\/S$/, `/${w.segment}`);
    const versions = await versionRows();
    const events = Number((await sql<{ n: string }>`SELECT count(*) AS n FROM audit_event`.execute(ctx.db)).rows[0]!.n);
    const zh = await p.s.request(method, real, body);
    expect(zh.statusCode, zh.body).toBe(status);
    expect(zh.json().code).toBe(code);
    expect(zh.json().message).toMatch(/[\u4e00-\u9fff]/);
    const en = await p.s.request(method, real, body, { 'accept-language': 'en' });
    expect(en.statusCode).toBe(status);
    expect(en.json().message).toMatch(/^[A-Z]/);
    expect(en.json().message).not.toMatch(/[\u4e00-\u9fff]/);
    // Nothing written: no version, no audit event.
    expect(await versionRows()).toBe(versions);
    expect(Number((await sql<{ n: string }>`SELECT count(*) AS n FROM audit_event`.execute(ctx.db)).rows[0]!.n)).toBe(events);
  });
});
