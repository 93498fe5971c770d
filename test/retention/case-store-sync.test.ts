/**
 * The object store kept in step for case files (issue 11 §2, §3; 第十一、十二条): a case file's documents and
 * built PDFs are held while it has no date (not archived yet, 永久, held) and kept until the Beijing midnight
 * after its keep-until date; bytes shared by several case files get the LONGEST date and keep the hold while
 * any sharer needs it; a shorter table never shortens the store's date; a second run touches nothing.
 * Run on the local store (which records the lock) and on a real Ceph RADOS Gateway (Object Lock COMPLIANCE),
 * where the lock is read through the S3 API directly (GetObjectLegalHold, GetObjectRetention), not QuanLu.
 * Expected dates are written out: simple procedure closed in 2020 → kept through 2050-12-31 → the store keeps
 * it until 2051-01-01 00:00 Beijing = 2050-12-31T16:00:00Z.
 */
import { randomBytes } from 'node:crypto';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectLegalHoldCommand,
  GetObjectRetentionCommand,
  ListObjectVersionsCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { syncCaseFileStore, syncObjectStore } from '../../src/modules/retention/retention.service.ts';
import { AppError } from '../../src/platform/errors/error-catalog.ts';
import type { S3ObjectStore } from '../../src/platform/storage/s3-object-store.ts';
import { makePdf, uploadDocument } from '../case-files/case-file-fixtures.ts';
import { createTestApp, type Session, type TestContext } from '../support/harness.ts';
import { retentionTeam } from '../support/retention-team.ts';
import { findS3TestServer, GATEWAY_WAIT_MS, startS3Gateway, type S3Gateway } from '../support/s3-gateway.ts';
import { approve, propose, storeRecording } from '../preservation/preservation-fixtures.ts';
import { archivedCases } from './archived-cases.ts';

/** An object's lock as the store reports it: legal hold, retain-until (ISO, UTC) or null. */
type Lock = { hold: boolean; until: string | null };

interface Env {
  ctx: TestContext;
  team: Awaited<ReturnType<typeof retentionTeam>>['team'];
  leaderB: Session;
  lock(key: string): Promise<Lock>;
  /** Deletes the object's stored version behind QuanLu's back: 'deleted' or why the store refused. */
  deleteBehind(key: string): Promise<string>;
  /** What deleteBehind says when the store refuses. */
  refused: string;
}

