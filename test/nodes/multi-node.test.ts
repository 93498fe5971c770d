import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { cp, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildWeb, webBuildIsStale } from '../../src/cli/web-build.ts';
import { freePort } from '../../src/platform/db/embedded-postgres.ts';
import { runCli, repoRoot } from '../support/cli.ts';
import { createTestDatabase, makeDepartment, makePerson, makeUser, type TestDatabase } from '../support/harness.ts';
import { makeClip } from '../support/media-fixtures.ts';
import { findS3TestServer, GATEWAY_WAIT_MS, startS3Gateway, type S3Gateway } from '../support/s3-gateway.ts';
import { tusUpload } from '../support/tus-client.ts';
import { alive, commandOf, processTree, Started, waitFor } from '../startup/processes.ts';

/**
 * Issue 10 §3: two api nodes and two worker nodes as separate processes (`quanlu start --role …`) on one
 * PostgreSQL (this test's database), one bucket on the real Ceph RADOS Gateway and one shared upload folder;
 * each node has a data folder of its own holding a copy of the installation keys. Sessions, uploads, approvals,
 * playback and jobs cross nodes; an api node killed mid-upload is resumed on the other (hashes of the source);
 * a worker killed mid-job has its job run again by the other, never by two at once; the audit chain verifies.
 */
const tool = findS3TestServer();
if (!tool) console.warn('multi-node test skipped: ../shared/tools/s3-test-server is not next to this checkout');

const bin = path.join(repoRoot, 'bin/quanlu.mjs');
let gw: S3Gateway;
let database: TestDatabase;
let root: string;
let shared: string;
let baseEnv: Record<string, string>;
const nodes = new Map<string, { started: Started; url?: string; dataDir: string }>();
const bucket = `quanlu-nodes-${randomBytes(3).toString('hex')}`;

function startNode(name: string, role: 'api' | 'worker', port?: number): Started {
  const dataDir = path.join(root, name);
  const env = { ...baseEnv, QUANLU_DATA_DIR: dataDir, ...(port && { PORT: String(port) }) };
  const started = Started.spawn(process.execPath, [bin, 'start', '--role', role], repoRoot, env);
  nodes.set(name, { started, dataDir, ...(port && { url: `http://127.0.0.1:${port}` }) });
  return started;
}
const url = (name: string) => nodes.get(name)!.url!;
const pidOf = (name: string) => nodes.get(name)!.started.proc.pid!;

async function workerReady(name: string) {
  const s = nodes.get(name)!.started;
  await waitFor(`worker ${name} running; output:\n${s.out}`, () => {
    if (s.proc.exitCode !== null) throw new Error(`worker ${name} exited ${s.proc.exitCode}:\n${s.out}`);
    return s.stdout.includes('QuanLu worker is running');
  }, 180_000);
}

