import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestApp, listenAsUploader, type TestContext } from '../support/harness.ts';
import { tusUpload } from '../support/tus-client.ts';
import { mountTmpfs, needs } from '../support/privileges.ts';

describe.runIf(needs('tmpfs', 'full-disk upload test (a 24 MB tmpfs as the data folder)'))('a full disk during upload', () => {
  /** The data folder on a 24 MB filesystem, so a 40 MB upload fills the disk part-way. */
  let mountDir: string;
  let mount: { unmount(): void } | undefined;
  let ctx: TestContext;
  let base: string;
  let headers: Record<string, string>;
  let meta: string;

  beforeAll(async () => {
    mountDir = await mkdtemp(path.join(tmpdir(), 'quanlu-full-'));
    mount = mountTmpfs(mountDir, '24m');
    ctx = await createTestApp({}, { dataDir: mountDir });
    ({ base, headers, meta } = await listenAsUploader(ctx));
  });
  afterAll(async () => {
    await ctx?.close();
    mount?.unmount();
    await rm(mountDir, { recursive: true, force: true });
  });

  test('a full disk during upload gives a clear error; nothing partial is visible and what was stored stays intact', async () => {
    const small = path.join(tmpdir(), `small-${randomBytes(4).toString('hex')}.mp4`);
    await writeFile(small, randomBytes(1024 * 1024));
    const ok = await tusUpload(base, small, { filename: 'small.mp4', metadata: meta }, headers);
    expect(ok.ok, ok.body).toBe(true);
    const kept = ok.headers['X-Content-SHA256']!;

    const big = path.join(tmpdir(), `big-${randomBytes(4).toString('hex')}.mp4`);
    await writeFile(big, randomBytes(40 * 1024 * 1024));
    // 1 MiB chunks: the chunk that hits the full disk is sent whole before the 507 comes back, so the
    // client reads the answer instead of a reset connection.
    const full = await tusUpload(base, big, { filename: 'big.mp4', metadata: meta }, headers, { chunkSize: 1024 * 1024 });
    expect(full.ok).toBe(false);
    expect(full.status).toBe(507);
    const body = JSON.parse(full.body!);
    expect(body.code).toBe('STORAGE_FULL');
    expect(body.message).toMatch(/存储空间已满/);

    // Nothing partial became an original; the earlier file is still sound.
    const originals = (await sql<{ sha256: string }>`SELECT sha256 FROM original`.execute(ctx.db)).rows.map((r) => r.sha256);
    expect(originals).toEqual([kept]);
    expect(await readdir(path.join(mountDir, 'store', 'objects'), { recursive: true })).toContain(path.join(kept.slice(0, 2), kept.slice(2, 4), kept));
    expect((await ctx.deps.storage.verify(kept)).ok).toBe(true);
    await rm(small);
    await rm(big);
  });
});
