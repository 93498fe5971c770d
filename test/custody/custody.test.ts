import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { jobCatalog } from '../../src/app/jobs.ts';
import { startJobRunner } from '../../src/platform/jobs/runner.ts';
import { setCustodyClock } from '../../src/modules/custody/custody.service.ts';
import { repoRoot } from '../support/cli.ts';
import { createTestApp, listenAsUploader, login, makeDepartment, makePerson, makeUser, type Session, type TestContext } from '../support/harness.ts';
import { makeClip } from '../support/media-fixtures.ts';
import { tusUpload } from '../support/tus-client.ts';

/**
 * Issue 8 §7 (chain of custody, 保管链): a recording taken through ingest, processing, a fixity check, a request +
 * approval, a list page, a denied request, a playback session with a seek, a copy, a time correction, a
 * break-glass with its review and a revocation.
 * Its custody report lists exactly the audit events about it, with the chain's own sequence numbers (compared
 * with rows read from audit_event directly); who may read it is a literal table; the PDF, read back with
 * pdftotext, lists the same events and sequence numbers in Chinese.
 */

const run = promisify(execFile);
let ctx: TestContext;
let recordingId: string;
let otherRecordingId: string;
let departmentId: string;
let uploaderToken: Record<string, string>;
let sha256: string;
let grantId: string;
let leaderPersonId: string;
let requester: { session: Session; id: string };
let leader: Session;
let auditor: Session;
/** Ids an event about the recording can name: the recording, its original, its upload, requests, grants, runs. */
const related = new Set<string>();

interface Report {
  recording: { id: string; fileName: string; officers: { name: string; staffNumber: string }[] };
  original: { sha256: string; sm3: string; sizeBytes: number };
  ingest: { seq: string; sha256: string; sm3: string } | null;
  derived: { kind: string; sha256: string }[];
  fixityChecks: { object: string; result: string; proofSeq: string | null }[];
  readEvent: { seq: string; hash: string };
  installationKey: { keyId: string; fingerprint: string };
  events: { seq: string; at: string; atBeijing: string; action: string; actor: { name: string; staffNumber: string | null }; title: { zh: string; en: string }; detail: { zh: string }; hash: string }[];
  nextCursor: string | null;
}

const EXPECTED_ACTIONS = [
  'upload.create',
  'recording.create',
  'media.processed',
  'fixity.pass',
  'access.request.create',
  'access.request.approve',
  'recording.thumbnails.view',
  'access.request.create',
  'access.request.deny',
  'recording.playback.start',
  'recording.playback.seek',
  'recording.playback.end',
  'recording.copy',
  'recording.update',
  'access.breakglass.open',
  'access.breakglass.review',
  'access.grant.revoke',
  'case.link',
  'recording.custody.read',
];

/** The oracle: every audit event whose target or details name one of the related ids, read straight from the table. */
async function chainEventsAbout(uptoSeq: string) {
  const rows = await sql<{ seq: string; action: string; hash: Buffer; text: string }>`
    SELECT seq::text AS seq, action, hash, coalesce(target_id, '') || ' ' || details::text AS text FROM audit_event WHERE seq <= ${uptoSeq} ORDER BY audit_event.seq`.execute(ctx.db);
  return rows.rows.filter((r) => [...related].some((id) => r.text.includes(id)));
}

