import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { jobCatalog } from '../../src/app/jobs.ts';
import { enqueueJob } from '../../src/platform/jobs/queue.ts';
import { startJobRunner } from '../../src/platform/jobs/runner.ts';
import { makeClip } from '../support/media-fixtures.ts';
import { createTestApp, listenAsUploader, login, makeUser, type TestContext } from '../support/harness.ts';
import { tusUpload } from '../support/tus-client.ts';

/**
 * Issue 7 §5: state changes that left no audit event — an upload's creation, the media job's results, a
 * session purge — now do, each with the actor that made the change (a job acts as itself: actor id null,
 * label `job:<name>`, never as the user whose upload caused it).
 */

let ctx: TestContext;
let base: string;
let headers: Record<string, string>;
let meta: string;

beforeAll(async () => {
  ctx = await createTestApp();
  ({ base, headers, meta } = await listenAsUploader(ctx));
});
afterAll(() => ctx.close());

interface Ev {
  actor_id: string | null;
  actor_label: string;
  action: string;
  target_type: string | null;
  target_id: string | null;
  details: Record<string, unknown>;
}
const eventsOf = async (action: string, targetId?: string) =>
  (
    await sql<Ev>`SELECT actor_id, actor_label, action, target_type, target_id, details FROM audit_event
      WHERE action = ${action} AND (${targetId ?? null}::text IS NULL OR target_id = ${targetId ?? null}) ORDER BY seq`.execute(ctx.db)
  ).rows;

const runJobs = async () => {
  const worker = await startJobRunner(ctx.deps, jobCatalog, { background: false });
  try {
    return await worker.drain();
  } finally {
    await worker.stop();
  }
};

test('creating an upload (tus POST) is audited as the uploader, before any byte arrives', async () => {
  const f = path.join(ctx.dataDir, `${randomBytes(4).toString('hex')}.mp4`);
  await writeFile(f, randomBytes(300_000));
  const r = await tusUpload(base, f, { filename: '巡查 第1段.mp4', metadata: meta }, headers, { stopAfterBytes: 1, chunkSize: 100_000 });
  const id = new URL(r.url!, base).pathname.split('/').pop()!;
  const uploader = (await sql<{ uploaded_by: string }>`SELECT uploaded_by FROM upload WHERE id = ${id}`.execute(ctx.db)).rows[0]!.uploaded_by;
  const [ev, ...more] = await eventsOf('upload.create', id);
  expect(more).toEqual([]);
  expect(ev).toMatchObject({ actor_id: uploader, target_type: 'upload', details: { fileName: '巡查 第1段.mp4', sizeBytes: 300_000, clientSha256: null } });
});

describe('the media job records its results as the job', () => {
  test('a processed original: media.processed, actor job:media.process', async () => {
    const clip = await makeClip(path.join(ctx.dataDir, 'ok.mp4'), { seconds: 1 });
    const r = await tusUpload(base, clip, { filename: 'ok.mp4', metadata: meta }, headers);
    expect(r.ok, r.body).toBe(true);
    const sha = r.headers['X-Content-SHA256']!;
    expect(await runJobs()).toBe(1);
    expect(await eventsOf('media.processed', sha)).toEqual([
      expect.objectContaining({ actor_id: null, actor_label: 'job:media.process', target_type: 'original', details: expect.objectContaining({ state: 'ready', kind: 'video' }) }),
    ]);
    expect(await eventsOf('media.failed', sha)).toEqual([]);
  });

  test('a failed attempt (the stored object is gone): media.failed with the error, state failed, and no media.processed', async () => {
    const f = path.join(ctx.dataDir, 'gone.mp4');
    await writeFile(f, randomBytes(20_000));
    const r = await tusUpload(base, f, { filename: 'gone.mp4', metadata: meta }, headers);
    expect(r.ok, r.body).toBe(true);
    const sha = r.headers['X-Content-SHA256']!;
    await rm(ctx.deps.storage.localPath!(sha));
    await runJobs();
    const failed = await eventsOf('media.failed', sha);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ actor_id: null, actor_label: 'job:media.process', target_type: 'original' });
    expect(String(failed[0]!.details.error)).toContain(sha);
    const info = (await sql<{ state: string }>`SELECT state FROM media_info WHERE original_sha256 = ${sha}`.execute(ctx.db)).rows[0];
    expect(info?.state).toBe('failed');
    expect(await eventsOf('media.processed', sha)).toEqual([]);
  });
});

test('the session purge job audits what it removed, as the job; a purge with nothing to remove writes nothing', async () => {
  const u = await makeUser(ctx.db, { roles: ['auditor'] });
  await login(ctx.app, u.username, u.password);
  await login(ctx.app, u.username, u.password);
  // Both sessions ended two days ago (the purge keeps a day of grace).
  await sql`UPDATE user_session SET expires_at = now() - interval '2 days' WHERE user_id = ${u.id}`.execute(ctx.db);
  await enqueueJob(ctx.db, 'sessions.purge', {});
  await runJobs();
  const [ev, ...more] = await eventsOf('sessions.purged');
  expect(more).toEqual([]);
  expect(ev).toMatchObject({ actor_id: null, actor_label: 'job:sessions.purge', details: { sessions: 2, throttles: 0 } });
  expect((await sql<{ n: string }>`SELECT count(*) AS n FROM user_session WHERE user_id = ${u.id}`.execute(ctx.db)).rows[0]!.n).toBe('0');

  await enqueueJob(ctx.db, 'sessions.purge', {});
  await runJobs();
  expect(await eventsOf('sessions.purged')).toHaveLength(1);
});
