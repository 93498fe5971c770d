import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { sharedHashPool } from '../../src/platform/hashing/hash-pool.ts';
import { createTestApp, listenAsUploader, type TestContext } from '../support/harness.ts';
import { tusUpload } from '../support/tus-client.ts';

const MiB = 1 << 20;
let ctx: TestContext;
let up: Awaited<ReturnType<typeof listenAsUploader>>;

beforeAll(async () => {
  ctx = await createTestApp();
  up = await listenAsUploader(ctx);
});
afterAll(() => ctx.close());

const count = async (table: 'original' | 'recording') => Number((await sql<{ n: string }>`SELECT count(*) AS n FROM ${sql.table(table)}`.execute(ctx.db)).rows[0]!.n);
/** SM3 by OpenSSL's command line, a second implementation next to node's (undefined when openssl lacks SM3). */
function opensslSm3(file: string): string | undefined {
  const r = spawnSync('openssl', ['dgst', '-sm3', '-r', file], { encoding: 'utf8' });
  return r.status === 0 ? /^([0-9a-f]{64})/.exec(r.stdout)?.[1] : undefined;
}
const b64 = (v: string) => Buffer.from(v).toString('base64');
/**
 * Jobs on the shared pool's threads. The pool is one per process, and test files share a worker process
 * (isolate: false), so each test compares with what it found before it began.
 */