beforeAll(async () => {
  ctx = await createTestApp();
  const up = await listenAsUploader(ctx);
  uploaderToken = up.headers;
  const meta = JSON.parse(up.meta) as { departmentId: string; officerIds: string[] };
  departmentId = meta.departmentId;
  const base = up.base;
  // 1. Ingest over tus, then the media job (proxy + thumbnail).
  const clip = await makeClip(path.join(ctx.dataDir, 'DSJ0000001_000123_20261127080000_0001.mp4'), { seconds: 2, size: '320x240' });
  const metadata = JSON.stringify({ ...meta, deviceNumber: 'DSJ0000001' });
  const r = await tusUpload(base, clip, { filename: path.basename(clip), metadata }, up.headers);
  expect(r.ok, r.body).toBe(true);
  recordingId = r.headers['X-Recording-Id']!;
  sha256 = r.headers['X-Content-SHA256']!;
  const uploadId = (await sql<{ id: string }>`SELECT id FROM upload WHERE recording_id = ${recordingId}`.execute(ctx.db)).rows[0]!.id;
  const worker = await startJobRunner(ctx.deps, jobCatalog, { background: false });
  expect(await worker.drain()).toBe(1);
  await worker.stop();
  for (const id of [recordingId, sha256, uploadId]) related.add(id);
  // Another recording of the department, never shown in this one's report.
  const clip2 = await makeClip(path.join(ctx.dataDir, 'other.mp4'), { seconds: 1 });
  const r2 = await tusUpload(base, clip2, { filename: 'other.mp4', metadata: up.meta }, up.headers);
  otherRecordingId = r2.headers['X-Recording-Id']!;

  leaderPersonId = (await makePerson(ctx.db, { departmentId, name: '李领导' })).id;
  const leaderUser = await makeUser(ctx.db, { roles: ['leader'], departmentId, personId: leaderPersonId });
  leader = await login(ctx.app, leaderUser.username, leaderUser.password);
  const auditorUser = await makeUser(ctx.db, { roles: ['auditor'] });
  auditor = await login(ctx.app, auditorUser.username, auditorUser.password);
  const admin = await makeUser(ctx.db, { roles: ['admin'] });
  const adminSession = await login(ctx.app, admin.username, admin.password);
  const requesterPerson = await makePerson(ctx.db, { departmentId, name: '王调阅' });
  const requesterUser = await makeUser(ctx.db, { roles: ['officer'], departmentId, personId: requesterPerson.id });
  requester = { session: await login(ctx.app, requesterUser.username, requesterUser.password), id: requesterUser.id };

  // 2. A fixity check of the recording's files (original, proxy, thumbnail).
  const fx = await adminSession.request('POST', '/api/fixity/runs', { recordingId });
  expect(fx.statusCode, fx.body).toBe(200);
  related.add((fx.json() as { id: string }).id);

  // 3. A request for view + copy, approved by the leader; another user's request, denied.
  const period = { periodFrom: new Date(Date.now() - 60_000).toISOString(), periodUntil: new Date(Date.now() + 3600_000).toISOString() };
  const req1 = await requester.session.request('POST', '/api/access-requests', { recordingIds: [recordingId], purpose: '复核现场执法过程', mode: 'copy', ...period });
  expect(req1.statusCode, req1.body).toBe(201);
  const requestId = (req1.json() as { id: string }).id;
  const ok = await leader.request('POST', `/api/access-requests/${requestId}/approve`, {});
  expect(ok.statusCode, ok.body).toBe(200);
  grantId = (ok.json() as { grant: { id: string } }).grant.id;
  related.add(requestId).add(grantId);
  // A list page under the grant: one event for the page (the other recording has no thumbnail to show).
  const ticket = await requester.session.request('POST', '/api/recordings/thumbnail-tickets', { recordingIds: [recordingId, otherRecordingId] });
  expect(ticket.statusCode, ticket.body).toBe(201);
  expect((ticket.json() as { recordingIds: string[] }).recordingIds).toEqual([recordingId]);
  const second = await makeUser(ctx.db, { roles: ['officer'], departmentId, personId: (await makePerson(ctx.db, { departmentId })).id });
  const secondSession = await login(ctx.app, second.username, second.password);
  const req2 = await secondSession.request('POST', '/api/access-requests', { recordingIds: [recordingId], purpose: '无关用途申请', mode: 'view', ...period });
  expect(req2.statusCode, req2.body).toBe(201);
  const req2Id = (req2.json() as { id: string }).id;
  expect((await leader.request('POST', `/api/access-requests/${req2Id}/deny`, { reason: '与案件无关' })).statusCode).toBe(200);
  related.add(req2Id);

  // 4. Playback: start, read from the start, a seek, end.
  const s = await requester.session.request('POST', `/api/recordings/${recordingId}/playback-sessions`);
  expect(s.statusCode, s.body).toBe(201);
  const { proxyUrl, sessionId, sizeBytes } = s.json() as { proxyUrl: string; sessionId: string; sizeBytes: number };
  expect((await requester.session.request('GET', proxyUrl, undefined, { range: 'bytes=0-999' })).statusCode).toBe(206);
  expect((await requester.session.request('GET', proxyUrl, undefined, { range: `bytes=${sizeBytes - 500}-` })).statusCode).toBe(206);
  expect((await requester.session.request('POST', `/api/playback-sessions/${sessionId}/end`)).statusCode).toBe(204);

  // 5. A copy of the original (signed receipt).
  const copy = await requester.session.request('POST', `/api/recordings/${recordingId}/copies`, { kind: 'original' });
  expect(copy.statusCode, copy.body).toBe(201);

  // 6. The uploader corrects the recording's start time (a metadata edit with a reason).
  const edit = await ctx.app.inject({
    method: 'PATCH',
    url: `/api/recordings/${recordingId}`,
    headers: { ...uploaderToken, 'content-type': 'application/json' },
    payload: { recordedStart: '2026-11-27T00:00:05Z', reason: '设备时钟快 5 秒' },
  });
  expect(edit.statusCode, edit.body).toBe(200);

  // 7. Break-glass by another officer, signed off by the leader; the leader then revokes the copy grant.
  const bg = await secondSession.request('POST', '/api/access-requests/break-glass', { recordingIds: [recordingId], reason: '当事人现场投诉，需立即核查' });
  expect(bg.statusCode, bg.body).toBe(201);
  const bgGrant = (bg.json() as { id: string; grant: { id: string } });
  related.add(bgGrant.id).add(bgGrant.grant.id);
  expect((await leader.request('POST', `/api/access-grants/${bgGrant.grant.id}/review`, { outcome: 'signed_off', note: '情况属实' })).statusCode).toBe(200);
  expect((await leader.request('POST', `/api/access-grants/${grantId}/revoke`, { reason: '复核完毕' })).statusCode).toBe(200);

  // 8. The leader files a case and links the recording to it (case.link names the recording in its details).
  const filed = await leader.request('POST', '/api/cases', {
    caseNumber: `冀商罚〔2026〕${Date.now() % 100000}号`,
    cause: '未按规定备案经营单用途商业预付卡',
    actKind: 'penalty',
    procedure: 'general',
    departmentId,
    officers: [{ personId: meta.officerIds[0] }, { personId: leaderPersonId }],
    parties: [{ kind: 'person', name: '王某某', idType: 'resident_id', idNumber: '110101199003071234', address: '石家庄市长安区' }],
  });
  expect(filed.statusCode, filed.body).toBe(201);
  const caseId = (filed.json() as { id: string }).id;
  const link = await leader.request('POST', `/api/cases/${caseId}/links`, { recordingId, stage: 'investigation' });
  expect(link.statusCode, link.body).toBe(201);
  // The oracle knows the link by its id (the case's other events do not name the recording).
  related.add((link.json() as { id: string }).id);
}, 180_000);

