// Concurrent ingest on one node and on two (issue 10 §5): aggregate MB/s of 1, 8 and 20 uploads at once
// through the real server (tus, one `curl` PATCH per upload, as in bench/ingest), each set's figure as a ratio
// to SHA-256 + SM3 of the SAME files hashed by TWO plain node processes in parallel in the same run (the
// ceiling of two cores hashing: for one file one process does SM3 and the other SHA-256; for several, each
// process hashes half of the files with both). Then the same sets spread over two api processes on one
// database and one data folder.
//
//   node --import tsx bench/ingest-concurrency/ingest-concurrency.bench.ts [--total-mib=1024] [--sets=1,8,20] [--nodes=2] [--rounds=1] [--profile]
//   DATABASE_URL = an admin URL of a PostgreSQL (a fresh database is created and dropped); the default is the
//   machine's postgres://postgres@127.0.0.1:5432/postgres. --profile writes node --cpu-prof profiles of the
//   first api process (main and hash threads) to a folder it prints, with a summary of where the time went.
//   --rounds=N repeats the whole sequence N times and ends with the median of each set's figures over the
//   rounds (each round's "aggregate / 1 upload" uses that round's one-upload set).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, createWriteStream, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { randomSecret, tokenHash } from '../../src/platform/auth/secrets.ts';
import { createDatabase } from '../../src/platform/db/database.ts';
import { Cleanup, createFreshDatabase, dropDatabase, fmtNum, fmtRatio, loadLine, numberOption, printTable, randomSuffix, stringOption, tusUploadByCurl } from '../lib/bench-utils.ts';

const TOTAL_MIB = numberOption('total-mib', 'INGEST_CONC_TOTAL_MIB', 1024);
const SETS = (stringOption('sets', 'INGEST_CONC_SETS') ?? '1,8,20').split(',').map(Number);
const NODES = numberOption('nodes', 'INGEST_CONC_NODES', 2);
const ROUNDS = numberOption('rounds', 'INGEST_CONC_ROUNDS', 1);
const PROFILE = process.argv.includes('--profile');
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const MiB = 1024 * 1024;

/** A file of `mib` MiB: 8 MiB of random bytes repeated, each piece stamped so that no two files or pieces are equal. */
async function randomFile(file: string, mib: number, salt: string) {
  const out = createWriteStream(file);
  const piece = randomBytes(8 * MiB);
  for (let done = 0; done < mib * MiB; done += piece.length) {
    piece.writeUInt32LE(done / piece.length, 0);
    piece.write(`${salt}:${file}`, 8);
    const part = piece.subarray(0, Math.min(piece.length, mib * MiB - done));
    if (!out.write(Buffer.from(part))) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((r) => out.end(() => r()));
}

/** CPU seconds (user + system) of each thread of process `pid`, by thread id, from /proc (Linux). */
async function threadCpu(pid: number): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  for (const tid of await readdir(`/proc/${pid}/task`).catch(() => [] as string[])) {
    const stat = await readFile(`/proc/${pid}/task/${tid}/stat`, 'utf8').catch(() => '');
    // Fields after the command name (which may hold spaces): utime is field 14, stime 15 (1-based).
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (f.length > 13) out.set(Number(tid), (Number(f[11]) + Number(f[12])) / CLK_TCK);
  }
  return out;
}

/** CPU seconds of the children this process has waited for (the curl clients and hash processes). */
async function childrenCpu(): Promise<number> {
  const stat = await readFile('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[13]) + Number(f[14])) / CLK_TCK;
}

/**
 * CPU of the api processes over one set, split: the main thread (event loop: HTTP, tus, copies into the
 * hash batches, finishing), the threads started after the process listened (the hash pool's threads: they
 * start on first use) and the rest (libuv file writes, V8's GC helpers, present from start-up).
 */
interface CpuSplit {
  main: number;
  hash: number;
  other: number;
}
async function cpuOf(nodes: { child: ChildProcess; startTids: Set<number> }[]): Promise<CpuSplit> {
  const s: CpuSplit = { main: 0, hash: 0, other: 0 };
  for (const n of nodes) {
    const pid = n.child.pid!;
    for (const [tid, sec] of await threadCpu(pid)) {
      if (tid === pid) s.main += sec;
      else if (n.startTids.has(tid)) s.other += sec;
      else s.hash += sec;
    }
  }
  return s;
}
const minus = (a: CpuSplit, b: CpuSplit): CpuSplit => ({ main: a.main - b.main, hash: a.hash - b.hash, other: a.other - b.other });
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

function lines(child: ChildProcess, onLine: (line: string) => void) {
  createInterface({ input: child.stdout! }).on('line', onLine);
}

/** Starts one api process; resolves with its URL. */
function startNode(env: Record<string, string>, profileDir?: string): Promise<{ url: string; child: ChildProcess; startTids: Set<number> }> {
  const args = [...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []), '--import', 'tsx', path.join(here, 'node.ts')];
  const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`api process exited (${code}) before listening`)));
    lines(child, (l) => {
      if (l.startsWith('LISTENING '))
        void threadCpu(child.pid!).then((t) => resolve({ url: l.slice('LISTENING '.length), child, startTids: new Set(t.keys()) }));
    });
  });
}

