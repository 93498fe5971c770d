/**
 * Disposal on the S3 store (real Ceph RADOS Gateway, Object Lock COMPLIANCE): the approved disposal deletes
 * every version of the derived file and the original; an original whose date is ahead is locked by the
 * sync, and then the bucket itself refuses both the disposal path and a direct DeleteObject of the version.
 */
import { randomBytes } from 'node:crypto';
import { CreateBucketCommand, DeleteObjectCommand, ListObjectVersionsCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { syncObjectStore } from '../../src/modules/retention/retention.service.ts';
import { executeDue } from '../../src/modules/retention/disposal.service.ts';
import { AppError } from '../../src/platform/errors/error-catalog.ts';
import type { S3ObjectStore } from '../../src/platform/storage/s3-object-store.ts';
import { createTestApp, login, makeUser, type Session, type TestContext } from '../support/harness.ts';
import { findS3TestServer, GATEWAY_WAIT_MS, startS3Gateway, type S3Gateway } from '../support/s3-gateway.ts';
import { makeTeam } from '../cases/case-fixtures.ts';
import { storedRecording } from './disposal-fixtures.ts';

const tool = findS3TestServer();
const bucket = `quanlu-${randomBytes(4).toString('hex')}`;
let gw: S3Gateway;
let s3: S3Client;
let ctx: TestContext;

describe.skipIf(!tool)('disposal on the S3 store (Object Lock)', () => {
  beforeAll(async () => {
    gw = await startS3Gateway();
    s3 = gw.client();
    await s3.send(new CreateBucketCommand({ Bucket: bucket, ObjectLockEnabledForBucket: true }));
    ctx = await createTestApp(gw.env(bucket));
  }, GATEWAY_WAIT_MS + 240_000);
  afterAll(async () => {
    await ctx?.close();
    s3?.destroy();
    await gw?.stop();
  });

  test('approved disposal deletes the versions; a locked original is refused by the bucket, directly too', async () => {
    const team = await makeTeam(ctx, { roles: ['leader'] });
    const b = await makeUser(ctx.db, { roles: ['leader'], departmentId: team.dept.id });
    const leaderB: Session = await login(ctx.app, b.username, b.password);
    const admin = await makeUser(ctx.db, { roles: ['admin'] });
    expect((await (await login(ctx.app, admin.username, admin.password)).request('PUT', '/api/settings/retention.disposalGraceDays', { value: 0 })).statusCode).toBe(200);
    const mk = (recordedStart: string) => storedRecording(ctx, { departmentId: team.dept.id, officerId: team.p1.id, uploadedBy: team.user.id, recordedStart });
    const old = await mk('2020-03-01T02:00:00Z');
    const fresh = await mk(new Date().toISOString());
    for (const r of [old, fresh]) expect((await team.session.request('GET', `/api/recordings/${r.id}/retention`)).statusCode).toBe(200);
    while ((await syncObjectStore(ctx.deps)) > 0);
    const lock = await ctx.deps.storage.lockState(fresh.originalKey);
    expect(lock).toMatchObject({ enforced: true, legalHold: false });
    expect(lock!.retainUntil!.getTime()).toBeGreaterThan(Date.now() + 150 * 86_400_000);

    const store = ctx.deps.storage as S3ObjectStore;
    const versionsOf = async (key: string) => ((await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: store.objectKey(key) }))).Versions ?? []).filter((v) => v.Key === store.objectKey(key));
    // The bucket refuses: the disposal path, and a direct DeleteObject of the locked version.
    await expect(store.deleteForDisposal(fresh.originalKey)).rejects.toSatisfy((e: unknown) => e instanceof AppError && e.code === 'RETENTION_DELETE_REFUSED');
    const [v] = await versionsOf(fresh.originalKey);
    const direct = await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: store.objectKey(fresh.originalKey), VersionId: v!.VersionId })).then(
      () => 'deleted',
      (e: { name?: string; $metadata?: { httpStatusCode?: number } }) => `${e.name} ${e.$metadata?.httpStatusCode}`,
    );
    expect(direct).toBe('AccessDenied 403');
    expect(await ctx.deps.storage.exists(fresh.originalKey)).toBe(true);

    const p = await team.session.request('POST', '/api/disposal/batches', { recordingIds: [old.id] });
    expect(p.statusCode, p.body).toBe(201);
    expect((await leaderB.request('POST', `/api/disposal/batches/${p.json().id}/approve`)).statusCode).toBe(200);
    const res = await executeDue(ctx.deps, { actor: { kind: 'system', label: 'test' }, label: 'test' });
    expect(res).toEqual({ deleted: 1, restored: 0, refused: 0 });
    expect(await versionsOf(old.originalKey)).toEqual([]);
    expect(await versionsOf(old.proxyKey)).toEqual([]);
    expect(await ctx.db.selectFrom('disposal_tombstone').select('original_sha256').where('recording_id', '=', old.id).executeTakeFirst()).toEqual({ original_sha256: old.originalKey });
  }, 300_000);
});
