// S3 ingest benchmark: a 2 GiB file through tus into the S3 store (until the original is stored in the bucket,
// locked in COMPLIANCE mode, with SHA-256 + SM3 computed by QuanLu), as a ratio to a plain
// @aws-sdk/lib-storage multipart upload of the same file to the same gateway (same part size and
// concurrency, no hashing, no lock) in the same run. The gateway is the real Ceph RADOS Gateway of
// ../shared/tools/s3-test-server, started here with enough memory for both copies and stopped at the end.
//
//   npm run bench:s3 [-- --mib=2048]
//   (DATABASE_URL selects an external PostgreSQL; tus uploads are staged in a temp folder on the default disk)
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, mkdtemp, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { sql } from 'kysely';
import { loadConfig } from '../../src/platform/config/config.ts';
import { randomSecret, tokenHash } from '../../src/platform/auth/secrets.ts';
import { hashFile } from '../../src/platform/hashing/dual-hasher.ts';
import { startServer } from '../../src/server.ts';
import { startS3Gateway } from '../../test/support/s3-gateway.ts';
import { Cleanup, createFreshDatabase, dropDatabase, fmtNum, fmtRatio, loadLine, numberOption, printTable, randomSuffix, tusUploadByCurl } from '../lib/bench-utils.ts';

const MIB_SIZE = numberOption('mib', 'S3_BENCH_MIB', 2048);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const MiB = 1024 * 1024;
/** The S3 store's multipart settings (s3-object-store.ts), used for the baseline too. */
const PART_SIZE = 16 * MiB;
const QUEUE_SIZE = 4;

async function randomFile(file: string, mib: number) {
  const out = createWriteStream(file);
  const piece = randomBytes(8 * MiB);
  for (let i = 0; i < mib / 8; i++) {
    piece.writeUInt32LE(i, 0);
    if (!out.write(piece)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((r) => out.end(() => r()));
}

async function sha256(file: string) {
  const h = createHash('sha256');
  for await (const c of createReadStream(file, { highWaterMark: MiB })) h.update(c as Buffer);
  return h.digest('hex');
}

async function main() {
  const cleanup = new Cleanup();
  try {
    const work = await mkdtemp(path.join(root, 'tmp-bench-s3-'));
    cleanup.add('remove work folder', () => rm(work, { recursive: true, force: true }));
    await chmod(work, 0o711); // the embedded PostgreSQL (OS user postgres) passes through it
    process.stderr.write('starting the Ceph RADOS Gateway…\n');
    // Room in the in-memory OSD for both copies of the file plus overhead.
    const gw = await startS3Gateway({ bytes: Math.max(2 * 1024, MIB_SIZE * 3) * MiB });
    cleanup.add('stop gateway', () => gw.stop());
    const bucket = `bench-${randomSuffix()}`.toLowerCase();
    const s3 = new S3Client({
      endpoint: gw.endpoint,
      region: gw.region,
      forcePathStyle: true,
      credentials: { accessKeyId: gw.accessKeyId, secretAccessKey: gw.secretAccessKey },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    cleanup.add('close S3 client', async () => s3.destroy());
    await s3.send(new CreateBucketCommand({ Bucket: bucket, ObjectLockEnabledForBucket: true }));

    const env: Record<string, string> = { QUANLU_DATA_DIR: path.join(work, 'data'), PORT: '0', QUANLU_WORKERS: 'false', QUANLU_LOG_LEVEL: 'warn', QUANLU_ADMIN_PASSWORD: 'BenchPass2026', ...gw.env(bucket) };
    if (process.env.DATABASE_URL) {
      const name = `quanlu_bench_s3_${randomSuffix()}`;
      env.DATABASE_URL = await createFreshDatabase(process.env.DATABASE_URL, name);
      cleanup.add('drop bench database', () => dropDatabase(process.env.DATABASE_URL!, name));
    }
    const server = await startServer(loadConfig(env), { logger: false });
    cleanup.add('stop server', () => server.stop());
    const db = server.database.db;
    const dept = await sql<{ id: string }>`INSERT INTO department (name, kind) VALUES ('基准测试支队', 'detachment') RETURNING id`.execute(db);
    const person = await sql<{ id: string }>`INSERT INTO person (name, staff_number, department_id, enrolled, certificate_number, certificate_valid_until)
      VALUES ('基准', 'B1', ${dept.rows[0]!.id}, true, 'BC1', '2099-12-31') RETURNING id`.execute(db);
    const user = await sql<{ id: string }>`INSERT INTO app_user (username, display_name, password_hash, roles, department_id, person_id)
      VALUES ('bench', 'bench', 'x', '{custodian}', ${dept.rows[0]!.id}, ${person.rows[0]!.id}) RETURNING id`.execute(db);
    const token = `qlt_${randomSecret()}`;
    await sql`INSERT INTO api_token (user_id, name, token_hash, prefix, expires_at) VALUES (${user.rows[0]!.id}, 'bench', ${tokenHash(token)}, 'qlt_', now() + interval '1 day')`.execute(db);
    const meta = JSON.stringify({ departmentId: dept.rows[0]!.id, officerIds: [person.rows[0]!.id], recordedStart: new Date().toISOString(), activity: 'patrol', partyInformed: 'not_applicable' });
    console.log(`S3 ingest bench — ${loadLine()}`);

    const file = path.join(work, 'big.mp4');
    process.stderr.write(`writing a ${MIB_SIZE} MiB source file…\n`);
    await randomFile(file, MIB_SIZE);
    const fileSha = await sha256(file);
    const mb = (MIB_SIZE * MiB) / 1e6;

    // Baseline: the SDK's own multipart upload of the same file to the same gateway.
    spawnSync('sync');
    process.stderr.write('baseline: @aws-sdk/lib-storage multipart upload…\n');
    const tb = performance.now();
    await new Upload({ client: s3, params: { Bucket: bucket, Key: 'baseline/big.mp4', Body: createReadStream(file, { highWaterMark: MiB }) }, partSize: PART_SIZE, queueSize: QUEUE_SIZE }).done();
    const baseline = (performance.now() - tb) / 1000;

    spawnSync('sync');
    process.stderr.write('QuanLu: tus upload into the S3 store…\n');
    const r = await tusUploadByCurl(server.url, token, meta, file);
    if (r.error || r.sha256 !== fileSha) throw new Error(`tus upload failed or hash differs: ${JSON.stringify(r)}`);
    const tus = r.ms / 1000;

    const th = performance.now();
    await hashFile(file);
    const hashOnly = (performance.now() - th) / 1000;
    const row = (label: string, sec: number) => [label, String(MIB_SIZE), fmtNum(sec), fmtNum(mb / sec), fmtRatio(baseline / sec)];
    printTable(
      ['one file into S3', 'size MiB', 'seconds', 'MB/s', 'lib-storage / this'],
      [
        row('@aws-sdk/lib-storage multipart (baseline)', baseline),
        row('QuanLu: tus → hashed (SHA-256 + SM3) → S3, COMPLIANCE lock', tus),
        row('for scale: SHA-256 + SM3 of the file alone', hashOnly),
      ],
    );
    console.log(`tus ingest into S3 vs plain multipart upload: ${fmtRatio(baseline / tus)} (16 MiB parts, ${QUEUE_SIZE} in flight, both)`);
  } finally {
    await cleanup.run();
  }
}

await main();
