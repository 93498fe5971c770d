/**
 * Requests for packages, copies, grants and playback of what an approved disposal destroyed (第十一条; issue 11
 * §5, issue 13 §5) are refused when they are made — 410 with the disposal's code — not later by the build job
 * or a failing stream; live ones go through. Out-of-reach recordings stay 404 (the 410 tells nothing to a
 * stranger). The disposals are real: proposed, approved by a second leader and executed as the daily job does.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { appendAuditEvent } from '../../src/platform/audit/audit-chain.ts';
import { executeDue } from '../../src/modules/retention/disposal.service.ts';
import { syncObjectStore } from '../../src/modules/retention/retention.service.ts';
import { createTestApp, login, makeUser, type Session, type TestContext } from '../support/harness.ts';
import { fileCase, generalCase, makeTeam } from '../cases/case-fixtures.ts';
import { makePdf, uploadDocument } from '../case-files/case-file-fixtures.ts';
import { grantAccess } from '../playback/playback-fixtures.ts';
import { storedRecording } from '../retention/disposal-fixtures.ts';
import { runBuilds } from './package-fixtures.ts';

let ctx: TestContext;
let team: Awaited<ReturnType<typeof makeTeam>>;
let leaderB: Session;
let stranger: Session;
const ids = { disposedRecording: '', liveRecording: '', disposedCase: '', liveCase: '', disposedCaseRecording: '' };
let builtBeforeDisposal = '';
const job = { actor: { kind: 'system' as const, label: 'job:retention.daily' }, label: 'job:retention.daily' };

beforeAll(async () => {
  ctx = await createTestApp();
  team = await makeTeam(ctx, { roles: ['leader'] });
  await ctx.db.updateTable('person').set({ certificate_exam_passed_on: '1980-01-01' }).where('id', 'in', [team.p1.id, team.p2.id]).execute();
  const b = await makeUser(ctx.db, { roles: ['leader'], departmentId: team.dept.id });
  leaderB = await login(ctx.app, b.username, b.password);
  const a = await makeUser(ctx.db, { roles: ['admin'] });
  const admin = await login(ctx.app, a.username, a.password);
  expect((await admin.request('PUT', '/api/settings/agency.fondsNumber', { value: 'F001' })).statusCode).toBe(200);
  expect((await admin.request('PUT', '/api/settings/retention.disposalGraceDays', { value: 0 })).statusCode).toBe(200);
  stranger = (await makeTeam(ctx, { roles: ['leader'] })).session;

  const stored = (recordedStart: string) => storedRecording(ctx, { departmentId: team.dept.id, officerId: team.p1.id, uploadedBy: team.user.id, recordedStart });
  const old = await stored('2020-03-01T02:00:00Z');
  const live = await stored(new Date().toISOString());
  const linked = await stored('1994-04-01T02:00:00Z');
  const liveLinked = await stored(new Date().toISOString());
  ids.disposedRecording = old.id;
  ids.liveRecording = live.id;
  ids.disposedCaseRecording = linked.id;

  // A simple-procedure case closed in 1994 (kept 30 years: due), archived, one recording linked; and a live case.
  const oldCase = await fileCase(team.session, {
    ...generalCase(team.dept.id, [team.p1.id]),
    procedure: 'simple',
    filedOn: '1994-04-01',
    parties: [{ kind: 'organisation', name: '某便利店', idType: 'credit_code', idNumber: '91130100MA0000000X' }],
  });
  expect((await team.session.request('POST', `/api/cases/${oldCase.id}/links`, { recordingId: linked.id, stage: 'filing' })).statusCode).toBe(201);
  expect((await team.session.request('POST', `/api/cases/${oldCase.id}/stage`, { to: 'closed', on: '1994-04-01', reason: '当场处罚，当场结案' })).statusCode).toBe(200);
  const up = await uploadDocument(team.session, oldCase.id, await makePdf(1, 'DECISION-OLD'), { type: 'penalty_decision', title: '当场行政处罚决定书', number: '当场〔1994〕01号', date: '1994-04-01' });
  expect(up.statusCode, up.body).toBe(201);
  expect((await team.session.request('POST', `/api/cases/${oldCase.id}/case-file/archive`)).statusCode).toBe(200);
  ids.disposedCase = oldCase.id;
  const liveCase = await fileCase(team.session, generalCase(team.dept.id, [team.p1.id, team.p2.id]));
  expect((await team.session.request('POST', `/api/cases/${liveCase.id}/links`, { recordingId: liveLinked.id, stage: 'filing' })).statusCode).toBe(201);
  ids.liveCase = liveCase.id;

  for (const id of [old.id, live.id, linked.id, liveLinked.id]) expect((await team.session.request('GET', `/api/recordings/${id}/retention`)).statusCode).toBe(200);
  while ((await syncObjectStore(ctx.deps)) > 0);
  // A package of the old recording, built before its disposal (its download is refused afterwards).
  const w0 = { departmentId: team.dept.id, uploaderId: team.user.id, leaderId: b.id };
  await grantAccess(ctx, w0, team.user.id, [old.id], 'copy');
  // Its ingest event, as the upload service writes it (the package proves the ingest).
  await ctx.db.transaction().execute((trx) =>
    appendAuditEvent(trx, {
      actor: { kind: 'user', id: team.user.id, label: 'uploader' },
      action: 'recording.create',
      target: { type: 'recording', id: old.id },
      details: { uploadId: 'fixture', fileName: 'old.mp4', sha256: old.originalKey, sm3: old.sm3, sizeBytes: 4096 },
    }),
  );
  const early = await team.session.request('POST', '/api/evidence-packages', { recordingIds: [old.id] });
  expect(early.statusCode, early.body).toBe(202);
  builtBeforeDisposal = early.json().id;
  await runBuilds(ctx);
  const built = (await team.session.request('GET', `/api/evidence-packages/${builtBeforeDisposal}`)).json();
  expect(built.error).toBeNull();
  expect(built.state).toBe('ready');
  expect((await team.session.request('GET', `/api/evidence-packages/${builtBeforeDisposal}/file`)).statusCode).toBe(200);

  // Dispose of the old recording and of the old case file (its linked recording, due too, is not disposed).
  const p = await team.session.request('POST', '/api/disposal/batches', { recordingIds: [old.id] });
  expect(p.statusCode, p.body).toBe(201);
  expect((await leaderB.request('POST', `/api/disposal/batches/${p.json().id}/approve`)).statusCode).toBe(200);
  expect(await executeDue(ctx.deps, job, { recordingId: old.id })).toMatchObject({ deleted: 1 });
  const pc = await team.session.request('POST', '/api/disposal/batches', { caseIds: [oldCase.id] });
  expect(pc.statusCode, pc.body).toBe(201);
  expect((await leaderB.request('POST', `/api/disposal/batches/${pc.json().id}/approve`)).statusCode).toBe(200);
  expect(await executeDue(ctx.deps, job, { caseId: oldCase.id })).toMatchObject({ deleted: 1 });

  // The requester holds live view and copy grants over all four recordings: only the disposal can refuse.
  const w = { departmentId: team.dept.id, uploaderId: team.user.id, leaderId: b.id };
  const all = [old.id, live.id, linked.id, liveLinked.id];
  await grantAccess(ctx, w, team.user.id, all, 'copy');
  await grantAccess(ctx, w, team.user.id, all, 'view');
}, 120_000);
afterAll(() => ctx.close());

const period = () => ({ periodFrom: new Date(Date.now() + 60_000).toISOString(), periodUntil: new Date(Date.now() + 86_400_000).toISOString() });

// what is asked | of what | expected status | expected code (null: accepted)
const table: [string, () => [string, string, unknown], number, string | null][] = [
  ['evidence package for a case', () => ['POST', '/api/evidence-packages', { caseId: ids.disposedCase }], 410, 'CASE_FILE_DISPOSED'],
  ['evidence package for a case', () => ['POST', '/api/evidence-packages', { caseId: ids.liveCase }], 202, null],
  ['evidence package of recordings', () => ['POST', '/api/evidence-packages', { recordingIds: [ids.disposedRecording] }], 410, 'RECORDING_DISPOSED'],
  ['evidence package of recordings', () => ['POST', '/api/evidence-packages', { recordingIds: [ids.liveRecording, ids.disposedRecording] }], 410, 'RECORDING_DISPOSED'],
  ['evidence package of recordings', () => ['POST', '/api/evidence-packages', { recordingIds: [ids.liveRecording] }], 202, null],
  ['evidence package of recordings', () => ['POST', '/api/evidence-packages', { recordingIds: [ids.disposedCaseRecording] }], 202, null],
  ['copy of the original', () => ['POST', `/api/recordings/${ids.disposedRecording}/copies`, { kind: 'original' }], 410, 'RECORDING_DISPOSED'],
  ['copy of the original', () => ['POST', `/api/recordings/${ids.liveRecording}/copies`, { kind: 'original' }], 201, null],
  ['access request (copy)', () => ['POST', '/api/access-requests', { recordingIds: [ids.disposedRecording], purpose: '行政复议举证', mode: 'copy', ...period() }], 410, 'RECORDING_DISPOSED'],
  ['access request (view)', () => ['POST', '/api/access-requests', { recordingIds: [ids.liveRecording, ids.disposedRecording], purpose: '行政复议举证', mode: 'view', ...period() }], 410, 'RECORDING_DISPOSED'],
  ['access request (copy)', () => ['POST', '/api/access-requests', { recordingIds: [ids.liveRecording], purpose: '行政复议举证', mode: 'copy', ...period() }], 201, null],
  ['break-glass', () => ['POST', '/api/access-requests/break-glass', { recordingIds: [ids.disposedRecording], reason: '现场紧急核查当事人身份' }], 410, 'RECORDING_DISPOSED'],
  ['break-glass', () => ['POST', '/api/access-requests/break-glass', { recordingIds: [ids.liveRecording], reason: '现场紧急核查当事人身份' }], 201, null],
  ['playback', () => ['POST', `/api/recordings/${ids.disposedRecording}/playback-sessions`, {}], 410, 'RECORDING_DISPOSED'],
  ['playback', () => ['POST', `/api/recordings/${ids.liveRecording}/playback-sessions`, {}], 201, null],
  ['download of a package built before the disposal', () => ['GET', `/api/evidence-packages/${builtBeforeDisposal}/file`, undefined], 410, 'RECORDING_DISPOSED'],
];

test.each(table.map(([what, req, status, code], i) => [i, what, status, code, req] as const))('#%i %s → %i %s', async (_i, _what, status, code, req) => {
  const [method, url, body] = req();
  const res = await team.session.request(method, url, body);
  expect(res.statusCode, res.body).toBe(status);
  if (code) {
    expect(res.json().code).toBe(code);
    expect(res.json().message).toContain('销毁');
  }
});

test('the refusal names the recording and the time, in English too; a stranger gets 404, not 410', async () => {
  const en = await team.session.request('POST', '/api/evidence-packages', { recordingIds: [ids.disposedRecording] }, { 'accept-language': 'en' });
  expect(en.statusCode).toBe(410);
  const fileName = (await ctx.db.selectFrom('recording').select('file_name').where('id', '=', ids.disposedRecording).executeTakeFirstOrThrow()).file_name;
  expect(en.json().message).toContain(`The recording “${fileName}” was destroyed by approved disposal (`);
  expect(en.json().message).not.toContain('more likewise');
  // Nothing was queued or written for the refused requests (only the package built before the disposal exists).
  const pkgs = await ctx.db.selectFrom('evidence_package').select(['case_id', 'recording_ids']).where('id', '<>', builtBeforeDisposal).execute();
  expect(pkgs.some((p) => p.case_id === ids.disposedCase || p.recording_ids.includes(ids.disposedRecording))).toBe(false);
  expect(await ctx.db.selectFrom('copy_receipt').select('id').where('recording_id', '=', ids.disposedRecording).execute()).toEqual([]);
  for (const [method, url, body] of [
    ['POST', '/api/evidence-packages', { recordingIds: [ids.disposedRecording] }],
    ['POST', `/api/recordings/${ids.disposedRecording}/copies`, { kind: 'original' }],
    ['POST', '/api/access-requests', { recordingIds: [ids.disposedRecording], purpose: '行政复议举证', mode: 'copy', ...period() }],
  ] as const) {
    expect((await stranger.request(method, url, body)).statusCode, url).toBe(404);
  }
});
