import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createApiTokenForTest, createTestApp, createTestDatabase, makeDepartment, makePerson, makeUser, type TestContext } from '../support/harness.ts';
import { tusUpload } from '../support/tus-client.ts';

const SIZE = 320 * 1024 * 1024;
let dataDir: string;
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let bigFile: string;
let expected: { sha256: string; sm3: string };

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'quanlu-resume-'));
  database = await createTestDatabase();
  bigFile = path.join(dataDir, 'big.mp4');
  // Random bytes written in 8 MiB pieces: a multi-hundred-MB file without holding it in memory.
  const out = createWriteStream(bigFile);
  const piece = randomBytes(8 * 1024 * 1024);
  for (let i = 0; i < SIZE / piece.length; i++) {
    piece.writeUInt32LE(i, 0);
    if (!out.write(piece)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((r) => out.end(() => r()));
  const sha = createHash('sha256');
  const sm3 = createHash('sm3');
  await pipeline(createReadStream(bigFile), async function* (src) {
    for await (const c of src) {
      sha.update(c as Buffer);
      sm3.update(c as Buffer);
    }
  });
  expected = { sha256: sha.digest('hex'), sm3: sm3.digest('hex') };
});
afterAll(async () => {
  await database.drop();
  await rm(dataDir, { recursive: true, force: true });
});

async function serve(): Promise<{ ctx: TestContext; base: string }> {
  const ctx = await createTestApp({}, { database, dataDir });
  const base = await ctx.app.listen({ port: 0, host: '127.0.0.1' });
  return { ctx, base };
}

test('a multi-hundred-MB upload survives a dropped connection and a server restart, and hashes to the source', { timeout: 180_000 }, async () => {
  let { ctx, base } = await serve();
  const dept = await makeDepartment(ctx.db);
  const person = await makePerson(ctx.db, { departmentId: dept.id });
  const user = await makeUser(ctx.db, { roles: ['officer'], departmentId: dept.id, personId: person.id });
  const token = await createApiTokenForTest(ctx, user);
  const headers = { authorization: `Bearer ${token}` };
  const metadata = {
    filename: 'DSJ7654321_000777_20261127080000_0001.mp4',
    sha256: expected.sha256,
    metadata: JSON.stringify({ departmentId: dept.id, officerIds: [person.id], recordedStart: '2026-11-27T00:00:00Z', activity: 'patrol', partyInformed: 'not_applicable' }),
  };

  // 1. The connection drops after ~60 MB.
  const first = await tusUpload(base, bigFile, metadata, headers, { stopAfterBytes: 60 * 1024 * 1024, chunkSize: 16 * 1024 * 1024 });
  expect(first.ok).toBe(false);
  const url = first.url!;
  const offsetAfterDrop = (await stat(path.join(dataDir, 'uploads', url.split('/').pop()!))).size;
  expect(offsetAfterDrop).toBeGreaterThan(0);

  // 2. It resumes, then the server is stopped mid-upload (the in-memory running hash is lost).
  const second = tusUpload(base, bigFile, metadata, headers, { uploadUrl: url, stopAfterBytes: 200 * 1024 * 1024, chunkSize: 16 * 1024 * 1024 });
  expect((await second).ok).toBe(false);
  await ctx.app.close();
  ({ ctx, base } = await serve());

  // 3. After the restart it resumes where it stopped and completes.
  const head = await fetch(`${base}${new URL(url, base).pathname}`, { method: 'HEAD', headers: { ...headers, 'tus-resumable': '1.0.0' } });
  const resumedAt = Number(head.headers.get('upload-offset'));
  expect(resumedAt).toBeGreaterThanOrEqual(offsetAfterDrop);
  expect(resumedAt).toBeLessThan(SIZE);
  // The server came back on another port: the upload URL's path is what identifies the upload.
  const done = await tusUpload(base, bigFile, metadata, headers, { uploadUrl: `${base}${new URL(url, base).pathname}`, chunkSize: 64 * 1024 * 1024 });
  expect(done.ok, `${done.status} ${done.body}`).toBe(true);
  expect(done.headers['X-Content-SHA256']).toBe(expected.sha256);
  expect(done.headers['X-Content-SM3']).toBe(expected.sm3);

  const o = await ctx.db.selectFrom('original').selectAll().executeTakeFirstOrThrow();
  expect(o).toMatchObject({ sha256: expected.sha256, sm3: expected.sm3, size_bytes: String(SIZE) });
  const v = await ctx.deps.storage.verify(expected.sha256, { expectedSm3: expected.sm3 });
  expect(v.ok).toBe(true);
  await ctx.app.close();
});