const poolJobs = () => sharedHashPool().stats().jobs.reduce((a, b) => a + b, 0);
const until = async (cond: () => boolean | Promise<boolean>, what: string, ms = 60_000) => {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('concurrent ingest on the shared hash pool', () => {
  test('8 uploads at once all finish, each with the SHA-256 and SM3 of its own bytes, stored as those bytes', { timeout: 240_000 }, async () => {
    // Sizes above the 4 MiB the hasher keeps on the calling thread, all different, so every upload uses the pool.
    const files = await Promise.all(
      Array.from({ length: 8 }, async (_, i) => {
        const data = randomBytes(6 * MiB + i * 333_333);
        const file = path.join(ctx.dataDir, `concurrent-${i}.mp4`);
        await writeFile(file, data);
        return { file, sha256: createHash('sha256').update(data).digest('hex'), sm3: createHash('sm3').update(data).digest('hex') };
      }),
    );
    const before = await count('original');
    const jobsBefore = poolJobs();
    const results = await Promise.all(files.map((f) => tusUpload(up.base, f.file, { filename: path.basename(f.file), metadata: up.meta }, up.headers, { chunkSize: 2 * MiB })));
    for (const [i, r] of results.entries()) {
      expect(r.ok, r.body).toBe(true);
      expect(r.headers['X-Upload-State']).toBe('stored');
      expect(r.headers['X-Content-SHA256']).toBe(files[i]!.sha256);
      expect(r.headers['X-Content-SM3']).toBe(files[i]!.sm3);
      const viaOpenssl = opensslSm3(files[i]!.file);
      if (viaOpenssl) expect(viaOpenssl).toBe(files[i]!.sm3);
      const row = (await sql<{ sm3: string; size_bytes: string }>`SELECT sm3, size_bytes FROM original WHERE sha256 = ${files[i]!.sha256}`.execute(ctx.db)).rows[0];
      expect(row?.sm3).toBe(files[i]!.sm3);
      // The stored object re-read by the store hashes to the same pair.
      expect(await ctx.deps.storage.verify(files[i]!.sha256, { expectedSm3: files[i]!.sm3 })).toMatchObject({ ok: true });
    }
    expect(await count('original')).toBe(before + 8);
    // Every job left the pool's threads.
    expect(poolJobs()).toBeLessThanOrEqual(jobsBefore);
  });

  test('a hash thread dying mid-upload fails that request with a 5xx and stores nothing; the upload then resumes and hashes right', { timeout: 180_000 }, async () => {
    const data = randomBytes(24 * MiB);
    const sha256 = createHash('sha256').update(data).digest('hex');
    const sm3 = createHash('sm3').update(data).digest('hex');
    const before = { originals: await count('original'), recordings: await count('recording') };
    const jobsBefore = poolJobs();
    const created = await fetch(`${up.base}/api/uploads`, {
      method: 'POST',
      headers: { ...up.headers, 'tus-resumable': '1.0.0', 'upload-length': String(data.length), 'upload-metadata': `filename ${b64('crash.mp4')},metadata ${b64(up.meta)}` },
    });
    expect(created.status).toBe(201);
    const url = new URL(created.headers.get('location')!, up.base);

    // One PATCH whose body we feed by hand: 10 MiB, then the threads die, then the rest.
    const patch = http.request(url, {
      method: 'PATCH',
      headers: { ...up.headers, 'tus-resumable': '1.0.0', 'upload-offset': '0', 'content-type': 'application/offset+octet-stream', 'content-length': String(data.length) },
    });
    const answer = new Promise<{ status: number; body: string } | { error: string }>((resolve) => {
      patch.on('response', (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      });
      patch.on('error', (e) => resolve({ error: e.message }));
    });
    patch.write(data.subarray(0, 10 * MiB));
    await until(() => poolJobs() > jobsBefore, 'the upload’s hash job on the pool');
    await sharedHashPool().terminateAll();
    patch.end(data.subarray(10 * MiB));
    const r = await answer;
    // The server answers 500 (a server fault, retryable); if it closed the connection first, the client sees that.
    if ('status' in r) expect(r.status).toBe(500);
    else expect(r.error).toMatch(/socket hang up|ECONNRESET|EPIPE/);

    // Nothing half-stored: no original, no recording, no object under the content's name; the upload is still receiving.
    expect(await count('original')).toBe(before.originals);
    expect(await count('recording')).toBe(before.recordings);
    expect(await ctx.deps.storage.exists(sha256)).toBe(false);
    const id = url.pathname.split('/').pop()!;
    const row = (await sql<{ state: string }>`SELECT state FROM upload WHERE id = ${id}`.execute(ctx.db)).rows[0];
    expect(row?.state).toBe('receiving');

    // Resumed (tus-js-client asks for the offset and sends the rest): the hashes come from the bytes on disk.
    const file = path.join(ctx.dataDir, 'crash.mp4');
    await writeFile(file, data);
    const resumed = await tusUpload(up.base, file, { filename: 'crash.mp4', metadata: up.meta }, up.headers, { uploadUrl: url.toString() });
    expect(resumed.ok, resumed.body).toBe(true);
    expect(resumed.headers['X-Content-SHA256']).toBe(sha256);
    expect(resumed.headers['X-Content-SM3']).toBe(sm3);
    expect(await count('original')).toBe(before.originals + 1);
  });

  test('a server closed with an upload half sent drops its running hash: no job is left on the shared threads', { timeout: 120_000 }, async () => {
    const other = await createTestApp();
    const jobsBefore = poolJobs();
    try {
      const o = await listenAsUploader(other);
      const data = randomBytes(12 * MiB);
      const created = await fetch(`${o.base}/api/uploads`, {
        method: 'POST',
        headers: { ...o.headers, 'tus-resumable': '1.0.0', 'upload-length': String(data.length), 'upload-metadata': `filename ${b64('half.mp4')},metadata ${b64(o.meta)}` },
      });
      expect(created.status).toBe(201);
      // The first 8 MiB arrive (past the 4 MiB hashed inline: the job is on the pool); the rest never comes.
      const half = await fetch(new URL(created.headers.get('location')!, o.base), {
        method: 'PATCH',
        headers: { ...o.headers, 'tus-resumable': '1.0.0', 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' },
        body: data.subarray(0, 8 * MiB),
      });
      expect(half.status).toBe(204);
      // One job, on one thread or on two (its SHA-256 and SM3 are spread over the threads).
      expect(poolJobs()).toBeGreaterThan(jobsBefore);
    } finally {
      await other.close();
    }
    await until(() => poolJobs() <= jobsBefore, 'the half-sent upload’s job to leave the threads', 15_000);
  });
});
