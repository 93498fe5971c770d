// Start-up benchmark: cold `npm start` (node bin/quanlu.mjs start) to a healthy /api/health, first run
// on a fresh data folder and second run on the same folder, with the embedded PostgreSQL and with an
// external one; baseline: a bare Node HTTP server answering its first request, measured in the same run.
//
//   node --import tsx bench/startup/startup.bench.ts [--runs=3] [--external-url=postgres://…/test] [--snapshot]
//   (or STARTUP_BENCH_RUNS, STARTUP_BENCH_EXTERNAL_URL; --external-url=none skips the external mode)
//   --snapshot: run a copy of bin/, src/, web/ (node_modules linked) in a temp folder, with its own web
//   build, so that edits to the working tree during the run (or a stale web/dist) do not change what is timed.
//   --no-web: a snapshot without web/ (API only: no web build, no static files), implies --snapshot.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { cp, mkdtemp, rm, symlink } from 'node:fs/promises';
import http from 'node:http';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../src/platform/db/embedded-postgres.ts';
import {
  Cleanup,
  createFreshDatabase,
  dropDatabase,
  fmtNum,
  fmtRatio,
  loadLine,
  median,
  numberOption,
  printTable,
  processesMentioning,
  randomSuffix,
  stringOption,
  withDatabase,
} from '../lib/bench-utils.ts';
import pg from 'pg';

const LIVE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const NO_WEB = process.argv.includes('--no-web');
const SNAPSHOT = NO_WEB || process.argv.includes('--snapshot') || process.env.STARTUP_BENCH_SNAPSHOT === '1';
/** The tree whose bin/quanlu.mjs is started: the working tree, or its snapshot. */
let ROOT = LIVE_ROOT;
const RUNS = Math.max(1, numberOption('runs', 'STARTUP_BENCH_RUNS', 3));
const EXTERNAL_URL = stringOption('external-url', 'STARTUP_BENCH_EXTERNAL_URL') ?? 'postgres://postgres@127.0.0.1:5432/test';
const ADMIN_PASSWORD = 'BenchPass2026';
const HEALTH_TIMEOUT_MS = 180_000;
const STOP_TIMEOUT_MS = 30_000;
/** `start` rebuilds web/dist when web/src is newer; that is a build, not a start-up, so it is refused unless asked. */
const ALLOW_WEB_BUILD = process.argv.includes('--allow-web-build');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** Same rule as src/cli/web-build.ts webBuildIsStale, for any tree. */
function webBuildIsStale(root: string): boolean {
  const web = path.join(root, 'web');
  if (!existsSync(path.join(web, 'src'))) return false;
  const built = path.join(web, 'dist', 'index.html');
  if (!existsSync(built)) return true;
  return Math.max(newestMtime(path.join(web, 'src')), statSync(path.join(web, 'index.html')).mtimeMs) > statSync(built).mtimeMs;
}

/** Copies what `start` needs into a temp folder (node_modules linked) and builds its web UI if needed. */
async function makeSnapshot(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'quanlu-bench-tree-'));
  cleanup.add('remove snapshot', () => rm(dir, { recursive: true, force: true }));
  for (const f of ['bin', 'src', ...(NO_WEB ? [] : ['web']), 'package.json', 'tsconfig.json']) {
    await cp(path.join(LIVE_ROOT, f), path.join(dir, f), { recursive: true, preserveTimestamps: true });
  }
  await symlink(path.join(LIVE_ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  if (webBuildIsStale(dir)) {
    const t0 = performance.now();
    const child = spawn(process.execPath, [path.join(dir, 'bin/quanlu.mjs'), 'build'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
    const code = await waitExit(child, 600_000);
    if (code !== 0) throw new Error(`web build of the snapshot failed (${code}):\n${out}`);
    console.log(`  snapshot web UI built in ${fmtNum((performance.now() - t0) / 1000, 1)} s (not part of any timing)`);
  }
  return dir;
}

const cleanup = new Cleanup();
/** Children still running, stopped by the clean-up on failure. */
const live = new Set<ChildProcess>();
cleanup.add('stop children', async () => {
  for (const c of live) {
    c.kill('SIGTERM');
    await waitExit(c, STOP_TIMEOUT_MS).catch(() => c.kill('SIGKILL'));
  }
});

/** GET once; resolves the status code, or undefined when nothing answers yet. */
function get(port: number, urlPath: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: urlPath, timeout: 2000, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
      res.on('error', () => resolve(undefined));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
  });
}

function waitExit(child: ChildProcess, timeoutMs: number): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`pid ${child.pid} did not exit within ${timeoutMs} ms`)), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

