// Ingest benchmark (client: curl, as for the baselines): a 2 GiB file through tus over loopback until the original is durable with both
// hashes (SHA-256 + SM3), as a ratio to `cp` + `sync` of the same file in the same run; then 20
// concurrent uploads of 200 MB (aggregate throughput, p95 completion, failures) against 20 concurrent
// `cp` + `sync` of the same files.
//
//   node --import tsx bench/ingest/ingest.bench.ts [--big-mib=2048] [--many=20] [--many-mib=200]
//   (DATABASE_URL selects an external PostgreSQL; data goes to a temp folder on the default disk)
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, mkdir, mkdtemp, open, rm, stat } from 'node:fs/promises';
import http from 'node:http';
import { pipeline as pipelineAsync } from 'node:stream/promises';
import { hashFile } from '../../src/platform/hashing/dual-hasher.ts';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { loadConfig } from '../../src/platform/config/config.ts';
import { randomSecret, tokenHash } from '../../src/platform/auth/secrets.ts';
import { startServer } from '../../src/server.ts';
import { Cleanup, createFreshDatabase, dropDatabase, fmtNum, fmtRatio, loadLine, numberOption, percentile, printTable, randomSuffix, tusUploadByCurl } from '../lib/bench-utils.ts';

const BIG_MIB = numberOption('big-mib', 'INGEST_BENCH_BIG_MIB', 2048);
const MANY = numberOption('many', 'INGEST_BENCH_MANY', 20);
const MANY_MIB = numberOption('many-mib', 'INGEST_BENCH_MANY_MIB', 200);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const MiB = 1024 * 1024;

async function randomFile(file: string, mib: number) {
  const out = createWriteStream(file);
  const piece = randomBytes(8 * MiB);
  for (let i = 0; i < mib / 8; i++) {
    piece.writeUInt32LE(i, 0);
    piece.write(file, 8);
    if (!out.write(piece)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((r) => out.end(() => r()));
}

/**
 * Transport baseline: the same file sent by `curl -T` to a bare Node HTTP server in this process that
 * writes it to disk and fsyncs it — no tus, no hashing, no database. Returns seconds.
 */
async function rawHttpPut(file: string, destDir: string): Promise<number> {
  spawnSync('sync');
  const dest = path.join(destDir, 'raw-put.bin');
  const server = http.createServer((req, res) => {
    const out = createWriteStream(dest);
    pipelineAsync(req, out)
      .then(async () => {
        const fh = await open(dest, 'r');
        await fh.sync();
        await fh.close();
        res.end('ok');
      })
      .catch((e) => res.writeHead(500).end(String(e)));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as { port: number };
  const t0 = performance.now();
  await new Promise<void>((resolve, reject) => {
    const c = spawn('curl', ['-sS', '-o', '/dev/null', '-T', file, `http://127.0.0.1:${port}/`]);
    c.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`curl exited ${code}`))));
  });
  const seconds = (performance.now() - t0) / 1000;
  await new Promise<void>((r) => server.close(() => r()));
  await rm(dest);
  return seconds;
}

async function sha256(file: string) {
  const h = createHash('sha256');
  for await (const c of createReadStream(file, { highWaterMark: MiB })) h.update(c as Buffer);
  return h.digest('hex');
}