/** The scenarios, the same on both stores. */
function scenarios(env: () => Env) {
  const cases = () => archivedCases(env().ctx, env().team);
  const keys = async (caseId: string) => {
    const k = await cases().keysOf(caseId);
    return [...k.documents, ...k.builds];
  };
  const locks = async (ks: string[]) => Promise.all(ks.map((k) => env().lock(k)));
  /** As the retention job does: batches until nothing is left; returns how many case files it synced. */
  const syncAll = async () => {
    let total = 0;
    for (let n = await syncCaseFileStore(env().ctx.deps, 3); n > 0; n = await syncCaseFileStore(env().ctx.deps, 3)) total += n;
    return total;
  };
  const row = (caseId: string) =>
    env().ctx.db.selectFrom('case_retention').select(['keep_until', 'store_until', 'store_hold', 'store_synced']).where('case_id', '=', caseId).executeTakeFirstOrThrow();
  const table = async (simpleYears: number) => {
    const s = env().team.session;
    const p = await s.request('POST', '/api/retention/table', {
      note: `简易程序案卷保管 ${simpleYears} 年`,
      rules: [
        { category: 'av_patrol', unit: 'months', count: 6 },
        { category: 'av_other', unit: 'months', count: 6 },
        { category: 'case_file_general', unit: 'permanent' },
        { category: 'case_file_simple', unit: 'years', count: simpleYears },
      ],
    });
    expect(p.statusCode, p.body).toBe(201);
    const ok = await env().leaderB.request('POST', `/api/retention/table/${p.json().id}/approve`);
    expect(ok.statusCode, ok.body).toBe(200);
  };
  let simple2020: string;

  test('永久 (general procedure): held from the first upload, every document and PDF on legal hold; the store refuses deleting the version', async () => {
    const g = await cases().generalArchived({ year: 2019, archived: false });
    const before = await keys(g);
    expect(before).toHaveLength(4);
    // Not archived (no date yet): held at once, before any job ran.
    expect(await locks(before)).toEqual(before.map(() => ({ hold: true, until: null })));
    await cases().archive(g);
    await syncAll();
    const all = await keys(g);
    expect(all).toHaveLength(5); // four documents and the archived PDF
    expect(await locks(all)).toEqual(all.map(() => ({ hold: true, until: null })));
    expect(await row(g)).toMatchObject({ keep_until: null, store_hold: true, store_until: null, store_synced: true });
    for (const k of all) expect(await env().deleteBehind(k)).toBe(env().refused);
    for (const k of all) expect(await env().ctx.deps.storage.exists(k)).toBe(true);
  }, 180_000);

  test('simple procedure (30 years), closed 2020-06-01: kept until 2050-12-31T16:00Z, hold cleared; a second run syncs nothing', async () => {
    simple2020 = await cases().simpleCase('2020-06-01');
    await syncAll();
    const ks = await keys(simple2020);
    expect(ks).toHaveLength(2); // the decision and the archived PDF
    expect(await locks(ks)).toEqual([
      { hold: false, until: '2050-12-31T16:00:00.000Z' },
      { hold: false, until: '2050-12-31T16:00:00.000Z' },
    ]);
    expect(await row(simple2020)).toMatchObject({ keep_until: '2050-12-31', store_until: new Date('2050-12-31T16:00:00.000Z'), store_hold: false, store_synced: true });
    expect(await syncCaseFileStore(env().ctx.deps)).toBe(0);
  }, 180_000);

  test('a scan shared by a 永久 file and two 30-year files: the longest date, and the hold stays when a hold on one is released', async () => {
    const shared = await makePdf(1, `SHARED-${randomBytes(4).toString('hex')}`);
    const withShared = async (closedOn: string) => {
      const id = await cases().simpleCase(closedOn, { archived: false });
      const up = await uploadDocument(env().team.session, id, shared, { type: 'other', title: '现场照片说明', date: closedOn });
      expect(up.statusCode, up.body).toBe(201);
      await cases().archive(id);
      return id;
    };
    // Kept through 2050-12-31 and 2051-12-31: the shorter one is archived (and its scan locked) first.
    const s2020 = await withShared('2020-09-01');
    const s2021 = await withShared('2021-02-01');
    const g = await cases().generalArchived({ year: 2020, extra: [shared] });
    await syncAll();
    const sharedKey = (await env().ctx.db.selectFrom('case_document').select('sha256').where('case_id', '=', g).where('title', '=', '现场照片说明').executeTakeFirstOrThrow()).sha256;
    const own = (await cases().keysOf(s2021)).documents.filter((k) => k !== sharedKey);
    expect(own).toHaveLength(1);
    expect(await env().lock(sharedKey)).toEqual({ hold: true, until: '2051-12-31T16:00:00.000Z' });
    expect(await env().lock(own[0]!)).toEqual({ hold: false, until: '2051-12-31T16:00:00.000Z' });
    expect((await cases().keysOf(s2020)).documents.includes(sharedKey)).toBe(true);

    // A leader's legal hold on the 2021 file: only that file changed, so one case file is synced.
    const h = await env().team.session.request('POST', '/api/retention/holds', { subjectType: 'case_file', subjectId: s2021, reason: '行政诉讼中，法律保全' });
    expect(h.statusCode, h.body).toBe(201);
    expect(await syncAll()).toBe(1);
    expect(await env().lock(own[0]!)).toEqual({ hold: true, until: '2051-12-31T16:00:00.000Z' });
    // Released: its own scan's hold is cleared; the shared one keeps it (the 永久 file needs it).
    expect((await env().team.session.request('POST', `/api/retention/holds/${h.json().id}/release`)).statusCode).toBe(204);
    expect(await syncAll()).toBe(1);
    expect(await env().lock(own[0]!)).toEqual({ hold: false, until: '2051-12-31T16:00:00.000Z' });
    expect(await env().lock(sharedKey)).toEqual({ hold: true, until: '2051-12-31T16:00:00.000Z' });
    expect(await env().deleteBehind(sharedKey)).toBe(env().refused);
  }, 240_000);

  test('a recording whose original is the same bytes as a document of a file not archived: releasing its preservation mark keeps the hold', async () => {
    const bytes = await makePdf(1, `SAME-BYTES-${randomBytes(4).toString('hex')}`);
    const c = await cases().simpleCase('2018-03-01', { archived: false });
    expect((await uploadDocument(env().team.session, c, bytes, { type: 'other', title: '现场照片说明', date: '2018-03-01' })).statusCode).toBe(201);
    const r = await storeRecording(env().ctx, { bytes, departmentId: env().team.dept.id, uploadedBy: env().team.user.id });
    const mark = await propose(env().team.session, [r.id], 'objection');
    await approve(env().leaderB, mark);
    const rel = await env().leaderB.request('POST', `/api/preservation-marks/${mark}/release`, { reason: '信访已办结' });
    expect(rel.statusCode, rel.body).toBe(200);
    // The case file (no date yet) still needs the hold, before and after the recording's sync.
    expect((await env().lock(r.sha256)).hold).toBe(true);
    while ((await syncObjectStore(env().ctx.deps)) > 0);
    // Patrol AV recorded 2026-11-27 → kept through 2027-05-27 → until Beijing midnight after it.
    expect(await env().lock(r.sha256)).toEqual({ hold: true, until: '2027-05-27T16:00:00.000Z' });
  }, 180_000);

  test('never shortened: 50 years extends the store to 2070-12-31T16:00Z; back to 30 years leaves it there; then nothing to sync', async () => {
    await table(50);
    expect(await row(simple2020)).toMatchObject({ keep_until: '2070-12-31', store_synced: false });
    await syncAll();
    const ks = await keys(simple2020);
    expect(await locks(ks)).toEqual(ks.map(() => ({ hold: false, until: '2070-12-31T16:00:00.000Z' })));
    await table(30);
    // The archived cover's own date (30 years) counts again.
    expect(await row(simple2020)).toMatchObject({ keep_until: '2050-12-31', store_synced: false });
    await syncAll();
    expect(await locks(ks)).toEqual(ks.map(() => ({ hold: false, until: '2070-12-31T16:00:00.000Z' })));
    expect(await row(simple2020)).toMatchObject({ keep_until: '2050-12-31', store_until: new Date('2070-12-31T16:00:00.000Z'), store_synced: true });
    expect(await syncCaseFileStore(env().ctx.deps)).toBe(0);
  }, 240_000);
}