async function stopNode(child: ChildProcess) {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/** The two-process hashing ceiling for these files; returns seconds and the SHA-256 of each file. */
async function twoProcessHash(files: string[]): Promise<{ seconds: number; cpu: number; sha256: Map<string, string> }> {
  const cpu0 = await childrenCpu();
  const plans: string[][] =
    files.length === 1
      ? [[`sm3:${files[0]}`], [`sha256:${files[0]}`]]
      : [files.filter((_, i) => i % 2 === 0).map((f) => `sha256+sm3:${f}`), files.filter((_, i) => i % 2 === 1).map((f) => `sha256+sm3:${f}`)];
  const sha256 = new Map<string, string>();
  const children = plans.map((items) => spawn(process.execPath, [path.join(here, 'hash-child.mjs'), ...items], { stdio: ['pipe', 'pipe', 'inherit'] }));
  const ready = children.map((c) => new Promise<void>((r) => lines(c, (l) => l === 'READY' && r())));
  const done = children.map(
    (c) =>
      new Promise<void>((resolve, reject) => {
        lines(c, (l) => {
          const m = /^H (.+) ([0-9a-f]{64})$/.exec(l);
          if (m) sha256.set(m[1]!, m[2]!);
        });
        c.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`hash process exited ${code}`))));
      }),
  );
  await Promise.all(ready);
  const t0 = performance.now();
  for (const c of children) c.stdin!.write('go\n');
  await Promise.all(done);
  const seconds = (performance.now() - t0) / 1000;
  return { seconds, cpu: (await childrenCpu()) - cpu0, sha256 };
}

/**
 * CPU seconds (user + system, this process) of storing the same bytes with nothing else: each file read and
 * written to a new file in `dir` in 64 KiB chunks by one thread, then the copies removed. What the kernel
 * charges for putting the bytes into the page cache of this file system is the floor of the api's "other
 * threads" (libuv's file writes).
 */
function plainWriteCpu(files: string[], dir: string): number {
  const t0 = process.cpuUsage();
  const chunk = Buffer.allocUnsafe(64 * 1024);
  for (const [i, file] of files.entries()) {
    const inFd = openSync(file, 'r');
    const copy = path.join(dir, `plain-copy-${i}`);
    const outFd = openSync(copy, 'wx');
    for (let n; (n = readSync(inFd, chunk, 0, chunk.length, null)) > 0; ) writeSync(outFd, chunk, 0, n);
    closeSync(inFd);
    closeSync(outFd);
  }
  const used = process.cpuUsage(t0);
  for (const [i] of files.entries()) rmSync(path.join(dir, `plain-copy-${i}`));
  return (used.user + used.system) / 1e6;
}

interface Upload {
  file: string;
  ok: boolean;
  sha256?: string;
  error?: string;
}

/** Uploads all files at once, file i to node i mod n: tus creation by fetch, the bytes by one `curl` PATCH each. */
async function uploadAll(bases: string[], token: string, meta: string, files: string[]): Promise<{ seconds: number; results: Upload[] }> {
  const t0 = performance.now();
  const results = await Promise.all(
    files.map(async (file, i): Promise<Upload> => {
      const base = bases[i % bases.length]!;
      const r = await tusUploadByCurl(base, token, meta, file);
      return { file, ok: !!r.sha256, sha256: r.sha256, ...(r.error ? { error: r.error } : {}) };
    }),
  );
  return { seconds: (performance.now() - t0) / 1000, results };
}

/** Self time per function over the profiles in `dir`, per thread kind, top entries. */
async function summarizeProfiles(dir: string) {
  for (const name of (await readdir(dir)).filter((n) => n.endsWith('.cpuprofile')).sort()) {
    const prof = JSON.parse(await readFile(path.join(dir, name), 'utf8')) as {
      nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
      samples: number[];
      timeDeltas: number[];
    };
    const byId = new Map(prof.nodes.map((n) => [n.id, n]));
    const self = new Map<string, number>();
    let total = 0;
    prof.samples.forEach((id, i) => {
      const dt = prof.timeDeltas[i] ?? 0;
      const n = byId.get(id)!;
      const where = n.callFrame.url ? `${n.callFrame.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/(src|bench)\//, '$1/')}:${n.callFrame.lineNumber + 1}` : '';
      const key = `${n.callFrame.functionName || '(anonymous)'} ${where}`.trim();
      self.set(key, (self.get(key) ?? 0) + dt);
      total += dt;
    });
    const idle = self.get('(idle)') ?? 0;
    console.log(`\nprofile ${name}: ${fmtNum(total / 1e6)} s sampled, ${fmtNum((100 * (total - idle)) / total, 0)}% busy; top self time:`);
    for (const [k, v] of [...self].filter(([k]) => k !== '(idle)').sort((a, b) => b[1] - a[1]).slice(0, 14)) console.log(`  ${fmtNum((100 * v) / total, 1).padStart(5)}%  ${k}`);
  }
}