/** `cp` + `sync` of the files, all at once; returns seconds. The page cache is flushed first. */
function cpSync(files: string[], destDir: string): number {
  spawnSync('sync');
  const script = `for f in "$@"; do cp "$f" "${destDir}/" & done; wait; sync -f "${destDir}"`;
  const t0 = performance.now();
  const r = spawnSync('bash', ['-c', script, 'cp', ...files], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('cp failed');
  return (performance.now() - t0) / 1000;
}

interface ClientResult {
  wallMs: number;
  results: { file: string; size: number; ms: number; ok: boolean; sha256?: string; error?: string }[];
}

/**
 * Uploads files at once with the tus protocol, the bytes sent by `curl` (one PATCH each, streamed
 * from disk): the same client as the bare-PUT baseline, so the comparison is of the servers alone.
 */
async function uploadAll(base: string, token: string, meta: string, files: string[]): Promise<ClientResult> {
  spawnSync('sync');
  const t0 = performance.now();
  const results = await Promise.all(
    files.map(async (file) => {
      const size = (await stat(file)).size;
      const r = await tusUploadByCurl(base, token, meta, file);
      return { file, size, ms: r.ms, ok: !!r.sha256, sha256: r.sha256, ...(r.error ? { error: r.error } : {}) };
    }),
  );
  return { wallMs: performance.now() - t0, results };
}

async function main() {
  const cleanup = new Cleanup();
  try {
    const work = await mkdtemp(path.join(root, 'tmp-bench-ingest-'));
    cleanup.add('remove work folder', () => rm(work, { recursive: true, force: true }));
    // The embedded PostgreSQL (OS user postgres) must be able to pass through it.
    await chmod(work, 0o711);
    const env: Record<string, string> = { QUANLU_DATA_DIR: path.join(work, 'data'), PORT: '0', QUANLU_WORKERS: 'false', QUANLU_LOG_LEVEL: 'warn', QUANLU_ADMIN_PASSWORD: 'BenchPass2026' };
    if (process.env.DATABASE_URL) {
      const name = `quanlu_bench_ingest_${randomSuffix()}`;
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
    console.log(`ingest bench — ${loadLine()}`);

    // 1. One big file.
    const src = path.join(work, 'src');
    await mkdir(src);
    const big = path.join(src, 'big.mp4');
    process.stderr.write(`writing a ${BIG_MIB} MiB source file…\n`);
    await randomFile(big, BIG_MIB);
    const bigSha = await sha256(big);
    const copies = path.join(work, 'copies');
    await mkdir(copies);
    const cpBig = cpSync([big], copies);
    await rm(path.join(copies, 'big.mp4'));
    process.stderr.write(`cp + sync: ${fmtNum(cpBig)} s; uploading through tus…\n`);
    const up = await uploadAll(server.url, token, meta, [big]);
    const r = up.results[0]!;
    if (!r.ok || r.sha256 !== bigSha) throw new Error(`big upload failed or hash differs: ${JSON.stringify(r)}`);
    const cpBig2 = cpSync([big], copies);
    await rm(copies, { recursive: true });
    await mkdir(copies);
    const cpBest = Math.min(cpBig, cpBig2);
    const bigMBs = (BIG_MIB * MiB) / 1e6;
    // Two ceilings measured in the same run, to show where the time goes.
    const raw = await rawHttpPut(big, copies);
    const th = performance.now();
    await hashFile(big);
    const hashOnly = (performance.now() - th) / 1000;
    const row = (label: string, sec: number) => [label, String(BIG_MIB), fmtNum(sec), fmtNum(bigMBs / sec), fmtRatio(cpBest / sec)];
    printTable(
      ['one file', 'size MiB', 'seconds', 'MB/s', 'cp+sync / this'],
      [
        row('cp + sync (baseline, best of 2)', cpBest),
        row('tus ingest until durable (SHA-256 + SM3)', r.ms / 1000),
        row('ceiling: bare HTTP PUT + fsync (curl → node)', raw),
        row('ceiling: SHA-256 + SM3 of the file (page cache)', hashOnly),
      ],
    );
    console.log(`tus ingest vs bare HTTP PUT: ${fmtRatio(raw / (r.ms / 1000))}; vs hashing alone: ${fmtRatio(hashOnly / (r.ms / 1000))}`);
    await rm(big);
    spawnSync('sync');

    // 2. Many concurrent uploads.
    process.stderr.write(`writing ${MANY} × ${MANY_MIB} MiB source files…\n`);
    const many: string[] = [];
    for (let i = 0; i < MANY; i++) {
      const f = path.join(src, `clip-${String(i).padStart(2, '0')}.mp4`);
      await randomFile(f, MANY_MIB);
      many.push(f);
    }
    const cpMany = cpSync(many, copies);
    await rm(copies, { recursive: true });
    process.stderr.write(`cp + sync of ${MANY} files at once: ${fmtNum(cpMany)} s; uploading ${MANY} at once…\n`);
    const all = await uploadAll(server.url, token, meta, many);
    const failures = all.results.filter((x) => !x.ok);
    const totalMB = (MANY * MANY_MIB * MiB) / 1e6;
    const times = all.results.map((x) => x.ms / 1000);
    printTable(
      [`${MANY} × ${MANY_MIB} MiB at once`, 'wall s', 'aggregate MB/s', 'p50 done s', 'p95 done s', 'failures', 'cp+sync / QuanLu'],
      [
        ['cp + sync (baseline)', fmtNum(cpMany), fmtNum(totalMB / cpMany), '', '', '0', '1.00×'],
        ['tus ingest', fmtNum(all.wallMs / 1000), fmtNum(totalMB / (all.wallMs / 1000)), fmtNum(percentile(times, 50)), fmtNum(percentile(times, 95)), String(failures.length), fmtRatio(cpMany / (all.wallMs / 1000))],
      ],
    );
    if (failures.length) console.log('failures:', failures);
    const stored = await sql<{ n: string }>`SELECT count(*) AS n FROM original`.execute(db);
    console.log(`originals stored: ${stored.rows[0]!.n} (expected ${MANY + 1})`);
  } finally {
    await cleanup.run();
  }
}

await main();
