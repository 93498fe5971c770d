import { createHash, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  GetObjectLegalHoldCommand,
  GetObjectRetentionCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
  PutObjectRetentionCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { jobCatalog } from '../../src/app/jobs.ts';
import { runFixityPass } from '../../src/modules/fixity/fixity.service.ts';
import { loadConfig } from '../../src/platform/config/config.ts';
import { startJobRunner } from '../../src/platform/jobs/runner.ts';
import { openObjectStore } from '../../src/platform/storage/open-object-store.ts';
import { assertObjectStoreReady } from '../../src/platform/storage/s3-bucket-check.ts';
import { S3ObjectStore } from '../../src/platform/storage/s3-object-store.ts';
import { StartupError } from '../../src/platform/http/listen-check.ts';
import { createTestApp, login, makeDepartment, makePerson, makeUser, type Session, type TestContext } from '../support/harness.ts';
import { runCli } from '../support/cli.ts';
import { makeClip } from '../support/media-fixtures.ts';
import { findS3TestServer, GATEWAY_WAIT_MS, startS3Gateway, type S3Gateway } from '../support/s3-gateway.ts';
import { tusUpload } from '../support/tus-client.ts';

const tool = findS3TestServer();
if (!tool) console.warn('S3 tests skipped: ../shared/tools/s3-test-server is not next to this checkout');

const DAY = 86_400_000;
let gw: S3Gateway;
let s3: S3Client;
let ctx: TestContext;
let base: string;
let officer: Session;
let headers: Record<string, string>;
let departmentId: string;
let personId: string;
const bucket = `quanlu-${randomBytes(4).toString('hex')}`;

describe.skipIf(!tool)('S3 object store with Object Lock (real Ceph RADOS Gateway)', () => {
  beforeAll(async () => {
    gw = await startS3Gateway();
    s3 = gw.client();
    await s3.send(new CreateBucketCommand({ Bucket: bucket, ObjectLockEnabledForBucket: true }));
    ctx = await createTestApp(gw.env(bucket));
    await assertObjectStoreReady(ctx.deps.storage);
    base = await ctx.app.listen({ port: 0, host: '127.0.0.1' });
    departmentId = (await makeDepartment(ctx.db)).id;
    personId = (await makePerson(ctx.db, { departmentId })).id;
    const u = await makeUser(ctx.db, { roles: ['officer'], departmentId, personId });
    officer = await login(ctx.app, u.username, u.password);
    headers = { cookie: officer.cookie, 'x-csrf-token': officer.csrf };
  }, GATEWAY_WAIT_MS + 240_000);
  afterAll(async () => {
    await ctx?.close();
    s3?.destroy();
    await gw?.stop();
  });

  const meta = () =>
    JSON.stringify({
      departmentId,
      officerIds: [personId],
      deviceNumber: 'DSJ1234567',
      recordedStart: '2026-11-27T01:30:12Z',
      recordedEnd: '2026-11-27T01:30:14Z',
      activity: 'patrol',
      partyInformed: 'yes',
    });
  const sha256Of = (b: Buffer) => createHash('sha256').update(b).digest('hex');
  const sm3Of = (b: Buffer) => createHash('sm3').update(b).digest('hex');
  const objectKey = (sha: string) => `objects/${sha}`;
  const versionsOf = async (sha: string) => {
    const r = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: objectKey(sha) }));
    return { versions: (r.Versions ?? []).filter((v) => v.Key === objectKey(sha)), markers: r.DeleteMarkers ?? [] };
  };
  const bytesOf = async (sha: string, versionId?: string) =>
    Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: objectKey(sha), VersionId: versionId }))).Body!.transformToByteArray());
  const s3ErrorOf = (p: Promise<unknown>) => p.then(() => 'no error', (e: { name?: string; $metadata?: { httpStatusCode?: number } }) => `${e.name} ${e.$metadata?.httpStatusCode}`);

  /** Uploads bytes through tus (as the workstation does); the answer's headers. */
  async function upload(bytes: Buffer, name = `DSJ_${randomBytes(3).toString('hex')}.mp4`) {
    const f = path.join(ctx.dataDir, `${randomBytes(4).toString('hex')}-${name}`);
    await writeFile(f, bytes);
    const r = await tusUpload(base, f, { filename: name, sha256: sha256Of(bytes), metadata: meta() }, headers);
    expect(r.ok, r.body).toBe(true);
    return { file: f, ...(r.headers as Record<'X-Recording-Id' | 'X-Upload-State' | 'X-Content-SHA256' | 'X-Content-SM3', string>) };
  }

  test('a tus upload is stored once in the bucket, hashed by QuanLu, locked in COMPLIANCE mode for the configured days', async () => {
    const bytes = randomBytes(3 * 1024 * 1024 + 17);
    const before = Date.now();
    const r = await upload(bytes);
    expect(r['X-Upload-State']).toBe('stored');
    expect(r['X-Content-SHA256']).toBe(sha256Of(bytes));
    expect(r['X-Content-SM3']).toBe(sm3Of(bytes));
    const sha = sha256Of(bytes);
    const { versions } = await versionsOf(sha);
    expect(versions).toHaveLength(1);
    expect(sha256Of(await bytesOf(sha))).toBe(sha);
    const retention = await s3.send(new GetObjectRetentionCommand({ Bucket: bucket, Key: objectKey(sha), VersionId: versions[0]!.VersionId }));
    expect(retention.Retention?.Mode).toBe('COMPLIANCE');
    // Default QUANLU_OBJECT_LOCK_DAYS = 184 (≥ 6 months, 第十一条).
    const until = retention.Retention!.RetainUntilDate!.getTime();
    expect(until).toBeGreaterThanOrEqual(before + 184 * DAY - 1000);
    expect(until).toBeLessThanOrEqual(Date.now() + 184 * DAY + 1000);
    const row = await ctx.db.selectFrom('original').selectAll().where('sha256', '=', sha).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ storage: 's3', sm3: sm3Of(bytes) });
  });

  test('the same bytes again are a duplicate: no second version is written', async () => {
    const bytes = randomBytes(200_000);
    const first = await upload(bytes);
    const again = await upload(bytes, 'again.mp4');
    expect(again['X-Upload-State']).toBe('duplicate');
    expect(again['X-Recording-Id']).toBe(first['X-Recording-Id']);
    expect((await versionsOf(sha256Of(bytes))).versions).toHaveLength(1);
  });

  test('a multipart upload (larger than one 16 MiB part) is locked too', async () => {
    const bytes = randomBytes(40 * 1024 * 1024 + 5);
    const sha = sha256Of(bytes);
    await upload(bytes);
    const { versions } = await versionsOf(sha);
    expect(versions).toHaveLength(1);
    expect(versions[0]!.ETag).toMatch(/-3"$/); // three parts
    const retention = await s3.send(new GetObjectRetentionCommand({ Bucket: bucket, Key: objectKey(sha), VersionId: versions[0]!.VersionId }));
    expect(retention.Retention?.Mode).toBe('COMPLIANCE');
    expect(sha256Of(await bytesOf(sha))).toBe(sha);
  });

  test('bytes already stored unlocked (as a derived file) that are then uploaded as an original get the original’s lock', async () => {
    const bytes = randomBytes(70_000);
    const sha = sha256Of(bytes);
    const f = path.join(ctx.dataDir, `derived-${sha.slice(0, 8)}`);
    await writeFile(f, bytes);
    expect((await ctx.deps.storage.putFile(f)).created).toBe(true);
    expect(await s3ErrorOf(s3.send(new GetObjectRetentionCommand({ Bucket: bucket, Key: objectKey(sha) })))).toBe('ObjectLockConfigurationNotFoundError 404');
    const r = await upload(bytes);
    expect(r['X-Upload-State']).toBe('stored');
    const { versions } = await versionsOf(sha);
    expect(versions).toHaveLength(1);
    const retention = await s3.send(new GetObjectRetentionCommand({ Bucket: bucket, Key: objectKey(sha), VersionId: versions[0]!.VersionId }));
    expect(retention.Retention?.Mode).toBe('COMPLIANCE');
    expect(retention.Retention!.RetainUntilDate!.getTime()).toBeGreaterThan(Date.now() + 183 * DAY);
  });

  test('deleting or overwriting a locked original through the S3 API: the store refuses, QuanLu keeps reading the original bytes', async () => {
    const bytes = randomBytes(100_000);
    const sha = sha256Of(bytes);
    await upload(bytes);
    const [v] = (await versionsOf(sha)).versions;
    // A delete of the version: refused by the store itself.
    expect(await s3ErrorOf(s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: objectKey(sha), VersionId: v!.VersionId })))).toBe('AccessDenied 403');
    // Shortening its retention: refused by the store itself.
    expect(
      await s3ErrorOf(
        s3.send(new PutObjectRetentionCommand({ Bucket: bucket, Key: objectKey(sha), VersionId: v!.VersionId, Retention: { Mode: 'COMPLIANCE', RetainUntilDate: new Date(Date.now() + DAY) } })),
      ),
    ).toBe('AccessDenied 403');
    // An overwrite only adds a version, a plain delete only a delete marker; the locked version is unchanged...
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: objectKey(sha), Body: Buffer.from('forged') }));
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: objectKey(sha) }));
    expect(sha256Of(await bytesOf(sha, v!.VersionId))).toBe(sha);
    // ...and it is what QuanLu reads and checks (the first version, not "the latest").
    const fresh = openObjectStore(ctx.deps.config);
    expect(await fresh.verify(sha, { expectedSm3: sm3Of(bytes) })).toMatchObject({ ok: true, size: bytes.length });
    expect(sha256Of(Buffer.concat(await (await fresh.get(sha)).toArray()))).toBe(sha);
  });

  test('extendRetention moves the lock later (seen by GetObjectRetention); shorter is refused by the interface and by the store', async () => {
    const bytes = randomBytes(50_000);
    const sha = sha256Of(bytes);
    await upload(bytes);
    const storage = ctx.deps.storage;
    const later = new Date(Date.now() + 400 * DAY);
    const state = await storage.extendRetention(sha, later);
    expect(state).toEqual({ retainUntil: later, legalHold: false, enforced: true });
    const [v] = (await versionsOf(sha)).versions;
    const seen = await s3.send(new GetObjectRetentionCommand({ Bucket: bucket, Key: objectKey(sha), VersionId: v!.VersionId }));
    expect(seen.Retention).toEqual({ Mode: 'COMPLIANCE', RetainUntilDate: later });
    await expect(storage.extendRetention(sha, new Date(Date.now() + 200 * DAY))).rejects.toMatchObject({ code: 'RETENTION_SHORTEN_REFUSED', status: 409 });
    expect(
      await s3ErrorOf(
        s3.send(new PutObjectRetentionCommand({ Bucket: bucket, Key: objectKey(sha), VersionId: v!.VersionId, Retention: { Mode: 'COMPLIANCE', RetainUntilDate: new Date(Date.now() + 200 * DAY) } })),
      ),
    ).toBe('AccessDenied 403');
    // The same date again changes nothing.
    expect((await storage.extendRetention(sha, later)).retainUntil).toEqual(later);
    await expect(storage.extendRetention('f'.repeat(64), later)).rejects.toMatchObject({ code: 'OBJECT_NOT_FOUND' });
  });

  test('a legal hold is set and cleared on the version (GetObjectLegalHold)', async () => {
    const bytes = randomBytes(30_000);
    const sha = sha256Of(bytes);
    await upload(bytes);
    const [v] = (await versionsOf(sha)).versions;
    const hold = () => s3.send(new GetObjectLegalHoldCommand({ Bucket: bucket, Key: objectKey(sha), VersionId: v!.VersionId })).then((r) => r.LegalHold?.Status);
    expect(await ctx.deps.storage.setLegalHold(sha, true)).toMatchObject({ legalHold: true, enforced: true });
    expect(await hold()).toBe('ON');
    expect(await ctx.deps.storage.setLegalHold(sha, false)).toMatchObject({ legalHold: false });
    expect(await hold()).toBe('OFF');
  });

  test('processing stores a proxy without a lock; playback reads it by byte ranges from the bucket', async () => {
    const clip = await makeClip(path.join(ctx.dataDir, 'DSJ1234567_000123_20261127093012_0001.mp4'), { seconds: 2 });
    const bytes = await readFile(clip);
    const r = await upload(bytes, 'DSJ1234567_000123_20261127093012_0001.mp4');
    const recordingId = r['X-Recording-Id']!;
    const worker = await startJobRunner(ctx.deps, jobCatalog, { background: false });
    try {
      await worker.drain();
    } finally {
      await worker.stop();
    }
    const proxy = await ctx.db.selectFrom('derived_object').selectAll().where('original_sha256', '=', sha256Of(bytes)).where('kind', '=', 'proxy').executeTakeFirstOrThrow();
    const { versions } = await versionsOf(proxy.sha256);
    expect(versions).toHaveLength(1);
    expect(await s3ErrorOf(s3.send(new GetObjectRetentionCommand({ Bucket: bucket, Key: objectKey(proxy.sha256) })))).toBe('ObjectLockConfigurationNotFoundError 404');
    const proxyBytes = await bytesOf(proxy.sha256);
    // The uploading officer may view their own footage for 24 h (access.ownMediaHours).
    const session = await officer.request('POST', `/api/recordings/${recordingId}/playback-sessions`);
    expect(session.statusCode, session.body).toBe(201);
    const sid = session.json().sessionId as string;
    const part = await officer.request('GET', `/api/recordings/${recordingId}/proxy?session=${sid}`, undefined, { range: 'bytes=100-1099' });
    expect(part.statusCode).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 100-1099/${proxyBytes.length}`);
    expect(part.rawPayload.equals(proxyBytes.subarray(100, 1100))).toBe(true);
    const tail = await officer.request('GET', `/api/recordings/${recordingId}/proxy?session=${sid}`, undefined, { range: `bytes=${proxyBytes.length - 10}-` });
    expect(tail.rawPayload.equals(proxyBytes.subarray(proxyBytes.length - 10))).toBe(true);
    const beyond = await officer.request('GET', `/api/recordings/${recordingId}/proxy?session=${sid}`, undefined, { range: `bytes=${proxyBytes.length}-` });
    expect(beyond.statusCode).toBe(416);
  });

  test('fixity re-hashes every object from the bucket; a derived object deleted behind QuanLu’s back is found missing', async () => {
    const first = await runFixityPass(ctx.deps, { scope: { kind: 'all' }, actor: { kind: 'system', label: 'test' } });
    expect(first.failures).toEqual([]);
    expect(first.checked).toBeGreaterThanOrEqual(6);
    // A derived file has no lock: its only version can be deleted, and fixity says so.
    const proxy = await ctx.db.selectFrom('derived_object').select('sha256').where('kind', '=', 'proxy').executeTakeFirstOrThrow();
    for (const v of (await versionsOf(proxy.sha256)).versions) {
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: objectKey(proxy.sha256), VersionId: v.VersionId }));
    }
    const store = openObjectStore(ctx.deps.config); // no cached version
    const second = await runFixityPass({ ...ctx.deps, storage: store }, { scope: { kind: 'all' }, actor: { kind: 'system', label: 'test' } });
    expect(second.failures.map((f) => [f.sha256, f.result])).toEqual([[proxy.sha256, 'missing']]);
  });

  test('a bucket without Object Lock (or without versioning) is refused at start-up, in English and Chinese, exit code 2', async () => {
    const plain = `plain-${randomBytes(4).toString('hex')}`;
    await s3.send(new CreateBucketCommand({ Bucket: plain }));
    const config = loadConfig({ QUANLU_DATA_DIR: ctx.dataDir, ...gw.env(plain) });
    const store = openObjectStore(config);
    expect(store).toBeInstanceOf(S3ObjectStore);
    const error = await assertObjectStoreReady(store).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(StartupError);
    expect((error as StartupError).exitCode).toBe(2);
    expect((error as Error).message).toContain(`The S3 bucket ${plain} does not have versioning and Object Lock enabled`);
    expect((error as Error).message).toContain('未启用版本控制和对象锁定');
    // A bucket that does not exist, and wrong credentials: refused too, the secret never in the message.
    const missing = await assertObjectStoreReady(openObjectStore(loadConfig({ QUANLU_DATA_DIR: ctx.dataDir, ...gw.env('no-such-bucket-here') }))).catch((e: Error) => e);
    expect(missing).toBeInstanceOf(StartupError);
    const badKey = loadConfig({ QUANLU_DATA_DIR: ctx.dataDir, ...gw.env(bucket), QUANLU_S3_SECRET_ACCESS_KEY: 'wrong-secret-1234' });
    const denied = await assertObjectStoreReady(openObjectStore(badKey)).catch((e: Error) => e);
    expect(denied).toBeInstanceOf(StartupError);
    expect((denied as Error).message).not.toContain('wrong-secret-1234');
    // `quanlu start` itself: one line, exit code 2, before any database or web build.
    const cli = await runCli(['start'], { QUANLU_DATA_DIR: path.join(ctx.dataDir, 'cli-start'), PORT: '0', ...gw.env(plain) });
    expect(cli.code).toBe(2);
    expect(cli.stderr).toContain(`The S3 bucket ${plain} does not have versioning and Object Lock enabled`);
    expect(cli.stdout).toBe('');
  });

  test('health answers 200 with the bucket reachable', async () => {
    const r = await ctx.app.inject({ method: 'GET', url: '/api/health' });
    expect(r.statusCode, r.body).toBe(200);
  });
});