afterAll(() => ctx?.close());

async function readAll(session: Session, id = recordingId, limit?: number): Promise<Report> {
  const first = await session.request('GET', `/api/recordings/${id}/custody${limit ? `?limit=${limit}` : ''}`);
  expect(first.statusCode, first.body).toBe(200);
  const report = first.json() as Report;
  let cursor = report.nextCursor;
  while (cursor) {
    const next = await session.request('GET', `/api/recordings/${id}/custody?limit=${limit}&cursor=${encodeURIComponent(cursor)}`);
    expect(next.statusCode, next.body).toBe(200);
    const page = next.json() as Report;
    report.events.push(...page.events);
    cursor = page.nextCursor;
  }
  return report;
}

describe('the custody report', () => {
  test('lists exactly the audit events about the recording, with the chain’s sequence numbers and hashes', async () => {
    const report = await readAll(leader);
    expect(report.events.map((e) => e.action)).toEqual(EXPECTED_ACTIONS);
    const chain = await chainEventsAbout(report.readEvent.seq);
    expect(report.events.map((e) => e.seq)).toEqual(chain.map((r) => r.seq));
    expect(report.events.map((e) => e.hash)).toEqual(chain.map((r) => r.hash.toString('hex')));
    // The last event is this very read, by the leader.
    expect(report.events.at(-1)).toMatchObject({ seq: report.readEvent.seq, action: 'recording.custody.read', actor: { name: '李领导' } });
    // Hashes at ingest, as the chain recorded them, are the original's.
    expect(report.ingest).toMatchObject({ sha256, sm3: report.original.sm3 });
    expect(report.events.find((e) => e.action === 'recording.create')!.seq).toBe(report.ingest!.seq);
    // Each fixity check of the three files, proven by the pass event.
    const pass = report.events.find((e) => e.action === 'fixity.pass')!;
    expect(report.fixityChecks.map((c) => [c.object, c.result, c.proofSeq]).sort()).toEqual([
      ['original', 'ok', pass.seq],
      ['proxy', 'ok', pass.seq],
      ['thumbnail', 'ok', pass.seq],
    ]);
    // Beijing time is UTC + 8.
    const e0 = report.events[0]!;
    expect(Date.parse(`${e0.atBeijing.replace(' ', 'T')}+08:00`)).toBe(Math.floor(Date.parse(e0.at) / 1000) * 1000);
    // Actors named by name and staff number; Chinese text for each event.
    const start = report.events.find((e) => e.action === 'recording.playback.start')!;
    expect(start.actor.name).toBe('王调阅');
    expect(start.actor.staffNumber).toMatch(/^S/);
    expect(start.title.zh).toBe('开始播放');
    expect(report.events.find((e) => e.action === 'recording.update')!.detail.zh).toContain('设备时钟快 5 秒');
    expect(report.events.find((e) => e.action === 'access.request.deny')!.detail.zh).toContain('与案件无关');
  });

  test('pages of the same report end at its read; each first page is one audited read', async () => {
    const countReads = async () => Number((await sql<{ n: string }>`SELECT count(*) AS n FROM audit_event WHERE action = 'recording.custody.read'`.execute(ctx.db)).rows[0]!.n);
    const before = await countReads();
    const paged = await readAll(auditor, recordingId, 4);
    expect(await countReads()).toBe(before + 1);
    expect(paged.events.map((e) => e.seq)).toEqual((await chainEventsAbout(paged.readEvent.seq)).map((r) => r.seq));
    // The other recording's report does not list this one's events.
    const other = await readAll(auditor, otherRecordingId);
    expect(other.events.map((e) => e.action)).toEqual(['upload.create', 'recording.create', 'recording.custody.read']);
    // A cursor belongs to its reader and recording.
    const first = (await auditor.request('GET', `/api/recordings/${recordingId}/custody?limit=2`)).json() as Report;
    expect((await leader.request('GET', `/api/recordings/${recordingId}/custody?limit=2&cursor=${first.nextCursor}`)).statusCode).toBe(400);
    expect((await auditor.request('GET', `/api/recordings/${otherRecordingId}/custody?limit=2&cursor=${first.nextCursor}`)).statusCode).toBe(400);
    // … and is served for an hour after the read it continues (then: open the report again, a new audited read).
    const next = `/api/recordings/${recordingId}/custody?limit=2&cursor=${first.nextCursor}`;
    try {
      setCustodyClock(() => new Date(Date.now() + 59 * 60_000));
      expect((await auditor.request('GET', next)).statusCode).toBe(200);
      setCustodyClock(() => new Date(Date.now() + 61 * 60_000));
      const late = await auditor.request('GET', next);
      expect(late.statusCode).toBe(409);
      expect(late.json().code).toBe('CUSTODY_CURSOR_EXPIRED');
    } finally {
      setCustodyClock(undefined);
    }
  });

  test('who may read it: role × scope → status (out of scope is 404, as unknown)', async () => {
    const otherDept = await makeDepartment(ctx.db);
    const as = async (roles: Parameters<typeof makeUser>[1]['roles'], dept: string | null) => {
      const u = await makeUser(ctx.db, { roles, departmentId: dept, personId: dept ? (await makePerson(ctx.db, { departmentId: dept })).id : null });
      return login(ctx.app, u.username, u.password);
    };
    const table: [string, () => Promise<Session | null>, number][] = [
      ['anonymous', async () => null, 401],
      ['officer of the department (even its uploader’s colleague)', () => as(['officer'], departmentId), 403],
      ['custodian of the department', () => as(['custodian'], departmentId), 200],
      ['custodian of another department', () => as(['custodian'], otherDept.id), 404],
      ['leader of the department', () => as(['leader'], departmentId), 200],
      ['leader of another department', () => as(['leader'], otherDept.id), 404],
      ['supervisor', () => as(['supervisor'], null), 200],
      ['admin', () => as(['admin'], null), 200],
      ['auditor', () => as(['auditor'], null), 200],
    ];
    for (const [who, make, status] of table) {
      const s = await make();
      for (const url of [`/api/recordings/${recordingId}/custody`, `/api/recordings/${recordingId}/custody.pdf`]) {
        const reads = async () => (s ? Number((await sql<{ n: string }>`SELECT count(*) AS n FROM audit_event WHERE actor_id = ${s.userId} AND action = 'recording.custody.read'`.execute(ctx.db)).rows[0]!.n) : 0);
        const before = await reads();
        const res = s ? await s.request('GET', url) : await ctx.app.inject({ method: 'GET', url });
        expect(res.statusCode, `${who} ${url}`).toBe(status);
        // Reading is audited; a refusal leaves no read behind and no report bytes.
        expect(await reads(), `${who} ${url}`).toBe(before + (status === 200 ? 1 : 0));
        if (status !== 200) expect(res.body).not.toContain(sha256);
      }
    }
    // The uploader's own API token: officers hold no custody permission.
    expect((await ctx.app.inject({ method: 'GET', url: `/api/recordings/${recordingId}/custody`, headers: uploaderToken })).statusCode).toBe(403);
    // Unknown recording: 404.
    expect((await auditor.request('GET', `/api/recordings/00000000-0000-4000-8000-000000000000/custody`)).statusCode).toBe(404);
  });

  test('the PDF, read back with pdftotext, lists the same events with the same sequence numbers, in Chinese', async () => {
    const res = await auditor.request('GET', `/api/recordings/${recordingId}/custody.pdf`);
    expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    // Kept in test-artifacts/ to look at (pdftoppm -png renders it).
    await mkdir(path.join(repoRoot, 'test-artifacts'), { recursive: true });
    const file = path.join(repoRoot, 'test-artifacts', 'custody-report.pdf');
    await writeFile(file, res.rawPayload);
    const { stdout: text } = await run('pdftotext', ['-layout', file, '-']);
    expect(text).toContain('音视频记录保管链报告');
    expect(text).toContain(sha256);
    expect(text).toMatch(/第\s*1\s*页/);
    // The PDF's read is the last event of the chain now; the report lists events up to it.
    const readSeq = (await sql<{ seq: string }>`SELECT max(seq)::text AS seq FROM audit_event WHERE action = 'recording.custody.read' AND actor_id = ${auditor.userId}`.execute(ctx.db)).rows[0]!.seq;
    const chain = await chainEventsAbout(readSeq);
    // Each event row starts with its sequence number and its Beijing time.
    const rowSeqs = [...text.matchAll(/^\s*(\d+)\s+(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})/gm)].map((m) => m[1]);
    expect(rowSeqs).toEqual(chain.map((r) => r.seq));
    for (const zh of ['开始上传', '入库', '完整性巡检', '调阅申请', '批准调阅', '拒绝调阅', '开始播放', '结束播放', '制作副本', '修改描述信息', '查阅保管链报告', '李领导', '王调阅']) {
      expect(text, zh).toContain(zh);
    }
    const { stdout: info } = await run('pdfinfo', [file]);
    expect(info).toMatch(/Title:\s+音视频记录保管链报告/);
  });
});