async function main() {
  const cleanup = new Cleanup();
  try {
    const adminUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
    const work = await mkdtemp(path.join(root, 'tmp-bench-ingest-conc-'));
    cleanup.add('remove work folder', () => rm(work, { recursive: true, force: true }));
    await chmod(work, 0o711);
    const dbName = `quanlu_bench_ingest_conc_${randomSuffix()}`;
    const databaseUrl = await createFreshDatabase(adminUrl, dbName);
    cleanup.add('drop bench database', () => dropDatabase(adminUrl, dbName));
    const env = { DATABASE_URL: databaseUrl, QUANLU_DATA_DIR: path.join(work, 'data'), PORT: '0', QUANLU_WORKERS: 'false', QUANLU_LOG_LEVEL: 'warn', QUANLU_ADMIN_PASSWORD: 'BenchPass2026' };
    const profileDir = PROFILE ? path.join(root, `tmp-ingest-profile-${randomSuffix()}`) : undefined;
    if (profileDir) await mkdir(profileDir);
    // The first process migrates the database and prepares the data folder; the second joins afterwards.
    const nodes: { url: string; child: ChildProcess; startTids: Set<number> }[] = [];
    cleanup.add('stop api processes', async () => {
      for (const n of nodes) await stopNode(n.child);
    });
    nodes.push(await startNode(env, profileDir));
    for (let i = 1; i < NODES; i++) nodes.push(await startNode(env));

    const db = createDatabase(databaseUrl, 2);
    cleanup.add('close bench pool', () => db.destroy());
    const dept = await sql<{ id: string }>`INSERT INTO department (name, kind) VALUES ('基准测试支队', 'detachment') RETURNING id`.execute(db);
    const person = await sql<{ id: string }>`INSERT INTO person (name, staff_number, department_id, enrolled, certificate_number, certificate_valid_until)
      VALUES ('基准', 'B1', ${dept.rows[0]!.id}, true, 'BC1', '2099-12-31') RETURNING id`.execute(db);
    const user = await sql<{ id: string }>`INSERT INTO app_user (username, display_name, password_hash, roles, department_id, person_id)
      VALUES ('bench', 'bench', 'x', '{custodian}', ${dept.rows[0]!.id}, ${person.rows[0]!.id}) RETURNING id`.execute(db);
    const token = `qlt_${randomSecret()}`;
    await sql`INSERT INTO api_token (user_id, name, token_hash, prefix, expires_at) VALUES (${user.rows[0]!.id}, 'bench', ${tokenHash(token)}, 'qlt_', now() + interval '1 day')`.execute(db);
    const meta = JSON.stringify({ departmentId: dept.rows[0]!.id, officerIds: [person.rows[0]!.id], recordedStart: new Date().toISOString(), activity: 'patrol', partyInformed: 'not_applicable' });
    console.log(`ingest concurrency bench — ${TOTAL_MIB} MiB per set, ${NODES} api process(es) — ${loadLine()}`);

    const src = path.join(work, 'src');
    await mkdir(src);
    const rows: string[][] = [];
    const cpuRows: string[][] = [];
    let expectedOriginals = 0;
    const oneUpload = new Map<number, number>();
    const modes = NODES > 1 ? [1, NODES] : [1];
    /** Per set (`n@nodes`): each round's ingest / 2-proc hash, aggregate / 1 upload, api CPU s/GB. */
    const perSet = new Map<string, { label: string; nodes: number; vsHash: number[]; vsOne: number[]; apiCpu: number[] }>();
    for (let round = 1; round <= ROUNDS; round++) {
      for (const nodeCount of modes) {
        for (const n of SETS) {
          const mib = Math.max(1, Math.round(TOTAL_MIB / n));
          const files: string[] = [];
          const salt = randomSuffix();
          process.stderr.write(`${ROUNDS > 1 ? `round ${round}: ` : ''}${n} × ${mib} MiB on ${nodeCount} node(s): writing files…\n`);
          for (let i = 0; i < n; i++) {
            const f = path.join(src, `clip-${salt}-${String(i).padStart(2, '0')}.mp4`);
            await randomFile(f, mib, salt);
            files.push(f);
          }
          spawnSync('sync');
          const base = await twoProcessHash(files);
          process.stderr.write(`  two-process hash ${fmtNum(base.seconds)} s; uploading…\n`);
          const used = nodes.slice(0, nodeCount);
          const cpu0 = await cpuOf(used);
          const clients0 = await childrenCpu();
          const up = await uploadAll(used.map((x) => x.url), token, meta, files);
          const cpu = minus(await cpuOf(used), cpu0);
          const clients = (await childrenCpu()) - clients0;
          const gb = (n * mib * MiB) / 1e9;
          const bad = up.results.filter((r) => !r.ok || r.sha256 !== base.sha256.get(r.file));
          if (bad.length) console.log('failed or wrong hash:', bad.slice(0, 3));
          expectedOriginals += n;
          // After the upload, so both start from the same page cache (the uploaded files stay stored).
          const plain = plainWriteCpu(files, work);
          const mb = (n * mib * MiB) / 1e6;
          // §5's figure: the aggregate of n uploads at once against one upload alone, same node count, same run.
          if (n === 1) oneUpload.set(nodeCount, mb / up.seconds);
          const single = oneUpload.get(nodeCount);
          const label = `${n} × ${mib} MiB`;
          const key = `${n}@${nodeCount}`;
          const agg = perSet.get(key) ?? { label, nodes: nodeCount, vsHash: [], vsOne: [], apiCpu: [] };
          perSet.set(key, agg);
          agg.vsHash.push(base.seconds / up.seconds);
          if (single) agg.vsOne.push(mb / up.seconds / single);
          agg.apiCpu.push((cpu.main + cpu.hash + cpu.other) / gb);
          rows.push([
            `${ROUNDS > 1 ? `r${round} ` : ''}${label}`,
            String(nodeCount),
            fmtNum(base.seconds),
            fmtNum(mb / base.seconds),
            fmtNum(up.seconds),
            fmtNum(mb / up.seconds),
            fmtRatio(base.seconds / up.seconds),
            single ? fmtRatio(mb / up.seconds / single) : '—',
            String(bad.length),
          ]);
          cpuRows.push([`${ROUNDS > 1 ? `r${round} ` : ''}${label}`, String(nodeCount), ...[cpu.main, cpu.hash, cpu.other, cpu.main + cpu.hash + cpu.other, clients].map((x) => fmtNum(x / gb)), fmtNum(base.cpu / gb), fmtNum(plain / gb)]);
          for (const f of files) await rm(f);
          spawnSync('sync');
        }
      }
    }
    console.log(`\nCPU seconds per GB (user + system, from /proc; robust to other load, unlike MB/s):`);
    printTable(['uploads at once', 'api nodes', 'api main thread', 'api hash threads', 'api other threads', 'api total', 'curl clients', '2-proc hash (baseline)', 'plain write (baseline)'], cpuRows);
    printTable(['uploads at once', 'api nodes', '2-proc hash s', '2-proc hash MB/s', 'ingest s', 'ingest MB/s', 'ingest / 2-proc hash', 'aggregate / 1 upload', 'failed'], rows);
    if (ROUNDS > 1) {
      console.log(`\nMedian over ${ROUNDS} rounds:`);
      const median = (xs: number[]) => {
        const v = [...xs].sort((a, b) => a - b);
        return v.length ? (v.length % 2 ? v[(v.length - 1) / 2]! : (v[v.length / 2 - 1]! + v[v.length / 2]!) / 2) : NaN;
      };
      const range = (xs: number[]) => (xs.length ? `${fmtRatio(Math.min(...xs))}–${fmtRatio(Math.max(...xs))}` : '—');
      printTable(
        ['uploads at once', 'api nodes', 'ingest / 2-proc hash', 'aggregate / 1 upload', 'its range', 'api CPU s/GB'],
        [...perSet.values()].map((a) => [a.label, String(a.nodes), fmtRatio(median(a.vsHash)), a.vsOne.length ? fmtRatio(median(a.vsOne)) : '—', range(a.vsOne), fmtNum(median(a.apiCpu))]),
      );
    }
    const stored = await sql<{ n: string }>`SELECT count(*) AS n FROM original`.execute(db);
    console.log(`originals stored: ${stored.rows[0]!.n} (expected ${expectedOriginals}) — ${loadLine()}`);
    if (profileDir) {
      await stopNode(nodes[0]!.child);
      await summarizeProfiles(profileDir);
      console.log(`profiles kept in ${profileDir}`);
    }
  } finally {
    await cleanup.run();
  }
}

await main();
