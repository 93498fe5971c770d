/**
 * Case-file objects stored before their rows (0028): a failure right after the bytes are written (injected at the
 * fault point the crash tests use) leaves an object with no row and an intent; the sweep removes such an object
 * once it is older than `storage.orphanSweepHours` — never one a row references (the same bytes uploaded again
 * in the meantime), never one the store keeps locked (then it is recorded), never while a newer upload of the
 * same bytes is in flight. Real store folder, real PostgreSQL, real PDFs through the API.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { sweepOrphanObjects } from '../../src/modules/case-files/case-file-objects.service.ts';
import { createTestApp, type TestContext } from '../support/harness.ts';
import { fileCase, generalCase, makeTeam } from '../cases/case-fixtures.ts';
import { makePdf, uploadDocument } from './case-file-fixtures.ts';

let ctx: TestContext;
let team: Awaited<ReturnType<typeof makeTeam>>;
let caseId: string;
beforeAll(async () => {
  ctx = await createTestApp();
  team = await makeTeam(ctx, { roles: ['leader'] });
  caseId = (await fileCase(team.session, generalCase(team.dept.id, [team.p1.id, team.p2.id]))).id;
});
afterAll(() => ctx.close());

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const HOUR = 3600_000;
const meta = (title: string) => ({ type: 'inquiry_record', title, date: '2026-11-20' });

/** Uploads through the API with a failure injected right after the object is written (then restored). */
async function failedUpload(bytes: Buffer, title: string) {
  const before = ctx.deps.faults;
  ctx.deps.faults = {
    async reach(point) {
      if (point === 'case-file-object.stored') throw new Error('injected: the process dies after the write');
    },
  };
  try {
    const res = await uploadDocument(team.session, caseId, bytes, meta(title));
    expect(res.statusCode).toBe(500);
  } finally {
    ctx.deps.faults = before;
  }
}

const docRows = (key: string) => ctx.db.selectFrom('case_document').select('id').where('sha256', '=', key).execute();
const intents = (key: string) => ctx.db.selectFrom('object_intent').select(['kept_at']).where('sha256', '=', key).execute();
const events = (action: string, key: string) => ctx.db.selectFrom('audit_event').select('details').where('action', '=', action).where('target_id', '=', key).execute();

test('a failure after the write leaves an orphan; the sweep removes it after the wait and never a referenced or locked object', async () => {
  // (1) orphan: written, then the upload failed — no row, the intent stays.
  const orphan = await makePdf(1, 'ORPHAN-1');
  await failedUpload(orphan, '询问笔录（失败）');
  expect(await ctx.deps.storage.exists(sha(orphan))).toBe(true);
  expect(await docRows(sha(orphan))).toEqual([]);
  expect(await ctx.db.selectFrom('original').select('sha256').where('sha256', '=', sha(orphan)).execute()).toEqual([]);
  expect(await intents(sha(orphan))).toEqual([{ kept_at: null }]);

  // (2) failed, then the same bytes uploaded again successfully: the object is referenced now.
  const retried = await makePdf(1, 'RETRIED-2');
  await failedUpload(retried, '询问笔录（重试前）');
  const ok = await uploadDocument(team.session, caseId, retried, meta('询问笔录'));
  expect(ok.statusCode, ok.body).toBe(201);
  expect(await intents(sha(retried))).toHaveLength(1); // the failed attempt's; the successful one settled its own

  // (3) a plain successful upload: no intent left at all.
  const plain = await makePdf(1, 'PLAIN-3');
  expect((await uploadDocument(team.session, caseId, plain, meta('现场笔录'))).statusCode).toBe(201);
  expect(await intents(sha(plain))).toEqual([]);

  // (4) orphan whose object the store keeps locked (as an S3 bucket's Object Lock would).
  const locked = await makePdf(1, 'LOCKED-4');
  await failedUpload(locked, '询问笔录（锁定）');
  await ctx.deps.storage.extendRetention(sha(locked), new Date(Date.now() + 30 * 24 * HOUR));

  // Before the wait (24 h by default) the sweep touches nothing.
  expect(await sweepOrphanObjects(ctx.deps)).toEqual({ removed: 0, referenced: 0, kept: 0, inFlight: 0 });
  expect(await ctx.deps.storage.exists(sha(orphan))).toBe(true);

  // (5) a stale orphan whose bytes are being uploaded again right now (a fresh intent): left for later.
  const inFlight = await makePdf(1, 'INFLIGHT-5');
  await failedUpload(inFlight, '询问笔录（进行中）');
  await ctx.db.updateTable('object_intent').set({ created_at: new Date(Date.now() - 30 * HOUR) }).where('sha256', '=', sha(inFlight)).execute();
  await ctx.db.insertInto('object_intent').values({ sha256: sha(inFlight), purpose: 'case_document', created_by: team.user.id, created_at: new Date(Date.now() + 24 * HOUR) }).execute();

  // 25 hours later (the intents of (1), (2), (4) are then stale; (5) has a fresh one).
  const result = await sweepOrphanObjects(ctx.deps, { now: Date.now() + 25 * HOUR });
  // object | expected: still stored | intents left (kept_at set?)
  const table: [string, Buffer, boolean, { kept: boolean }[]][] = [
    ['orphan', orphan, false, []],
    ['failed then uploaded again', retried, true, []],
    ['plain upload', plain, true, []],
    ['locked orphan', locked, true, [{ kept: true }]],
    ['orphan with an upload in flight', inFlight, true, [{ kept: false }, { kept: false }]],
  ];
  const seen = [];
  for (const [name, bytes] of table) {
    seen.push([name, bytes, await ctx.deps.storage.exists(sha(bytes)), (await intents(sha(bytes))).map((i) => ({ kept: i.kept_at !== null }))]);
  }
  expect(seen).toEqual(table);
  expect(result).toEqual({ removed: 1, referenced: 1, kept: 1, inFlight: 1 });
  // The referenced documents still read back in full.
  for (const bytes of [retried, plain]) {
    const [doc] = await docRows(sha(bytes));
    const content = await team.session.request('GET', `/api/cases/${caseId}/documents/${doc!.id}/content`);
    expect(content.statusCode).toBe(200);
    expect(sha(content.rawPayload)).toBe(sha(bytes));
  }
  // Audited: the removal and the kept object, each with its key.
  expect(await events('storage.orphan.removed', sha(orphan))).toEqual([{ details: { sha256: sha(orphan), purposes: ['case_document'], intendedAt: expect.any(String), hours: 24 } }]);
  expect(await events('storage.orphan.kept', sha(locked))).toEqual([{ details: expect.objectContaining({ sha256: sha(locked), purposes: ['case_document'] }) }]);
  expect(await events('storage.orphan.removed', sha(retried))).toEqual([]);
  // A second sweep has nothing more to do (the kept one is not retried).
  expect(await sweepOrphanObjects(ctx.deps, { now: Date.now() + 25 * HOUR })).toEqual({ removed: 0, referenced: 0, kept: 0, inFlight: 1 });
});
