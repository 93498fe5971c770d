/**
 * 第十二条 on the S3 store (a real Ceph RADOS Gateway with Object Lock): approving a preservation mark puts the
 * original's current version on legal hold (the bucket then refuses to delete it whatever its retention date),
 * releasing the mark takes it off; a set built from S3 originals reads them back intact.
 */
import { randomBytes } from 'node:crypto';
import { CreateBucketCommand, GetObjectLegalHoldCommand, ListObjectVersionsCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { jobCatalog } from '../../src/app/jobs.ts';
import { startJobRunner } from '../../src/platform/jobs/runner.ts';
import { createTestApp, login, makeDepartment, makeUser, type Session, type TestContext } from '../support/harness.ts';
import { findS3TestServer, GATEWAY_WAIT_MS, startS3Gateway, type S3Gateway } from '../support/s3-gateway.ts';
import { approve, propose, storeRecording } from './preservation-fixtures.ts';

const tool = findS3TestServer();
if (!tool) console.warn('S3 preservation test skipped: ../shared/tools/s3-test-server is not next to this checkout');

let gw: S3Gateway;
let s3: S3Client;
let ctx: TestContext;
const bucket = `quanlu-pres-${randomBytes(4).toString('hex')}`;
const who = new Map<string, Session>();

describe.skipIf(!tool)('preservation legal hold on S3 (real Ceph)', () => {
  let deptId: string;
  let custodianId: string;
  beforeAll(async () => {
    gw = await startS3Gateway();
    s3 = gw.client();
    await s3.send(new CreateBucketCommand({ Bucket: bucket, ObjectLockEnabledForBucket: true }));
    ctx = await createTestApp(gw.env(bucket));
    deptId = (await makeDepartment(ctx.db)).id;
    for (const [name, role] of [
      ['officer', 'officer'],
      ['leader', 'leader'],
      ['custodian', 'custodian'],
    ] as const) {
      const u = await makeUser(ctx.db, { roles: [role], departmentId: deptId });
      if (role === 'custodian') custodianId = u.id;
      who.set(name, await login(ctx.app, u.username, u.password));
    }
  }, GATEWAY_WAIT_MS + 240_000);
  afterAll(async () => {
    await ctx?.close();
    s3?.destroy();
    await gw?.stop();
  });

  test('approval sets the legal hold on the version (lockState and GetObjectLegalHold agree); release clears it; a set reads back intact', async () => {
    const rec = await storeRecording(ctx, { bytes: randomBytes(50_000), departmentId: deptId, uploadedBy: custodianId, fileName: '信访现场.mp4' });
    const key = `objects/${rec.sha256}`;
    const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: key }));
    const versionId = versions.Versions!.find((v) => v.Key === key)!.VersionId;
    const hold = () => s3.send(new GetObjectLegalHoldCommand({ Bucket: bucket, Key: key, VersionId: versionId })).then((r) => r.LegalHold?.Status, () => 'OFF');

    const markId = await propose(who.get('officer')!, [rec.id], 'objection');
    expect(await hold()).toBe('OFF');
    await approve(who.get('leader')!, markId);
    expect(await ctx.deps.storage.lockState(rec.sha256)).toMatchObject({ legalHold: true, enforced: true });
    expect(await hold()).toBe('ON');

    const set = await who.get('custodian')!.request('POST', '/api/media-sets', { mediaType: 'cd', label: 'QL_S3', markIds: [markId] });
    expect(set.statusCode).toBe(201);
    const runner = await startJobRunner(ctx.deps, jobCatalog, { background: false });
    try {
      await runner.drain();
    } finally {
      await runner.stop();
    }
    const built = (await who.get('custodian')!.request('GET', `/api/media-sets/${set.json().id}`)).json();
    expect([built.state, built.volumes[0].verifyOk]).toEqual(['built', true]);

    const rel = await who.get('leader')!.request('POST', `/api/preservation-marks/${markId}/release`, { reason: '信访已办结' });
    expect(rel.statusCode).toBe(200);
    expect(await ctx.deps.storage.lockState(rec.sha256)).toMatchObject({ legalHold: false });
    expect(await hold()).toBe('OFF');
  }, 180_000);
});