describe('case-file store sync on the local store (lock recorded)', () => {
  let e: Env;
  beforeAll(async () => {
    const ctx = await createTestApp();
    const { team, leaderB } = await retentionTeam(ctx, { fondsNumber: 'F001', examPassedOn: '1980-01-01' });
    e = {
      ctx,
      team,
      leaderB,
      lock: async (key) => {
        const s = await ctx.deps.storage.lockState(key);
        return { hold: s!.legalHold, until: s!.retainUntil?.toISOString() ?? null };
      },
      deleteBehind: async (key) =>
        ctx.deps.storage.deleteForDisposal(key).then(
          () => 'deleted',
          (err: unknown) => (err instanceof AppError ? `refused ${err.code}` : `error ${String(err)}`),
        ),
      refused: 'refused RETENTION_DELETE_REFUSED',
    };
  }, 60_000);
  afterAll(() => e?.ctx.close());
  scenarios(() => e);
});

const tool = findS3TestServer();
describe.skipIf(!tool)('case-file store sync on S3 (real Ceph RGW, Object Lock COMPLIANCE)', () => {
  const bucket = `quanlu-${randomBytes(4).toString('hex')}`;
  let gw: S3Gateway;
  let s3: S3Client;
  let e: Env;
  beforeAll(async () => {
    gw = await startS3Gateway();
    s3 = gw.client();
    await s3.send(new CreateBucketCommand({ Bucket: bucket, ObjectLockEnabledForBucket: true }));
    const ctx = await createTestApp(gw.env(bucket));
    const { team, leaderB } = await retentionTeam(ctx, { fondsNumber: 'F001', examPassedOn: '1980-01-01' });
    const store = ctx.deps.storage as S3ObjectStore;
    /** The version QuanLu wrote: the key's oldest. */
    const version = async (key: string) => {
      const vs = ((await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: store.objectKey(key) }))).Versions ?? []).filter((v) => v.Key === store.objectKey(key));
      return { Bucket: bucket, Key: store.objectKey(key), VersionId: vs.at(-1)!.VersionId };
    };
    const none = (err: { name?: string }) => {
      if (err.name === 'NoSuchObjectLockConfiguration' || err.name === 'ObjectLockConfigurationNotFoundError') return undefined;
      throw err;
    };
    e = {
      ctx,
      team,
      leaderB,
      lock: async (key) => {
        const v = await version(key);
        const hold = await s3.send(new GetObjectLegalHoldCommand(v)).catch(none);
        const retention = await s3.send(new GetObjectRetentionCommand(v)).catch(none);
        if (retention?.Retention) expect(retention.Retention.Mode).toBe('COMPLIANCE');
        return { hold: hold?.LegalHold?.Status === 'ON', until: retention?.Retention?.RetainUntilDate?.toISOString() ?? null };
      },
      deleteBehind: async (key) =>
        s3.send(new DeleteObjectCommand(await version(key))).then(
          () => 'deleted',
          (err: { name?: string; $metadata?: { httpStatusCode?: number } }) => `refused ${err.name} ${err.$metadata?.httpStatusCode}`,
        ),
      // The bucket itself refuses (COMPLIANCE retention or legal hold on the version).
      refused: 'refused AccessDenied 403',
    };
  }, GATEWAY_WAIT_MS + 120_000);
  afterAll(async () => {
    await e?.ctx.close();
    s3?.destroy();
    await gw?.stop();
  });
  scenarios(() => e);
});
