import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { jobCatalog } from '../../src/app/jobs.ts';
import { enqueueJob } from '../../src/platform/jobs/queue.ts';
import { startJobRunner } from '../../src/platform/jobs/runner.ts';
import { probe } from '../../src/platform/media/media-probe.ts';
import { makeClip } from '../support/media-fixtures.ts';
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

test('H.264, H.265, AVI and MKV inputs all get a browser-playable H.264/AAC proxy and a JPEG thumbnail; jobs are not duplicated', async () => {
  const inputs = [
    await makeClip(path.join(ctx.dataDir, 'h264.mp4'), { codec: 'h264', seconds: 2 }),
    await makeClip(path.join(ctx.dataDir, 'hevc.mp4'), { codec: 'h265', seconds: 2 }),
    await makeClip(path.join(ctx.dataDir, 'old.avi'), { codec: 'mpeg4', seconds: 2 }),
    await makeClip(path.join(ctx.dataDir, 'cam.mkv'), { codec: 'h264', seconds: 2, size: '640x360' }),
  ];
  const shas: string[] = [];
  for (const f of inputs) {
    const r = await tusUpload(base, f, { filename: path.basename(f), metadata: meta }, headers);
    expect(r.ok, r.body).toBe(true);
    expect(r.headers['X-Upload-State'], path.basename(f)).toBe('stored');
    shas.push(r.headers['X-Content-SHA256']!);
  }
  // One job per original, keyed by its hash; asking again — as a retried finish would — adds nothing.
  const keys = async () =>
    (await sql<{ key: string }>`SELECT key FROM graphile_worker.jobs WHERE task_identifier = 'media.process' ORDER BY key`.execute(ctx.db)).rows.map((r) => r.key);
  expect(await keys()).toEqual(shas.map((sha) => `media.process:${sha}`).sort());
  for (const sha of shas) expect(await enqueueJob(ctx.db, 'media.process', { sha256: sha }, { dedupeKey: `media.process:${sha}` })).toBeUndefined();
  expect(await keys()).toHaveLength(4);

  const worker = await startJobRunner(ctx.deps, jobCatalog, { background: false });
  expect(await worker.drain()).toBe(4);
  await worker.stop();

  for (const sha of shas) {
    const m = (await sql<{ state: string; kind: string; proxy_sha256: string; thumbnail_sha256: string }>`
      SELECT state, kind, proxy_sha256, thumbnail_sha256 FROM media_info WHERE original_sha256 = ${sha}`.execute(ctx.db)).rows[0]!;
    expect(m).toMatchObject({ state: 'ready', kind: 'video' });
    const proxy = await probe(ctx.deps.storage.localPath!(m.proxy_sha256));
    expect(proxy.formatName).toContain('mp4');
    expect(proxy.video?.codec).toBe('h264');
    expect(proxy.audio?.codec).toBe('aac');
    expect(proxy.durationSec).toBeGreaterThan(1.5);
    const thumb = await probe(ctx.deps.storage.localPath!(m.thumbnail_sha256));
    expect(thumb.video?.codec).toBe('mjpeg');
    // Derived files are their own objects, linked to the original.
    const derived = await sql<{ kind: string }>`SELECT kind FROM derived_object WHERE original_sha256 = ${sha} ORDER BY kind`.execute(ctx.db);
    expect(derived.rows.map((d) => d.kind)).toEqual(['proxy', 'thumbnail']);
    expect((await ctx.deps.storage.verify(m.proxy_sha256)).ok).toBe(true);
  }
  const events = await sql<{ n: string }>`SELECT count(*) AS n FROM audit_event WHERE action = 'media.processed'`.execute(ctx.db);
  expect(Number(events.rows[0]!.n)).toBe(4);
});
