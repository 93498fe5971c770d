import { createHash, randomBytes } from 'node:crypto';
import { chmod, rm, utimes, writeFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { jobCatalog } from '../../src/app/jobs.ts';
import { runFixityPass, runQueuedPass } from '../../src/modules/fixity/fixity.service.ts';
import { enqueueJob } from '../../src/platform/jobs/queue.ts';
import { startJobRunner } from '../../src/platform/jobs/runner.ts';
import type { LocalObjectStore } from '../../src/platform/storage/local-object-store.ts';
import { runCli } from '../support/cli.ts';
import { createTestApp, loginAs, makeDepartment, makePerson, makeUser, type Session, type TestContext } from '../support/harness.ts';

/**
 * Fixity (issue 7 §3): stored bytes are re-hashed, each check recorded, and a changed or missing object
 * raises an alert (audit event, 工作台 alert, failing pass); store files without rows are orphans. The
 * damage is done to the files themselves, as a disk fault or a careless admin would.
 */

let ctx: TestContext;
let store: LocalObjectStore;
let deptA: string;
let deptB: string;
let admin: Session;
let auditor: Session;
let custodianA: Session;
let custodianB: Session;
let officerA: Session;
let uploaderId: string;

interface Stored {
  sha256: string;
  sm3: string;
  bytes: Buffer;
  recordingId: string;
}

/** Stores the bytes in the real object store and inserts the original and a recording naming them. */
async function storeRecording(bytes: Buffer, departmentId: string, o: { recordedSm3?: string } = {}): Promise<Stored> {
  const put = await ctx.deps.storage.put(Readable.from([bytes]));
  const sm3 = o.recordedSm3 ?? put.sm3;
  await ctx.db.insertInto('original').values({ sha256: put.sha256, sm3, size_bytes: bytes.length }).execute();
  const person = await makePerson(ctx.db, { departmentId });
  const r = await ctx.db
    .insertInto('recording')
    .values({
      original_sha256: put.sha256,
      file_name: `${put.sha256.slice(0, 8)}.mp4`,
      department_id: departmentId,
      recorded_start: '2026-11-27T01:00:00Z',
      uploaded_by: uploaderId,
      activity: 'patrol',
      party_informed: 'yes',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await ctx.db.insertInto('recording_officer').values({ recording_id: r.id, person_id: person.id }).execute();
  return { sha256: put.sha256, sm3: put.sm3, bytes, recordingId: r.id };
}

/** Stores bytes as a derived file (thumbnail) of an original. */
async function storeDerived(bytes: Buffer, originalSha256: string): Promise<string> {
  const put = await ctx.deps.storage.put(Readable.from([bytes]));
  await ctx.db.insertInto('derived_object').values({ sha256: put.sha256, sm3: put.sm3, size_bytes: bytes.length, kind: 'thumbnail', mime_type: 'image/jpeg', original_sha256: originalSha256 }).execute();
  return put.sha256;
}

/** Overwrites one byte of a stored object in place (a disk fault). */
async function flipByte(sha256: string, at: number): Promise<void> {
  const file = store.objectPath(sha256);
  await chmod(file, 0o600);
  const { open } = await import('node:fs/promises');
  const fh = await open(file, 'r+');
  const b = Buffer.alloc(1);
  await fh.read(b, 0, 1, at);
  b[0] = b[0]! ^ 0xff;
  await fh.write(b, 0, 1, at);
  await fh.close();
}

const audits = async (action: string) =>
  (await sql<{ target_id: string; details: Record<string, unknown>; actor_label: string }>`SELECT target_id, details, actor_label FROM audit_event WHERE action = ${action} ORDER BY seq`.execute(ctx.db)).rows;

const sha256Of = (b: Buffer) => createHash('sha256').update(b).digest('hex');

let intact: Stored;
let damaged: Stored;
let removed: Stored;
let wrongSm3: Stored;
let big: Stored;
let thumbnail: string;
let orphanKey: string;

beforeAll(async () => {
  ctx = await createTestApp();
  store = ctx.deps.storage as LocalObjectStore;
  deptA = (await makeDepartment(ctx.db, { name: '一大队' })).id;
  deptB = (await makeDepartment(ctx.db, { name: '二大队' })).id;
  ({ session: admin } = await loginAs(ctx, ['admin']));
  ({ session: auditor } = await loginAs(ctx, ['auditor']));
  ({ session: custodianA } = await loginAs(ctx, ['custodian'], { departmentId: deptA }));
  // Uploaded by someone else: a custodian's own uploads would be in their scope wherever they are filed.
  uploaderId = (await makeUser(ctx.db, { roles: ['officer'], departmentId: deptA })).id;
  ({ session: custodianB } = await loginAs(ctx, ['custodian'], { departmentId: deptB }));
  ({ session: officerA } = await loginAs(ctx, ['officer'], { departmentId: deptA }));

  intact = await storeRecording(randomBytes(64 * 1024), deptA);
  damaged = await storeRecording(randomBytes(64 * 1024), deptA);
  removed = await storeRecording(randomBytes(32 * 1024), deptB);
  // The bytes are right for the SHA-256 key, but the SM3 recorded at ingest is another (an altered row or a bad hash).
  wrongSm3 = await storeRecording(randomBytes(16 * 1024), deptB, { recordedSm3: 'ab'.repeat(32) });
  // Past 4 MiB, so SM3 runs on its worker thread as it does for real footage.
  big = await storeRecording(randomBytes(6 * 1024 * 1024), deptA);
  thumbnail = await storeDerived(randomBytes(8 * 1024), intact.sha256);
  // A store file no row names, written an hour ago (younger ones may be an ingest committing right now).
  orphanKey = (await ctx.deps.storage.put(Readable.from([randomBytes(4096)]))).sha256;
  const hourAgo = new Date(Date.now() - 3600_000);
  await utimes(store.objectPath(orphanKey), hourAgo, hourAgo);

  await flipByte(damaged.sha256, 1000);
  await rm(store.objectPath(removed.sha256));
});
afterAll(() => ctx.close());

describe('a full pass', () => {
  test('names each damaged or missing object with its recording, and the orphans — literally', async () => {
    const r = await runFixityPass(ctx.deps, { scope: { kind: 'all' }, actor: { kind: 'system', label: 'test' } });
    expect(r.total).toBe(6);
    expect(r.checked).toBe(6);
    expect(r.failed).toBe(3);
    const bySha = Object.fromEntries(r.failures.map((f) => [f.sha256, { kind: f.kind, result: f.result, recordingIds: f.recordingIds }]));
    expect(bySha).toEqual({
      [damaged.sha256]: { kind: 'original', result: 'sha256-mismatch', recordingIds: [damaged.recordingId] },
      [removed.sha256]: { kind: 'original', result: 'missing', recordingIds: [removed.recordingId] },
      [wrongSm3.sha256]: { kind: 'original', result: 'sm3-mismatch', recordingIds: [wrongSm3.recordingId] },
    });
    // The damaged file's detail says what its bytes hash to now.
    const flipped = Buffer.from(damaged.bytes);
    flipped[1000] = flipped[1000]! ^ 0xff;
    expect(r.failures.find((f) => f.sha256 === damaged.sha256)!.detail).toContain(sha256Of(flipped));
    expect(r.orphans).toEqual({ storeFilesWithoutRows: [orphanKey], storeFilesWithoutRowsCount: 1, rowsWithoutFiles: [removed.sha256] });
  });

  test('each check is recorded per object (time, result, duration), and the history cannot be rewritten', async () => {
    const rows = (await sql<{ sha256: string; kind: string; result: string; duration_ms: number; checked_at: Date }>`
      SELECT sha256, kind, result, duration_ms, checked_at FROM fixity_check ORDER BY sha256`.execute(ctx.db)).rows;
    const expected: Record<string, [string, string]> = {
      [intact.sha256]: ['original', 'ok'],
      [damaged.sha256]: ['original', 'sha256-mismatch'],
      [removed.sha256]: ['original', 'missing'],
      [wrongSm3.sha256]: ['original', 'sm3-mismatch'],
      [big.sha256]: ['original', 'ok'],
      [thumbnail]: ['derived', 'ok'],
    };
    expect(Object.fromEntries(rows.map((x) => [x.sha256, [x.kind, x.result]]))).toEqual(expected);
    for (const x of rows) {
      expect(x.duration_ms).toBeGreaterThanOrEqual(0);
      expect(x.checked_at).toBeInstanceOf(Date);
    }
    // Even the owner role is refused (the serving role has no UPDATE, DELETE or TRUNCATE here at all).
    await expect(sql`UPDATE fixity_check SET result = 'ok'`.execute(ctx.ownerDb)).rejects.toThrow(/append-only/);
    await expect(sql`DELETE FROM fixity_check`.execute(ctx.ownerDb)).rejects.toThrow(/append-only/);
    await expect(sql`TRUNCATE fixity_check`.execute(ctx.ownerDb)).rejects.toThrow(/append-only/);
  });

  test('each newly failing object is one fixity.failed audit event; a second pass finding the same adds none', async () => {
    const failed = await audits('fixity.failed');
    expect(Object.fromEntries(failed.map((e) => [e.target_id, e.details.result]))).toEqual({
      [damaged.sha256]: 'sha256-mismatch',
      [removed.sha256]: 'missing',
      [wrongSm3.sha256]: 'sm3-mismatch',
    });
    expect(failed.find((e) => e.target_id === removed.sha256)!.details.recordingIds).toEqual([removed.recordingId]);
    const again = await runFixityPass(ctx.deps, { scope: { kind: 'all' }, actor: { kind: 'system', label: 'test' } });
    expect(again.failed).toBe(3);
    expect(await audits('fixity.failed')).toHaveLength(3);
    expect((await audits('fixity.pass')).length).toBe(2);
  });
});

describe('the alert on 工作台', () => {
  test('admins and custodians see it; a custodian sees only the objects of recordings in their scope; officers may not ask', async () => {
    const a = await admin.request('GET', '/api/fixity/alerts');
    expect(a.statusCode).toBe(200);
    expect(a.json().failing).toBe(3);
    expect(a.json().items.map((i: { sha256: string }) => i.sha256).sort()).toEqual([damaged.sha256, removed.sha256, wrongSm3.sha256].sort());

    const ca = (await custodianA.request('GET', '/api/fixity/alerts')).json();
    expect(ca.failing).toBe(3);
    expect(ca.items).toEqual([expect.objectContaining({ sha256: damaged.sha256, result: 'sha256-mismatch', recordingIds: [damaged.recordingId] })]);
    const cb = (await custodianB.request('GET', '/api/fixity/alerts')).json();
    expect(cb.items.map((i: { sha256: string }) => i.sha256).sort()).toEqual([removed.sha256, wrongSm3.sha256].sort());

    expect((await officerA.request('GET', '/api/fixity/alerts')).statusCode).toBe(403);
  });
});

describe('the authenticated health detail', () => {
  test('has a failing fixity check naming how many objects failed; the public health stays up and says nothing of it', async () => {
    const detail = await admin.request('GET', '/api/health/detail');
    expect(detail.json().checks.fixity).toMatchObject({ ok: false, error: expect.stringContaining('3 stored object(s) failed fixity') });
    const pub = await ctx.app.inject({ method: 'GET', url: '/api/health' });
    expect(pub.statusCode).toBe(200);
    expect(pub.json().checks.fixity).toBeUndefined();
  });
});

describe('the workstation’s fresh check (POST /api/originals/:sha256/verify)', () => {
  test('answers ok, damaged or missing from the bytes as they are now', async () => {
    const expected: [Stored, string, string][] = [
      [intact, 'ok', 'ok'],
      [big, 'ok', 'ok'],
      [damaged, 'damaged', 'sha256-mismatch'],
    ];
    for (const [s, result, check] of expected) {
      const res = await custodianA.request('POST', `/api/originals/${s.sha256.toUpperCase()}/verify`);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({ sha256: s.sha256, sm3: s.sm3, sizeBytes: s.bytes.length, result, check });
    }
    const res = await custodianB.request('POST', `/api/originals/${removed.sha256}/verify`);
    expect(res.json()).toMatchObject({ result: 'missing', check: 'missing' });
    expect((await audits('original.verify')).length).toBe(4);
  });

  test('outside the caller’s scope it is exactly as unknown: 404, same code', async () => {
    const unknown = await custodianB.request('POST', `/api/originals/${'0'.repeat(64)}/verify`);
    const otherDept = await custodianB.request('POST', `/api/originals/${intact.sha256}/verify`);
    expect(unknown.statusCode).toBe(404);
    expect(otherDept.statusCode).toBe(404);
    expect(otherDept.json().code).toBe(unknown.json().code);
    // A caller who may not upload may not ask at all.
    expect((await auditor.request('POST', `/api/originals/${intact.sha256}/verify`)).statusCode).toBe(403);
  });
});

describe('passes a person starts', () => {
  test('POST /api/fixity/runs for one recording runs now and reports its failure (admins and auditors)', async () => {
    const res = await auditor.request('POST', '/api/fixity/runs', { recordingId: damaged.recordingId });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ state: 'done', checked: 1, failed: 1, failures: [{ sha256: damaged.sha256, result: 'sha256-mismatch', recordingIds: [damaged.recordingId] }] });
    const both = await admin.request('POST', '/api/fixity/runs', { recordingId: intact.recordingId });
    // The recording's original and its thumbnail.
    expect(both.json()).toMatchObject({ state: 'done', checked: 2, failed: 0 });
    expect((await custodianA.request('POST', '/api/fixity/runs', { recordingId: damaged.recordingId })).statusCode).toBe(403);
    expect((await admin.request('POST', '/api/fixity/runs', { recordingId: '00000000-0000-4000-8000-000000000000' })).statusCode).toBe(404);
    expect((await admin.request('POST', '/api/fixity/runs', { all: false })).statusCode).toBe(400);
  });

  test('POST /api/fixity/runs {all: true} queues the pass as a job; the job fills in the run', async () => {
    const res = await admin.request('POST', '/api/fixity/runs', { all: true });
    expect(res.statusCode, res.body).toBe(202);
    const run = res.json() as { id: string; state: string };
    expect(run.state).toBe('queued');
    const jobs = (await admin.request('GET', '/api/jobs')).json() as { items: { kind: string; state: string }[] };
    expect(jobs.items.filter((j) => j.kind === 'fixity.run')).toEqual([expect.objectContaining({ state: 'queued' })]);
    await runQueuedPass(ctx.deps, run.id);
    const done = (await admin.request('GET', `/api/fixity/runs/${run.id}`)).json();
    expect(done).toMatchObject({ state: 'done', checked: 6, failed: 3, orphans: { storeFilesWithoutRows: [orphanKey], rowsWithoutFiles: [removed.sha256] } });
  });

  test('quanlu fixity --all exits 1 naming each failing object and recording; --recording of an intact one exits 0', async () => {
    const env = { DATABASE_URL: ctx.dbUrl, QUANLU_DATA_DIR: ctx.dataDir, QUANLU_LOG_LEVEL: 'silent' };
    const all = await runCli(['fixity', '--all'], env);
    expect(all.code, all.stderr).toBe(1);
    for (const s of [damaged, removed, wrongSm3]) expect(all.stdout).toMatch(new RegExp(`FAILED original ${s.sha256}: .*${s.recordingId}`));
    expect(all.stdout).toContain(`ORPHAN store file without a row 存储中有文件而无记录: ${orphanKey}`);
    expect(all.stdout).toMatch(/FIXITY FAILED: 6 objects checked, 3 failed/);
    expect(all.stderr).toMatch(/checked 6\/6 objects/);
    const one = await runCli(['fixity', '--recording', intact.recordingId], env);
    expect(one.code, one.stderr).toBe(0);
    expect(one.stdout).toMatch(/^OK: 2 objects checked, 0 failed/m);
    expect((await runCli(['fixity'], env)).code).toBe(2);
  });
});

describe('the schedule', () => {
  test('a slice takes new objects first, re-checks failing ones, and a repaired object clears its alert (audited)', async () => {
    // Everything was checked over an hour ago; the period is one day, so one slice's share is ceil(6 / 24) = 1.
    await sql`UPDATE fixity_object SET last_checked_at = now() - interval '2 hours'`.execute(ctx.db);
    await ctx.db.insertInto('setting').values({ key: 'fixity.periodDays', value: JSON.stringify(1), updated_by: null }).execute();
    const fresh = await storeRecording(randomBytes(2048), deptA);
    // The repair: the good bytes are back (as a re-upload of a good copy restores them).
    await writeFile(store.objectPath(damaged.sha256), damaged.bytes);

    const r = await runFixityPass(ctx.deps, { scope: { kind: 'slice' } });
    const checked = (await sql<{ sha256: string }>`SELECT sha256 FROM fixity_check WHERE run_id = ${r.runId} ORDER BY sha256`.execute(ctx.db)).rows.map((x) => x.sha256);
    expect(checked).toEqual([damaged.sha256, removed.sha256, wrongSm3.sha256, fresh.sha256].sort());
    expect(r.failed).toBe(2);
    const recovered = await audits('fixity.recovered');
    expect(recovered.map((e) => [e.target_id, e.actor_label])).toEqual([[damaged.sha256, 'job:fixity']]);
    const alerts = (await admin.request('GET', '/api/fixity/alerts')).json();
    expect(alerts.failing).toBe(2);
    expect(alerts.items.map((i: { sha256: string }) => i.sha256)).not.toContain(damaged.sha256);
  });

  test('the slice is a registered job with an hourly schedule, and running it makes a scheduled pass', async () => {
    expect(jobCatalog['fixity.slice'].schedule?.cron).toMatch(/^\d+ \* \* \* \*$/);
    const before = (await sql<{ n: string }>`SELECT count(*) AS n FROM fixity_run WHERE reason = 'schedule'`.execute(ctx.db)).rows[0]!.n;
    await ctx.db.transaction().execute((trx) => enqueueJob(trx, 'fixity.slice', {}));
    const runner = await startJobRunner(ctx.deps, jobCatalog, { background: false });
    try {
      expect(await runner.drain()).toBeGreaterThanOrEqual(1);
    } finally {
      await runner.stop();
    }
    const after = (await sql<{ n: string }>`SELECT count(*) AS n FROM fixity_run WHERE reason = 'schedule' AND state = 'done'`.execute(ctx.db)).rows[0]!.n;
    expect(Number(after)).toBe(Number(before) + 1);
  });
});
