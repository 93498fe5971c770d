import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { copyFile, mkdir, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { uploaderOf } from '../../src/modules/uploads/uploads.service.ts';
import { finishUpload } from '../../src/modules/uploads/upload-finish.service.ts';
import { sweepUploads } from '../../src/modules/uploads/upload-sweep.service.ts';
import { UploadFolder } from '../../src/modules/uploads/upload-store.ts';
import { buildApp } from '../../src/platform/http/app.ts';
import { prepareDataFolder } from '../../src/platform/storage/data-folders.ts';
import { repoRoot } from '../support/cli.ts';
import { createApiTokenForTest, createTestApp, listenAsUploader, makeDepartment, makePerson, makeUser, type TestContext } from '../support/harness.ts';
import { tusUpload } from '../support/tus-client.ts';

/**
 * Issue 6 items 12 (tus part) and 13: the finishing step of an upload is atomic and
 * crash-safe. Crashes are real: the API runs as a child process that a fault point holds at the named
 * instant, and the test SIGKILLs it there; then this process plays the restarted server.
 */

let ctx: TestContext;
let base: string;
let headers: Record<string, string>;
let meta: string;
let folder: UploadFolder;

beforeAll(async () => {
  ctx = await createTestApp();
  ({ base, headers, meta } = await listenAsUploader(ctx));
  folder = new UploadFolder(path.join(ctx.dataDir, 'uploads'));
});
afterAll(() => ctx.close());

const sha256Of = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const sm3Of = (b: Buffer) => createHash('sm3').update(b).digest('hex');
const tus = { 'tus-resumable': '1.0.0' };

async function sourceFile(bytes: number) {
  const content = randomBytes(bytes);
  const f = path.join(ctx.dataDir, `src-${randomBytes(4).toString('hex')}.mp4`);
  await writeFile(f, content);
  return { f, content, sha256: sha256Of(content), sm3: sm3Of(content) };
}

const rowOf = async (id: string) =>
  (await sql<{ state: string; recording_id: string | null; error_code: string | null }>`SELECT state, recording_id, error_code FROM upload WHERE id = ${id}`.execute(ctx.db)).rows[0];
const countWhere = async (table: 'original' | 'recording', column: 'sha256' | 'original_sha256', sha: string) =>
  Number((await sql<{ n: string }>`SELECT count(*) AS n FROM ${sql.table(table)} WHERE ${sql.ref(column)} = ${sha}`.execute(ctx.db)).rows[0]!.n);
const eventsOf = async (action: string, detail: string, value: string) =>
  (await sql<{ n: string }>`SELECT count(*) AS n FROM audit_event WHERE action = ${action} AND details->>${detail} = ${value}`.execute(ctx.db)).rows[0]!.n;
const uploadFiles = async (id: string) => (await readdir(folder.dir)).filter((n) => n.startsWith(id));
const storeTemp = async () => readdir(path.join(ctx.dataDir, 'store', 'tmp')).catch(() => [] as string[]);
const objectFile = (sha: string) => ctx.deps.storage.localPath!(sha);
const exists = (p: string) => stat(p).then(() => true, () => false);

/** Waits for a condition (no fixed sleeps: the CI machine is slow and loaded). */
async function until<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The API as a separate process that stops at `point`; resolves once it listens. */
async function crashServer(point: string): Promise<{ url: string; child: ChildProcess; atFault: Promise<void>; kill(): Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'test/support/crash-server.ts'), ctx.dbUrl, ctx.dataDir, point], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  let onFault: () => void = () => undefined;
  const atFault = new Promise<void>((r) => (onFault = r));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`crash server exited early (${code}): ${out}`)));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /LISTENING (\S+)/.exec(out);
      if (m) resolve(m[1]!);
      if (out.includes(`FAULT ${point}`)) onFault();
    });
  });
  return {
    url,
    child,
    atFault,
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Uploads through a child server that is SIGKILLed at `point`; returns the upload id. */
async function uploadAndKillAt(point: string, src: { f: string; sha256: string }) {
  const server = await crashServer(point);
  const sent = tusUpload(server.url, src.f, { filename: path.basename(src.f), sha256: src.sha256, metadata: meta }, headers, { chunkSize: 512 * 1024 });
  await server.atFault;
  await server.kill();
  const r = await sent;
  expect(r.ok).toBe(false);
  return new URL(r.url!).pathname.split('/').pop()!;
}

/** What the restart of the server does to the data folder before it serves. */
const restart = () => prepareDataFolder(ctx.deps.config);

const head = (id: string) => fetch(`${base}/api/uploads/${id}`, { method: 'HEAD', headers: { ...headers, ...tus } });
const emptyPatch = (id: string, offset: number) =>
  fetch(`${base}/api/uploads/${id}`, {
    method: 'PATCH',
    headers: { ...headers, ...tus, 'upload-offset': String(offset), 'content-type': 'application/offset+octet-stream' },
    body: '',
  });

/** Everything a finished upload must be, whichever way it was finished. */
async function expectFinished(id: string, src: { sha256: string; sm3: string }) {
  const row = await rowOf(id);
  expect(row).toMatchObject({ state: 'stored' });
  expect(await countWhere('original', 'sha256', src.sha256)).toBe(1);
  expect(await countWhere('recording', 'original_sha256', src.sha256)).toBe(1);
  expect(await ctx.deps.storage.verify(src.sha256, { expectedSm3: src.sm3 })).toMatchObject({ ok: true });
  expect(await eventsOf('recording.create', 'uploadId', id)).toBe('1');
  expect(await uploadFiles(id)).toEqual([]); // neither the bytes nor the sidecar stay behind
  expect(await storeTemp()).toEqual([]);
  return row!;
}

describe('a crash at any instant of the finishing step (real SIGKILL)', () => {
  // What the data folder and the database hold right after the kill, written out per instant.
  const atKill = {
    'finish.hashed': { row: 'receiving', object: false, originalRow: 0 },
    'finish.published': { row: 'receiving', object: true, originalRow: 0 },
    'finish.committed': { row: 'stored', object: true, originalRow: 1 },
  } as const;

  test('after the last byte, before anything else: the client resuming (HEAD only) gets it finished', { timeout: 120_000 }, async () => {
    const src = await sourceFile(2 * 1024 * 1024 + 5);
    const id = await uploadAndKillAt('finish.hashed', src);
    const expected = atKill['finish.hashed'];
    expect((await rowOf(id))!.state).toBe(expected.row);
    expect(await exists(objectFile(src.sha256))).toBe(expected.object);
    expect(await countWhere('original', 'sha256', src.sha256)).toBe(expected.originalRow);

    await restart();
    const h = await head(id);
    expect(h.status).toBe(200); // not 410: every byte is still there
    expect(h.headers.get('upload-offset')).toBe(String(src.content.length));
    // tus-js-client resuming sees a full offset and reports success without a PATCH: the server finishes it.
    const resumed = await tusUpload(base, src.f, { filename: 'x.mp4', sha256: src.sha256, metadata: meta }, headers, { uploadUrl: `${base}/api/uploads/${id}` });
    expect(resumed.ok).toBe(true);
    await until('the upload to be finished', async () => (await rowOf(id))!.state === 'stored');
    await expectFinished(id, src);
  });

  test('with the object published and the transaction open: an empty PATCH finishes it; the object is re-hashed, not trusted', { timeout: 120_000 }, async () => {
    const src = await sourceFile(3 * 1024 * 1024);
    const id = await uploadAndKillAt('finish.published', src);
    const expected = atKill['finish.published'];
    expect((await rowOf(id))!.state).toBe(expected.row);
    expect(await exists(objectFile(src.sha256))).toBe(expected.object);
    expect(await countWhere('original', 'sha256', src.sha256)).toBe(expected.originalRow);
    // The bytes are still under the upload's own name: nothing depends on the half-done publish.
    expect(await uploadFiles(id)).toEqual([id, `${id}.json`].sort());

    await restart();
    const p = await emptyPatch(id, src.content.length);
    expect(p.status, await p.text()).toBe(204);
    expect(p.headers.get('x-upload-state')).toBe('stored');
    const row = await expectFinished(id, src);
    expect(p.headers.get('x-recording-id')).toBe(row.recording_id);
  });

  test('after the commit, before the clean-up: HEAD tells the result, an empty PATCH repeats it and clears the leftovers', { timeout: 120_000 }, async () => {
    const src = await sourceFile(1024 * 1024);
    const id = await uploadAndKillAt('finish.committed', src);
    const expected = atKill['finish.committed'];
    expect((await rowOf(id))!.state).toBe(expected.row);
    expect(await exists(objectFile(src.sha256))).toBe(expected.object);
    expect(await countWhere('original', 'sha256', src.sha256)).toBe(expected.originalRow);

    await restart();
    const h = await head(id);
    expect(h.status).toBe(200);
    expect(h.headers.get('x-upload-state')).toBe('stored');
    const p = await emptyPatch(id, src.content.length);
    expect(p.status).toBe(204);
    expect(p.headers.get('x-upload-state')).toBe('stored');
    const row = await expectFinished(id, src);
    expect(p.headers.get('x-recording-id')).toBe(row.recording_id);
    // Finished and cleaned up, it still answers HEAD (a client that lost the last answer learns it).
    const again = await head(id);
    expect(again.status).toBe(200);
    expect(again.headers.get('upload-offset')).toBe(String(src.content.length));
    expect(again.headers.get('x-recording-id')).toBe(row.recording_id);
  });

  test('or the sweeper finishes it, as the job', { timeout: 120_000 }, async () => {
    const src = await sourceFile(1024 * 1024);
    const id = await uploadAndKillAt('finish.published', src);
    await restart();
    const old = new Date(Date.now() - 20 * 60_000);
    await utimes(folder.filePath(id), old, old);
    await sql`UPDATE upload SET created_at = ${old} WHERE id = ${id}`.execute(ctx.db);
    expect(await sweepUploads(ctx.deps)).toMatchObject({ finished: 1, failed: 0 });
    await expectFinished(id, src);
    const ev = (await sql<{ actor_id: string | null; actor_label: string }>`SELECT actor_id, actor_label FROM audit_event WHERE action = 'recording.create' AND details->>'uploadId' = ${id}`.execute(ctx.db)).rows[0];
    expect(ev).toEqual({ actor_id: null, actor_label: 'job:uploads.sweep' });
  });
});

test('start-up removes temp files and media work folders a killed process left, and keeps those of live processes', async () => {
  const storeTmp = path.join(ctx.dataDir, 'store', 'tmp');
  const work = path.join(ctx.dataDir, 'tmp');
  await mkdir(storeTmp, { recursive: true });
  await writeFile(path.join(storeTmp, '20260101T000000.000Z-p999999999-0a.part'), randomBytes(1000));
  await writeFile(path.join(storeTmp, '20260101T000000.000Z-0b.part'), randomBytes(1000));
  await writeFile(path.join(storeTmp, '20260101T000000.000Z-p1-0c.part'), 'pid 1 is alive');
  await mkdir(path.join(work, 'media-0d0d0d'), { recursive: true });
  await writeFile(path.join(work, 'media-0d0d0d', 'proxy.mp4'), randomBytes(1000));
  expect(await restart()).toEqual({ tempFiles: 2, workFolders: 1 });
  expect(await readdir(storeTmp)).toEqual(['20260101T000000.000Z-p1-0c.part']);
  expect((await readdir(work)).filter((n) => n.startsWith('media-'))).toEqual([]);
  await rm(path.join(storeTmp, '20260101T000000.000Z-p1-0c.part'));
});

/** An upload whose every byte is on disk but that was never finished (as after a crash). */
async function completeButUnfinished(src: { f: string; content: Buffer; sha256: string }) {
  const r = await tusUpload(base, src.f, { filename: path.basename(src.f), sha256: src.sha256, metadata: meta }, headers, { stopAfterBytes: 1, chunkSize: 256 * 1024 });
  const id = new URL(r.url!, base).pathname.split('/').pop()!;
  await copyFile(src.f, folder.filePath(id));
  return id;
}

describe('concurrent finishes', () => {
  test('two simultaneous empty PATCHes both answer the one result, never 500 "nothing saved"', async () => {
    const src = await sourceFile(4 * 1024 * 1024);
    const id = await completeButUnfinished(src);
    const [a, b] = await Promise.all([emptyPatch(id, src.content.length), emptyPatch(id, src.content.length)]);
    expect([a.status, b.status]).toEqual([204, 204]);
    expect(a.headers.get('x-upload-state')).toBe('stored');
    expect(b.headers.get('x-upload-state')).toBe('stored');
    expect(b.headers.get('x-recording-id')).toBe(a.headers.get('x-recording-id'));
    await expectFinished(id, { ...src, sm3: sm3Of(src.content) });
  });

  test('two finishers that do not share memory (two processes) give one recording and the same answer', async () => {
    const src = await sourceFile(4 * 1024 * 1024);
    const id = await completeButUnfinished(src);
    const uploader = (await uploaderOf(ctx.db, (await sql<{ uploaded_by: string }>`SELECT uploaded_by FROM upload WHERE id = ${id}`.execute(ctx.db)).rows[0]!.uploaded_by))!;
    const by = { uploader, actor: { kind: 'user' as const, id: uploader.id, label: uploader.username } };
    // Both have hashed and found the upload receiving before either goes on: they meet at the row lock.
    let arrived = 0;
    let release: () => void = () => undefined;
    const bothHashed = new Promise<void>((r) => (release = r));
    const deps = {
      ...ctx.deps,
      faults: {
        async reach(point: string) {
          if (point !== 'finish.hashed') return;
          if (++arrived === 2) release();
          await bothHashed;
        },
      },
    };
    const digest = { sha256: src.sha256, sm3: sm3Of(src.content), size: src.content.length };
    const [a, b] = await Promise.all([finishUpload(deps, by, id, folder, digest), finishUpload(deps, by, id, folder, digest)]);
    expect(b).toEqual(a);
    expect(a.state).toBe('stored');
    await expectFinished(id, { ...src, sm3: sm3Of(src.content) });
  });
});

describe('refusals end the upload cleanly (never receiving forever, nothing half-published)', () => {
  test('a hash mismatch leaves no sidecar and no upload file; the bytes are kept aside', async () => {
    const src = await sourceFile(300_000);
    const r = await tusUpload(base, src.f, { filename: 'bad.mp4', sha256: 'b'.repeat(64), metadata: meta }, headers);
    expect(r.status).toBe(422);
    const id = new URL(r.url!, base).pathname.split('/').pop()!;
    expect(await rowOf(id)).toMatchObject({ state: 'rejected', error_code: 'HASH_MISMATCH' });
    expect(await uploadFiles(id)).toEqual([]);
    expect((await readdir(path.join(ctx.dataDir, 'store', 'rejected'))).filter((n) => n.endsWith(src.sha256))).toHaveLength(1);
    expect(await exists(objectFile(src.sha256))).toBe(false);
  });

  test('a UTC offset PostgreSQL cannot store is refused when the upload is created, before any byte', async () => {
    const src = await sourceFile(1000);
    const before = (await readdir(folder.dir)).length;
    const bad = JSON.stringify({ ...JSON.parse(meta), recordedStart: '2026-11-27T08:00:00+16:00' });
    const r = await tusUpload(base, src.f, { filename: 'tz.mp4', metadata: bad }, headers);
    expect(r.status).toBe(400);
    const body = JSON.parse(r.body!);
    expect(body.code).toBe('VALIDATION_FAILED');
    expect(Object.keys(body.fields)).toEqual(['recordedStart']);
    expect(r.url).toBeNull(); // no upload was created
    expect((await readdir(folder.dir)).length).toBe(before);
  });

  test('metadata the database refuses at finish (an older row) rejects the upload: no object without its rows, no sidecar', async () => {
    const src = await sourceFile(200_000);
    const id = await completeButUnfinished(src);
    // As if the upload had been created before the time check existed.
    await sql`UPDATE upload SET metadata = jsonb_set(metadata, '{recordedStart}', '"2026-11-27T08:00:00+16:00"') WHERE id = ${id}`.execute(ctx.db);
    const p = await emptyPatch(id, src.content.length);
    expect(p.status).toBeGreaterThanOrEqual(400);
    expect(p.status).toBeLessThan(500);
    expect(await rowOf(id)).toMatchObject({ state: 'rejected' });
    expect(await exists(objectFile(src.sha256))).toBe(false);
    expect(await countWhere('original', 'sha256', src.sha256)).toBe(0);
    expect(await uploadFiles(id)).toEqual([]);
    expect(await eventsOf('upload.rejected', 'sha256', src.sha256)).toBe('1');
  });
});

test('a failure that is not about the upload (an outage) is logged at error level with the request id; the upload stays resumable', async () => {
  const lines: string[] = [];
  let outage = true;
  const deps = {
    ...ctx.deps,
    faults: {
      async reach(point: string) {
        if (point === 'finish.hashed' && outage) {
          outage = false;
          throw new Error('simulated outage: connection reset by peer');
        }
      },
    },
  };
  const app = await buildApp(deps, { logger: { level: 'error', stream: { write: (l: string) => void lines.push(l) } }, serveWeb: false });
  try {
    const b = await app.listen({ port: 0, host: '127.0.0.1' });
    const src = await sourceFile(100_000);
    const r = await tusUpload(b, src.f, { filename: 'outage.mp4', metadata: meta }, headers);
    expect(r.status).toBe(500);
    const body = JSON.parse(r.body!);
    expect(body.code).toBe('INTERNAL');
    const errors = lines.map((l) => JSON.parse(l) as { level: number; reqId?: string; err?: { message?: string } }).filter((l) => l.level === 50);
    expect(errors.filter((l) => l.reqId === body.requestId && l.err?.message?.includes('simulated outage'))).toHaveLength(1);
    const id = new URL(r.url!, b).pathname.split('/').pop()!;
    expect((await rowOf(id))!.state).toBe('receiving');
    const retry = await fetch(`${b}/api/uploads/${id}`, {
      method: 'PATCH',
      headers: { ...headers, ...tus, 'upload-offset': String(src.content.length), 'content-type': 'application/offset+octet-stream' },
      body: '',
    });
    expect(retry.status).toBe(204);
    await expectFinished(id, src);
  } finally {
    await app.close();
  }
});

describe('tus DELETE by the owner ends the upload', () => {
  test('row cancelled, audited, bytes and sidecar removed; others get 404; a finished upload cannot be cancelled', async () => {
    const src = await sourceFile(600_000);
    const r = await tusUpload(base, src.f, { filename: 'cancel.mp4', metadata: meta }, headers, { stopAfterBytes: 1, chunkSize: 200_000 });
    const id = new URL(r.url!, base).pathname.split('/').pop()!;
    expect(await uploadFiles(id)).toEqual([id, `${id}.json`].sort());

    const dept = await makeDepartment(ctx.db);
    const stranger = await makeUser(ctx.db, { roles: ['officer'], departmentId: dept.id, personId: (await makePerson(ctx.db, { departmentId: dept.id })).id });
    const strangerHeaders = { authorization: `Bearer ${await createApiTokenForTest(ctx, stranger)}` };
    const theirs = await fetch(`${base}/api/uploads/${id}`, { method: 'DELETE', headers: { ...strangerHeaders, ...tus } });
    expect(theirs.status).toBe(404);
    expect((await rowOf(id))!.state).toBe('receiving');

    const mine = await fetch(`${base}/api/uploads/${id}`, { method: 'DELETE', headers: { ...headers, ...tus } });
    expect(mine.status).toBe(204);
    expect((await rowOf(id))!.state).toBe('cancelled');
    expect(await uploadFiles(id)).toEqual([]);
    const ev = (await sql<{ action: string }>`SELECT action FROM audit_event WHERE target_id = ${id} ORDER BY seq`.execute(ctx.db)).rows.map((e) => e.action);
    expect(ev).toEqual(['upload.create', 'upload.cancelled']);
    expect((await head(id)).status).toBe(404);

    const done = await tusUpload(base, (await sourceFile(1000)).f, { filename: 'done.mp4', metadata: meta }, headers);
    expect(done.ok).toBe(true);
    const doneId = new URL(done.url!, base).pathname.split('/').pop()!;
    const late = await fetch(`${base}/api/uploads/${doneId}`, { method: 'DELETE', headers: { ...headers, ...tus } });
    expect(late.status).toBe(409);
    expect((await late.json()).code).toBe('UPLOAD_ALREADY_FINISHED');
  });
});