interface Started {
  child: ChildProcess;
  /** Spawn to the first 200 from the probe URL. */
  readyMs: number;
  output: () => string;
  spawnedAt: number;
}

/** Spawns a process and polls `probe` on `port` every 10 ms until it answers 200. */
async function spawnUntilReady(args: string[], env: NodeJS.ProcessEnv, port: number, probe: string): Promise<Started> {
  let out = '';
  const spawnedAt = Date.now();
  const t0 = performance.now();
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  child.once('exit', () => live.delete(child));
  const keep = (b: Buffer) => {
    out += b.toString('utf8');
    if (out.length > 200_000) out = out.slice(-100_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  for (;;) {
    const status = await get(port, probe);
    if (status === 200) return { child, readyMs: performance.now() - t0, output: () => out, spawnedAt };
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`process exited (${child.exitCode ?? child.signalCode}) before ${probe} answered 200:\n${out}`);
    }
    if (performance.now() - t0 > HEALTH_TIMEOUT_MS) {
      child.kill('SIGTERM');
      throw new Error(`${probe} did not answer 200 within ${HEALTH_TIMEOUT_MS} ms:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Milliseconds from spawn to the pino log line with this message, when present. */
function logMark(started: Started, msg: string): number | undefined {
  for (const line of started.output().split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const j = JSON.parse(line) as { msg?: string; time?: number };
      if (j.msg === msg && typeof j.time === 'number') return j.time - started.spawnedAt;
    } catch {
      // not JSON
    }
  }
  return undefined;
}

interface QuanluRun {
  healthyMs: number;
  /** Spawn to the "QuanLu is running" log line (after listen, workers started). */
  runningLogMs?: number;
  /** Spawn to the "database ready" log line (database opened, migrated, app built). */
  dbReadyLogMs?: number;
  stopMs: number;
  exitCode: number | null;
  /** Last pino message before exit (a graceful stop logs more than "stopping"). */
  lastLog: string;
  /** The end of stdout/stderr when the exit code was not 0. */
  outputTail: string;
  /** The start ran a vite build of the web UI first (web/src newer than web/dist). */
  webBuilt: boolean;
}

/** Sessions connected to `database` on the server of `url` (other than this query's own). */
async function sessionsOn(url: string, database: string): Promise<number> {
  const c = new pg.Client({ connectionString: withDatabase(url, 'postgres'), application_name: 'quanlu-bench' });
  await c.connect();
  try {
    const r = await c.query<{ n: string }>('SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [database]);
    return Number(r.rows[0]!.n);
  } finally {
    await c.end();
  }
}

/**
 * Starts QuanLu on `dataDir`, waits for health, stops it with SIGTERM and checks that its embedded
 * PostgreSQL is gone (or, external, that it left no session on its database).
 */
async function runQuanlu(dataDir: string, databaseUrl: string | undefined): Promise<QuanluRun> {
  if (!ALLOW_WEB_BUILD && webBuildIsStale(ROOT)) {
    throw new Error(
      `${ROOT}/web/dist is older than web/src: \`start\` would build the web UI first. ` +
        'Run `npm run build` first, use --snapshot, or pass --allow-web-build to time the build too.',
    );
  }
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    QUANLU_DATA_DIR: dataDir,
    PORT: String(port),
    QUANLU_ADMIN_PASSWORD: ADMIN_PASSWORD,
  };
  delete env.DATABASE_URL;
  if (databaseUrl) env.DATABASE_URL = databaseUrl;
  const s = await spawnUntilReady([path.join(ROOT, 'bin/quanlu.mjs'), 'start'], env, port, '/api/health');
  const t0 = performance.now();
  s.child.kill('SIGTERM');
  let exitCode: number | null;
  try {
    exitCode = await waitExit(s.child, STOP_TIMEOUT_MS);
  } catch (e) {
    s.child.kill('SIGKILL');
    throw new Error(`QuanLu did not stop on SIGTERM: ${(e as Error).message}\n${s.output().slice(-4000)}`);
  }
  const stopMs = performance.now() - t0;
  // A non-zero exit is recorded and shown, not fatal: the start-up figure is still valid.
  await assertNoPostgresFor(dataDir);
  if (databaseUrl) {
    const dbName = new URL(databaseUrl).pathname.slice(1);
    const deadline = performance.now() + 5000;
    for (;;) {
      const n = await sessionsOn(databaseUrl, dbName);
      if (n === 0) break;
      if (performance.now() > deadline) throw new Error(`${n} sessions still connected to ${dbName} after QuanLu exited`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  let lastMsg = '';
  for (const line of s.output().split('\n')) {
    try {
      if (line.startsWith('{')) lastMsg = (JSON.parse(line) as { msg?: string }).msg ?? lastMsg;
    } catch {
      // a partial line
    }
  }
  return {
    healthyMs: s.readyMs,
    runningLogMs: logMark(s, 'QuanLu is running'),
    dbReadyLogMs: logMark(s, 'database ready'),
    stopMs,
    exitCode,
    lastLog: lastMsg,
    outputTail: exitCode === 0 ? '' : s.output().slice(-3000),
    webBuilt: s.output().includes('building the web UI'),
  };
}

/** No process may still mention the data folder (the embedded postmaster runs with -D <dir>/pg). */
async function assertNoPostgresFor(dataDir: string): Promise<void> {
  const deadline = performance.now() + 5000;
  for (;;) {
    const left = processesMentioning(dataDir);
    if (left.length === 0) return;
    if (performance.now() > deadline) {
      // Ours (started by the server we spawned): stop them by pid so nothing is left behind, then fail.
      for (const p of left) {
        try {
          process.kill(p.pid, 'SIGINT');
        } catch {
          // gone
        }
      }
      throw new Error(`processes still running for ${dataDir} after QuanLu exited: ${JSON.stringify(left)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Baseline: a bare Node HTTP server answering its first request. */
async function runBareNode(): Promise<number> {
  const port = await freePort();
  const code = `require('http').createServer((q,r)=>r.end('ok')).listen(${port}, '127.0.0.1')`;
  const s = await spawnUntilReady(['-e', code], { ...process.env }, port, '/');
  s.child.kill('SIGTERM');
  await waitExit(s.child, STOP_TIMEOUT_MS);
  return s.readyMs;
}

/** Reference: `node bin/quanlu.mjs --help` (tsx + loading the whole module graph, no database), spawn to exit. */
async function runHelp(): Promise<number> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/quanlu.mjs'), '--help'], { cwd: ROOT, stdio: 'ignore' });
  live.add(child);
  child.once('exit', () => live.delete(child));
  const code = await waitExit(child, 60_000);
  if (code !== 0) throw new Error(`quanlu --help exited ${code}`);
  return performance.now() - t0;
}

interface ModeResult {
  first: QuanluRun[];
  second: QuanluRun[];
}

async function benchMode(label: string, external: string | undefined): Promise<ModeResult> {
  const res: ModeResult = { first: [], second: [] };
  for (let i = 0; i < RUNS; i++) {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'quanlu-bench-start-'));
    let dbName: string | undefined;
    try {
      let url: string | undefined;
      if (external) {
        dbName = `quanlu_bench_start_${randomSuffix()}`;
        url = await createFreshDatabase(external, dbName);
      }
      const first = await runQuanlu(dataDir, url);
      res.first.push(first);
      console.log(`  ${label} run ${i + 1}/${RUNS}: first start ${fmtNum(first.healthyMs / 1000)} s (stop ${fmtNum(first.stopMs / 1000)} s, exit ${first.exitCode})`);
      const second = await runQuanlu(dataDir, url);
      res.second.push(second);
      console.log(`  ${label} run ${i + 1}/${RUNS}: second start ${fmtNum(second.healthyMs / 1000)} s (stop ${fmtNum(second.stopMs / 1000)} s, exit ${second.exitCode})`);
    } finally {
      if (external && dbName) await dropDatabase(external, dbName);
      await rm(dataDir, { recursive: true, force: true });
    }
  }
  return res;
}

async function main() {
  console.log('QuanLu start-up benchmark: spawn `node bin/quanlu.mjs start` → GET /api/health = 200');
  console.log(`  ${RUNS} runs each, medians; ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, ${loadLine()}`);
  try {
    if (SNAPSHOT) {
      ROOT = await makeSnapshot();
      console.log(`  tree: snapshot of ${LIVE_ROOT} in ${ROOT}${NO_WEB ? ', without web/ (API only, no static web UI)' : ''}`);
    } else {
      console.log(`  tree: ${ROOT} (working tree)`);
    }
    // Baselines first and again at the end, so a warm or cold file cache does not favour one side.
    const bare: number[] = [];
    const help: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      bare.push(await runBareNode());
      help.push(await runHelp());
    }
    console.log(`  bare node http: ${bare.map((m) => fmtNum(m / 1000, 3)).join(', ')} s; quanlu --help: ${help.map((m) => fmtNum(m / 1000)).join(', ')} s`);

    const embedded = await benchMode('embedded', undefined);
    let external: ModeResult | undefined;
    let externalNote = '';
    if (EXTERNAL_URL !== 'none') {
      try {
        await sessionsOn(EXTERNAL_URL, 'postgres'); // reachability check
        external = await benchMode('external', EXTERNAL_URL);
      } catch (e) {
        externalNote = `external mode skipped or failed: ${(e as Error).message.split('\n')[0]}`;
        console.log(`  ${externalNote}`);
      }
    }
    for (let i = 0; i < RUNS; i++) bare.push(await runBareNode());

    const bareMed = median(bare);
    const row = (label: string, runs: QuanluRun[]) => {
      const h = median(runs.map((r) => r.healthyMs));
      const dbReady = runs.map((r) => r.dbReadyLogMs).filter((x): x is number => x !== undefined);
      const running = runs.map((r) => r.runningLogMs).filter((x): x is number => x !== undefined);
      return [
        label,
        fmtNum(h / 1000),
        runs.map((r) => fmtNum(r.healthyMs / 1000)).join(', '),
        dbReady.length ? fmtNum(median(dbReady) / 1000) : '–',
        running.length ? fmtNum(median(running) / 1000) : '–',
        fmtNum(median(runs.map((r) => r.stopMs)) / 1000),
        [...new Set(runs.map((r) => String(r.exitCode)))].join('/'),
        fmtRatio(h / bareMed) + (runs.some((r) => r.webBuilt) ? ' (incl. web build!)' : ''),
      ];
    };
    const rows: string[][] = [
      ['bare node http server (baseline)', fmtNum(bareMed / 1000, 3), bare.map((m) => fmtNum(m / 1000, 3)).join(', '), '–', '–', '–', '–', '1.00×'],
      ['quanlu --help (tsx + module graph, exits)', fmtNum(median(help) / 1000), help.map((m) => fmtNum(m / 1000)).join(', '), '–', '–', '–', '–', fmtRatio(median(help) / bareMed)],
      row('embedded PG, first start (fresh folder)', embedded.first),
      row('embedded PG, second start (same folder)', embedded.second),
    ];
    if (external) {
      rows.push(row('external PG, first start (fresh database)', external.first));
      rows.push(row('external PG, second start (same database)', external.second));
    }
    console.log('');
    printTable(['start → healthy', 'median s', 'runs s', '"database ready" s', '"is running" s', 'SIGTERM → exit s', 'exit code', 'vs bare node'], rows);
    if (externalNote) console.log(`\n${externalNote}`);

    const m = (runs: QuanluRun[]) => median(runs.map((r) => r.healthyMs));
    console.log(`\nSummary (${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores, medians of ${RUNS}):`);
    console.log(`  start embedded, first:  ${fmtNum(m(embedded.first) / 1000)} s (bare node ${fmtNum(bareMed / 1000, 3)} s, ratio ${fmtRatio(m(embedded.first) / bareMed)})`);
    console.log(`  start embedded, second: ${fmtNum(m(embedded.second) / 1000)} s (ratio ${fmtRatio(m(embedded.second) / bareMed)})`);
    if (external) {
      console.log(`  start external, first:  ${fmtNum(m(external.first) / 1000)} s (ratio ${fmtRatio(m(external.first) / bareMed)})`);
      console.log(`  start external, second: ${fmtNum(m(external.second) / 1000)} s (ratio ${fmtRatio(m(external.second) / bareMed)})`);
    }
    const shown = new Set<number | null>();
    for (const r of [embedded, ...(external ? [external] : [])].flatMap((m) => [...m.first, ...m.second])) {
      if (r.exitCode === 0 || shown.has(r.exitCode)) continue;
      shown.add(r.exitCode);
      console.log(`\n--- output tail of a stop that exited ${r.exitCode} ---\n${r.outputTail.trim()}\n---`);
    }
    const all = [embedded, ...(external ? [external] : [])].flatMap((r) => [...r.first, ...r.second]);
    const bad = all.filter((r) => r.exitCode !== 0);
    const leftovers = `no process left for any data folder${external ? ', no session left on the external databases' : ''}`;
    console.log(
      bad.length === 0
        ? `  every stop: exit 0 on SIGTERM; ${leftovers}`
        : `  stops: ${bad.length}/${all.length} exited ${[...new Set(bad.map((r) => r.exitCode))].join('/')} on SIGTERM (not 0; last log line "${bad[0]!.lastLog}"); ${leftovers}`,
    );
    console.log(`  ${loadLine()} at the end`);
  } finally {
    await cleanup.run();
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
