import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { sweepUploads } from '../../src/modules/uploads/upload-sweep.service.ts';
import { createTestApp, listenAsUploader, type TestContext } from '../support/harness.ts';
import { tusUpload } from '../support/tus-client.ts';

let ctx: TestContext;
let base: string;
let headers: Record<string, string>;
let meta: string;

beforeAll(async () => {
  ctx = await createTestApp();
  ({ base, headers, meta } = await listenAsUploader(ctx));
});
afterAll(() => ctx.close());

/** Starts an upload and stops after its first chunk, as a dropped connection would. */
async function partialUpload(content: Buffer, name: string) {
  const f = path.join(ctx.dataDir, name);
  await writeFile(f, content);
  const r = await tusUpload(base, f, { filename: name, metadata: meta }, headers, { stopAfterBytes: 1, chunkSize: 256 * 1024 });
  const id = new URL(r.url!, base).pathname.split('/').pop()!;
  return { f, id, uploadFile: path.join(ctx.dataDir, 'uploads', id) };
}

test('an upload whose bytes all arrived but was never finished is finished by the sweeper, not lost', async () => {
  const content = randomBytes(1024 * 1024);
  const { f, id, uploadFile } = await partialUpload(content, 'stalled.mp4');
  // Every byte reached the disk, then the server died before finishing it.
  await copyFile(f, uploadFile);
  const old = new Date(Date.now() - 20 * 60_000);
  await utimes(uploadFile, old, old);
  await sql`UPDATE upload SET created_at = ${old} WHERE id = ${id}`.execute(ctx.db);
  expect((await sql<{ state: string }>`SELECT state FROM upload WHERE id = ${id}`.execute(ctx.db)).rows[0]!.state).toBe('receiving');

  const r = await sweepUploads(ctx.deps);
  expect(r).toMatchObject({ finished: 1, failed: 0 });
  const up = (await sql<{ state: string; sha256: string; recording_id: string }>`SELECT state, sha256, recording_id FROM upload WHERE id = ${id}`.execute(ctx.db)).rows[0]!;
  expect(up.state).toBe('stored');
  expect(up.sha256).toBe(createHash('sha256').update(content).digest('hex'));
  expect(await ctx.deps.storage.exists(up.sha256)).toBe(true);
  expect(existsSync(uploadFile)).toBe(false);
  // The sweeper finished it, so the job is the actor — not the officer, who sent no request (issue 7 §5).
  const ev = await sql<{ actor_id: string | null; actor_label: string }>`SELECT actor_id, actor_label FROM audit_event
    WHERE action = 'recording.create' AND target_id = ${up.recording_id}`.execute(ctx.db);
  expect(ev.rows).toEqual([{ actor_id: null, actor_label: 'job:uploads.sweep' }]);
  // A second sweep finds nothing to do.
  expect(await sweepUploads(ctx.deps)).toMatchObject({ finished: 0, expired: 0 });
});

test('a partial upload nobody resumed for 14 days is removed and marked expired, with an audit event', async () => {
  const { id, uploadFile } = await partialUpload(randomBytes(1024 * 1024), 'abandoned.mp4');
  expect(existsSync(uploadFile)).toBe(true);
  await sql`UPDATE upload SET created_at = now() - interval '15 days' WHERE id = ${id}`.execute(ctx.db);
  const r = await sweepUploads(ctx.deps);
  expect(r.expired).toBe(1);
  expect(existsSync(uploadFile)).toBe(false);
  expect((await sql<{ state: string; error_code: string }>`SELECT state, error_code FROM upload WHERE id = ${id}`.execute(ctx.db)).rows[0]).toEqual({ state: 'rejected', error_code: 'EXPIRED' });
  const ev = await ctx.db.selectFrom('audit_event').selectAll().where('action', '=', 'upload.expired').executeTakeFirstOrThrow();
  expect(ev.target_id).toBe(id);
  expect({ actorId: ev.actor_id, actorLabel: ev.actor_label }).toEqual({ actorId: null, actorLabel: 'job:uploads.sweep' });
});

test('files an ended upload left behind (a crash after its commit) and old half-written sidecars are removed', async () => {
  const f = path.join(ctx.dataDir, 'ended.mp4');
  await writeFile(f, randomBytes(50_000));
  const done = await tusUpload(base, f, { filename: 'ended.mp4', metadata: meta }, headers);
  expect(done.ok).toBe(true);
  const id = new URL(done.url!, base).pathname.split('/').pop()!;
  const uploadsDir = path.join(ctx.dataDir, 'uploads');
  // What a kill between the commit and the clean-up leaves: the bytes and the sidecar.
  await copyFile(f, path.join(uploadsDir, id));
  await writeFile(path.join(uploadsDir, `${id}.json`), '{}');
  const oldTemp = path.join(uploadsDir, `${id}.json.0a1b2c3d.tmp`);
  const youngTemp = path.join(uploadsDir, 'other.json.0e0f0a0b.tmp');
  await writeFile(oldTemp, '{"half');
  await writeFile(youngTemp, '{"half');
  const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000);
  await utimes(oldTemp, twoDaysAgo, twoDaysAgo);

  expect(await sweepUploads(ctx.deps)).toMatchObject({ leftovers: 2 });
  expect([existsSync(path.join(uploadsDir, id)), existsSync(path.join(uploadsDir, `${id}.json`)), existsSync(oldTemp), existsSync(youngTemp)]).toEqual([false, false, false, true]);
  // The stored object is untouched (the upload's file was only a second name of it).
  expect(await ctx.deps.storage.verify(done.headers['X-Content-SHA256']!)).toMatchObject({ ok: true });
});