/** A logged-in HTTP client of one node (the session is PostgreSQL's: any node accepts it). */
interface Client {
  cookie: string;
  csrf: string;
  call(node: string, method: string, p: string, body?: unknown, headers?: Record<string, string>): Promise<Response>;
}
async function login(node: string, username: string, password: string): Promise<Client> {
  const r = await fetch(`${url(node)}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  expect(r.status, await r.clone().text()).toBe(200);
  const cookie = r.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const csrf = ((await r.json()) as { csrfToken: string }).csrfToken;
  return {
    cookie,
    csrf,
    call: (n, method, p, body, headers = {}) =>
      fetch(`${url(n)}${p}`, {
        method,
        headers: { cookie, 'x-csrf-token': csrf, ...(body !== undefined && { 'content-type': 'application/json' }), ...headers },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      }),
  };
}

const sha256Of = async (file: string) => {
  const h = createHash('sha256');
  for await (const c of createReadStream(file)) h.update(c as Buffer);
  return h.digest('hex');
};
const sm3Of = async (file: string) => {
  const h = createHash('sm3');
  for await (const c of createReadStream(file)) h.update(c as Buffer);
  return h.digest('hex');
};
const b64 = (s: string) => Buffer.from(s).toString('base64');

let officer: Client;
let requester: Client;
let leader: Client;
let departmentId: string;
let personId: string;
const meta = () =>
  JSON.stringify({
    departmentId,
    officerIds: [personId],
    deviceNumber: 'DSJ7654321',
    recordedStart: '2026-11-27T01:30:12Z',
    recordedEnd: '2026-11-27T01:31:12Z',
    activity: 'patrol',
    partyInformed: 'yes',
  });

// Several nodes share an external PostgreSQL in production: CI runs this (slow) test once, in the
// external-PostgreSQL run (`DATABASE_URL` set); the embedded run says it skipped it.
const externalRun = !!process.env.DATABASE_URL;
if (!externalRun) console.warn('multi-node.test: SKIPPED in the embedded-PostgreSQL run (it runs when DATABASE_URL is set)');
describe.skipIf(!tool || !externalRun)('several api and worker nodes on one database, one bucket and one shared upload folder', () => {
  beforeAll(async () => {
    if (webBuildIsStale()) await buildWeb(() => undefined);
    gw = await startS3Gateway();
    const s3 = new S3Client({ endpoint: gw.endpoint, region: gw.region, forcePathStyle: true, credentials: { accessKeyId: gw.accessKeyId, secretAccessKey: gw.secretAccessKey } });
    await s3.send(new CreateBucketCommand({ Bucket: bucket, ObjectLockEnabledForBucket: true }));
    s3.destroy();
    database = await createTestDatabase();
    root = await mkdtemp(path.join(tmpdir(), 'quanlu-nodes-'));
    shared = path.join(root, 'shared');
    await mkdir(shared, { mode: 0o700 });
    baseEnv = {
      ...gw.env(bucket),
      DATABASE_URL: database.url,
      QUANLU_SHARED_DIR: shared,
      QUANLU_LOG_LEVEL: 'info',
      QUANLU_TLOG_CHECKPOINT_MINUTES: '1',
    };
    // The first api node makes the installation keys and records their ids; the others get a copy (README).
    startNode('api1', 'api', await freePort());
    await nodes.get('api1')!.started.healthy(url('api1'), 180_000);
    for (const n of ['api2', 'w1', 'w2']) await cp(path.join(root, 'api1', 'keys'), path.join(root, n, 'keys'), { recursive: true });
    startNode('api2', 'api', await freePort());
    startNode('w1', 'worker');
    startNode('w2', 'worker');
    await Promise.all([nodes.get('api2')!.started.healthy(url('api2'), 180_000), workerReady('w1'), workerReady('w2')]);

    departmentId = (await makeDepartment(database.db)).id;
    personId = (await makePerson(database.db, { departmentId })).id;
    const o = await makeUser(database.db, { roles: ['officer'], departmentId, personId });
    const r = await makeUser(database.db, { roles: ['officer'], departmentId, personId: (await makePerson(database.db, { departmentId })).id });
    const l = await makeUser(database.db, { roles: ['leader'], departmentId, personId: (await makePerson(database.db, { departmentId })).id });
    officer = await login('api1', o.username, o.password);
    requester = await login('api2', r.username, r.password);
    leader = await login('api1', l.username, l.password);
  }, GATEWAY_WAIT_MS + 600_000);

  afterAll(async () => {
    for (const { started } of nodes.values()) {
      if (started.proc.exitCode !== null || started.proc.signalCode !== null) continue;
      started.proc.kill('SIGTERM');
      const done = await Promise.race([started.exited.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 30_000).unref())]);
      if (!done) started.proc.kill('SIGKILL');
    }
    await database?.drop();
    await gw?.stop();
    if (root) await rm(root, { recursive: true, force: true });
  }, 180_000);

  let recordingId: string;

  test('a node without the installation keys refuses to start instead of making its own', async () => {
    const r = await runCli(['start', '--role', 'worker'], { ...baseEnv, QUANLU_DATA_DIR: path.join(root, 'stranger') }, 120_000);
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stderr).toContain('keys/');
  }, 180_000);

  test('a worker killed mid-job: the job runs again on the other worker, never on two at once', async () => {
    const clip = await makeClip(path.join(root, 'clip.mp4'), { seconds: 30, size: '960x540' });
    const up = await tusUpload(url('api2'), clip, { filename: 'clip.mp4', metadata: meta() }, { cookie: officer.cookie, 'x-csrf-token': officer.csrf });
    expect(up.ok, up.body).toBe(true);
    recordingId = up.headers['X-Recording-Id']!;
    const sha256 = up.headers['X-Content-SHA256']!;
    expect(sha256).toBe(await sha256Of(clip));

    // The worker whose process runs ffmpeg now holds the media job (api nodes run no jobs).
    let victim: string | undefined;
    let ffmpegPid: number | undefined;
    await waitFor('a worker transcoding', () => {
      for (const name of ['w1', 'w2', 'api1', 'api2']) {
        const ff = processTree(pidOf(name)).slice(1).find((p) => /(^|\/)ffmpeg( |$)/.test(commandOf(p)));
        if (ff) {
          victim = name;
          ffmpegPid = ff;
          return true;
        }
      }
      return false;
    }, 240_000);
    expect(['w1', 'w2']).toContain(victim);
    const job = (
      await sql<{ id: string; locked_by: string | null; attempts: number }>`SELECT id::text AS id, locked_by, attempts FROM graphile_worker.jobs WHERE task_identifier = 'media.process'`.execute(database.db)
    ).rows;
    expect(job.length).toBe(1);
    const jobId = job[0]!.id;
    const firstHolder = job[0]!.locked_by;
    expect([firstHolder !== null, job[0]!.attempts]).toEqual([true, 1]);
    process.kill(pidOf(victim!), 'SIGKILL');
    try {
      process.kill(ffmpegPid!, 'SIGKILL'); // its transcode, orphaned by the kill
    } catch {
      // already finished
    }
    await waitFor('the killed worker is gone', () => !alive(pidOf(victim!)), 30_000);

    // Watch the job until it is done: who holds it, and how many hold its lease (at most one, always).
    const holders: (string | null)[] = [firstHolder];
    let maxLeaseHolders = 0;
    const explain = async () =>
      JSON.stringify({
        job: (await sql`SELECT attempts, locked_by, run_at, last_error FROM graphile_worker.jobs WHERE id = ${jobId}::bigint`.execute(database.db)).rows,
        holders,
        survivorLog: nodes.get(victim === 'w1' ? 'w2' : 'w1')!.started.out.slice(-3000),
      });
    await waitFor('the media job done after the kill', async () => {
      const now = (await sql<{ locked_by: string | null }>`SELECT locked_by FROM graphile_worker.jobs WHERE id = ${jobId}::bigint`.execute(database.db)).rows[0];
      const leases = (
        await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND classid = 710045 AND objid = ${Number(jobId)} AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`.execute(database.db)
      ).rows[0]!.n;
      maxLeaseHolders = Math.max(maxLeaseHolders, leases);
      if (now && now.locked_by !== holders[holders.length - 1]) holders.push(now.locked_by);
      const h = await database.db.selectFrom('job_history').select(['state', 'attempts']).where('id', '=', jobId).executeTakeFirst();
      return h?.state === 'done';
    }, 1_200_000).catch(async (e: unknown) => {
      throw new Error(`${String(e)}\n${await explain()}`);
    });
    const history = await database.db.selectFrom('job_history').select(['kind', 'state', 'attempts']).where('id', '=', jobId).executeTakeFirstOrThrow();
    expect(history).toEqual({ kind: 'media.process', state: 'done', attempts: 2 });
    expect(maxLeaseHolders).toBeLessThanOrEqual(1);
    // Held by the killed worker, given back (nobody), then taken by the survivor — never by two at once.
    expect(holders[0]).toBe(firstHolder);
    expect(holders.filter((h) => h !== null && h !== firstHolder).length).toBeLessThanOrEqual(1);
    const survivor = victim === 'w1' ? 'w2' : 'w1';
    expect(nodes.get(survivor)!.started.out).toContain('given back to the queue');
    const derived = await database.db.selectFrom('derived_object').select(['kind']).where('original_sha256', '=', sha256).orderBy('kind').execute();
    expect(derived.map((d) => d.kind)).toEqual(['proxy', 'thumbnail']);
  }, 1_800_000);

  test('request on api2, approval on api1, playback on api2 continued on api1', async () => {
    const period = { periodFrom: new Date(Date.now() - 60_000).toISOString(), periodUntil: new Date(Date.now() + 3600_000).toISOString() };
    const before = await requester.call('api1', 'POST', `/api/recordings/${recordingId}/playback-sessions`);
    expect(before.status).toBe(404);
    const req = await requester.call('api2', 'POST', '/api/access-requests', { recordingIds: [recordingId], purpose: '跨节点调阅复核', mode: 'view', ...period });
    expect(req.status, await req.clone().text()).toBe(201);
    const requestId = ((await req.json()) as { id: string }).id;
    const ok = await leader.call('api1', 'POST', `/api/access-requests/${requestId}/approve`, {});
    expect(ok.status, await ok.clone().text()).toBe(200);
    const s = await requester.call('api2', 'POST', `/api/recordings/${recordingId}/playback-sessions`);
    expect(s.status, await s.clone().text()).toBe(201);
    const session = (await s.json()) as { sessionId: string; sizeBytes: number };
    const first = await requester.call('api2', 'GET', `/api/recordings/${recordingId}/proxy?session=${session.sessionId}`, undefined, { range: 'bytes=0-1023' });
    expect([first.status, first.headers.get('content-range'), (await first.arrayBuffer()).byteLength]).toEqual([206, `bytes 0-1023/${session.sizeBytes}`, 1024]);
    const next = await requester.call('api1', 'GET', `/api/recordings/${recordingId}/proxy?session=${session.sessionId}`, undefined, { range: 'bytes=1024-2047' });
    expect([next.status, next.headers.get('content-range'), (await next.arrayBuffer()).byteLength]).toEqual([206, `bytes 1024-2047/${session.sizeBytes}`, 1024]);
    const end = await requester.call('api1', 'POST', `/api/playback-sessions/${session.sessionId}/end`);
    expect(end.status).toBe(204);
    const row = await database.db.selectFrom('playback_session').select(['range_requests', 'end_reason']).where('id', '=', session.sessionId).executeTakeFirstOrThrow();
    expect(row).toEqual({ range_requests: 2, end_reason: 'ended' });
  }, 120_000);

  test('api1 killed mid-upload: the upload is resumed on api2 and stored with the hashes of the source', async () => {
    const file = path.join(root, 'big.bin');
    const size = 64 * 1024 * 1024;
    await writeFile(file, randomBytes(size));
    const [sourceSha256, sourceSm3] = [await sha256Of(file), await sm3Of(file)];
    const headers = { cookie: officer.cookie, 'x-csrf-token': officer.csrf, 'tus-resumable': '1.0.0' };
    const created = await fetch(`${url('api1')}/api/uploads`, {
      method: 'POST',
      headers: { ...headers, 'upload-length': String(size), 'upload-metadata': `filename ${b64('big.bin')},metadata ${b64(meta())}` },
    });
    expect(created.status, await created.clone().text()).toBe(201);
    const id = created.headers.get('location')!.split('/').pop()!;
    // A PATCH that sends the first 16 MiB and then waits: api1 dies while it holds the upload.
    const part = 16 * 1024 * 1024;
    const patch = http.request(`${url('api1')}/api/uploads/${id}`, {
      method: 'PATCH',
      headers: { ...headers, 'upload-offset': '0', 'content-type': 'application/offset+octet-stream', 'content-length': String(size) },
    });
    const patchEnded = new Promise<string>((resolve) => {
      patch.on('error', (e) => resolve(`error ${(e as NodeJS.ErrnoException).code}`));
      patch.on('response', (r) => resolve(`status ${r.statusCode}`));
    });
    const fd = createReadStream(file, { start: 0, end: part - 1 });
    for await (const c of fd) patch.write(c as Buffer);
    await waitFor('api1 stored the first part', async () => ((await stat(path.join(shared, 'uploads', id)).catch(() => undefined))?.size ?? 0) >= part, 300_000);
    process.kill(pidOf('api1'), 'SIGKILL');
    expect(await patchEnded).toMatch(/^error /);
    await waitFor('api1 is gone', () => !alive(pidOf('api1')), 30_000);

    const r = await tusUpload(url('api2'), file, { filename: 'big.bin', metadata: meta() }, { cookie: officer.cookie, 'x-csrf-token': officer.csrf }, { uploadUrl: `${url('api2')}/api/uploads/${id}` });
    expect(r.ok, r.body).toBe(true);
    expect([r.headers['X-Upload-State'], r.headers['X-Content-SHA256'], r.headers['X-Content-SM3']]).toEqual(['stored', sourceSha256, sourceSm3]);
    const row = await database.db.selectFrom('upload').select(['state', 'sha256', 'sm3']).where('id', '=', id).executeTakeFirstOrThrow();
    expect(row).toEqual({ state: 'stored', sha256: sourceSha256, sm3: sourceSm3 });
    const original = await database.db.selectFrom('original').select(['sha256', 'sm3', 'size_bytes']).where('sha256', '=', sourceSha256).executeTakeFirstOrThrow();
    expect([original.sm3, Number(original.size_bytes)]).toEqual([sourceSm3, size]);
  }, 900_000);

  test('the audit chain written by every node at once verifies (`quanlu audit verify`)', async () => {
    const cliDir = path.join(root, 'cli');
    await cp(path.join(root, 'api2', 'keys'), path.join(cliDir, 'keys'), { recursive: true });
    const env = { ...baseEnv, QUANLU_DATA_DIR: cliDir, QUANLU_LOG_LEVEL: 'warn' };
    const cp1 = await runCli(['tlog', 'checkpoint'], env, 180_000);
    expect(cp1.code, cp1.stderr).toBe(0);
    const v = await runCli(['audit', 'verify'], env, 300_000);
    expect(v.code, v.stdout + v.stderr).toBe(0);
    expect(v.stdout).toMatch(/^OK: audit chain intact, \d+ events .* matches \d+ signed checkpoint/);
    // Checkpoints were signed by the worker nodes too (the tlog.tick schedule), with the shared keys.
    const signed = await database.db.selectFrom('tlog_checkpoint').select(['kind']).execute();
    expect(signed.some((c) => c.kind === 'periodic')).toBe(true);
  }, 600_000);
});
