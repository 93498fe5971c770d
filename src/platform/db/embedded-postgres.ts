import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { canReach, packagedBinaries, postgresOsUser, reachableBinaries, rootClusterDirFor, type OsUser, type PgBinaries } from './postgres-binaries.ts';

/** What the data folder remembers about its embedded database, so the CLI finds the same one. */
interface EmbeddedState {
  port: number;
  user: string;
  password: string;
  database: string;
  /** The cluster folder; absent in data folders made before it could live elsewhere (then `<data>/pg`). */
  clusterDir?: string;
}

export interface EmbeddedDatabase {
  /** Connection URL of the QuanLu database. */
  url: string;
  /** The PostgreSQL cluster folder (inside the data folder, or under /var/lib/quanlu-pg for root; see below). */
  clusterDir: string;
  port: number;
  /** True when this process started the server (and so must stop it). */
  owned: boolean;
  /** Stops the server if this process started it; a no-op otherwise. */
  stop(): Promise<void>;
}

/** Progress messages (`kind: 'postgres'` for PostgreSQL's own log lines). */
type Log = (msg: string, kind?: 'info' | 'postgres') => void;

const DATABASE = 'quanlu';

/**
 * PostgreSQL's children get a fixed environment, not ours: a PGDATA, PGPORT or LC_ALL in the
 * operator's shell must not change which cluster starts or the words its log is read in.
 */
const PG_ENV = { LC_ALL: 'C', LANG: 'C' };

/** Finds a free TCP port on the loopback interface (5432 is often taken). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The lines of the cluster's postmaster.pid (pid, folder, start, port, socket dir, address, shm key, status). */
async function pidFileLines(clusterDir: string): Promise<string[] | undefined> {
  try {
    return (await readFile(path.join(clusterDir, 'postmaster.pid'), 'utf8')).split('\n');
  } catch {
    return undefined;
  }
}

/** PID of the postmaster running on this cluster folder, or undefined (a stale pid file is removed). */
async function runningPostmaster(clusterDir: string): Promise<number | undefined> {
  const lines = await pidFileLines(clusterDir);
  if (!lines) return undefined;
  const pid = Number(lines[0]);
  if (Number.isInteger(pid) && pid > 0 && pidAlive(pid)) return pid;
  await rm(path.join(clusterDir, 'postmaster.pid'), { force: true });
  return undefined;
}

function urlOf(s: EmbeddedState): string {
  return `postgres://${encodeURIComponent(s.user)}:${encodeURIComponent(s.password)}@127.0.0.1:${s.port}/${s.database}`;
}

/** Keeps the last lines a program wrote, to quote when it fails. */
function lineCollector(onLine: (line: string) => void) {
  const tail: string[] = [];
  let partial = '';
  return {
    tail,
    push(chunk: Buffer) {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines.map((x) => x.trimEnd()).filter(Boolean)) {
        onLine(l);
        tail.push(l);
        if (tail.length > 20) tail.shift();
      }
    },
  };
}

/** Runs initdb on an empty cluster folder with the generated superuser password. */
async function initCluster(bins: PgBinaries, clusterDir: string, s: EmbeddedState, user: OsUser | undefined, log: Log): Promise<void> {
  await rm(clusterDir, { recursive: true, force: true });
  await mkdir(clusterDir, { recursive: true, mode: 0o700 });
  // The password reaches initdb in a file only its user can read, in a folder only its user can enter.
  const pwDir = await mkdtemp(path.join(tmpdir(), 'quanlu-initdb-'));
  const pwFile = path.join(pwDir, 'pw');
  try {
    await writeFile(pwFile, `${s.password}\n`, { mode: 0o600 });
    if (user) {
      for (const p of [clusterDir, pwDir, pwFile]) await chown(p, user.uid, user.gid);
    }
    log(`initialising embedded PostgreSQL in ${clusterDir}`);
    const args = [`--pgdata=${clusterDir}`, '--auth=scram-sha-256', `--username=${s.user}`, `--pwfile=${pwFile}`, '--encoding=UTF8', '--locale=C.UTF-8'];
    const out = lineCollector((l) => log(l, 'postgres'));
    const code = await new Promise<number | null>((resolve, reject) => {
      const p = spawn(bins.initdb, args, { ...user, env: PG_ENV, stdio: ['ignore', 'pipe', 'pipe'] });
      p.stdout!.on('data', out.push);
      p.stderr!.on('data', out.push);
      p.on('error', reject);
      p.on('close', resolve);
    });
    if (code !== 0) throw new Error(`initdb failed (exit ${code}) in ${clusterDir}:\n${out.tail.join('\n')}`);
  } finally {
    await rm(pwDir, { recursive: true, force: true });
  }
}

/**
 * Starts the postmaster and resolves once its pid file says "ready" (locale-independent, unlike
 * its log text). It stays a child of this process, in its process group: Ctrl-C reaches it too.
 */
async function startPostmaster(bins: PgBinaries, clusterDir: string, port: number, user: OsUser | undefined, log: Log): Promise<ChildProcess> {
  const out = lineCollector((l) => log(l, 'postgres'));
  const child = spawn(
    bins.postgres,
    // Only TCP on loopback: no socket files in shared folders.
    ['-D', clusterDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    { ...user, env: PG_ENV, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout!.on('data', out.push);
  child.stderr!.on('data', out.push);
  let failure: Error | undefined;
  child.on('error', (e) => (failure = e));
  child.on('exit', (code, signal) => (failure ??= new Error(`postgres exited (${signal ?? `code ${code}`})`)));
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (failure) {
      throw new Error(`The embedded PostgreSQL in ${clusterDir} did not start on port ${port}: ${failure.message}\n${out.tail.join('\n')}`);
    }
    const lines = await pidFileLines(clusterDir);
    if (lines && Number(lines[0]) === child.pid && lines[7]?.trim() === 'ready') return child;
    if (Date.now() > deadline) {
      child.kill('SIGQUIT');
      throw new Error(`The embedded PostgreSQL in ${clusterDir} was not ready after 120 s:\n${out.tail.join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Fast shutdown (SIGINT: ends sessions, checkpoints) and waits for the postmaster to exit. */
async function stopPostmaster(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGINT');
  // A shutdown stuck on a hung client: immediate shutdown (crash recovery at next start) after a minute.
  const t = setTimeout(() => child.kill('SIGQUIT'), 60_000);
  await exited;
  clearTimeout(t);
}

async function createQuanluDatabase(s: EmbeddedState): Promise<void> {
  const client = new pg.Client({ connectionString: urlOf({ ...s, database: 'postgres' }) });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${client.escapeIdentifier(s.database)}`);
  } finally {
    await client.end();
  }
}

/**
 * Where a new cluster goes. Normally `<data>/pg`. As root, PostgreSQL runs as the OS user `postgres`,
 * which must enter that folder; when a parent (such as /root, mode 0700) stops it, the cluster goes
 * to /var/lib/quanlu-pg/clusters/<hash of the data folder> instead, and postgres.json remembers where.
 */
async function newClusterDir(dataDir: string, user: OsUser | undefined): Promise<string> {
  const inside = path.join(dataDir, 'pg');
  if (!user) return inside;
  await chmod(dataDir, 0o711);
  return (await canReach(user, dataDir)) ? inside : rootClusterDirFor(dataDir);
}

/**
 * Opens the embedded PostgreSQL of a data folder: creates it on first use (random password kept in
 * `postgres.json`, mode 0600), starts it when it is down, or joins the one already running there
 * (for example the server's, when the CLI runs beside it).
 */
export async function openEmbeddedPostgres(dataDir: string, log: Log = () => undefined): Promise<EmbeddedDatabase> {
  await mkdir(dataDir, { recursive: true });
  const stateFile = path.join(dataDir, 'postgres.json');
  let state: EmbeddedState | undefined = existsSync(stateFile)
    ? (JSON.parse(await readFile(stateFile, 'utf8')) as EmbeddedState)
    : undefined;
  const user = process.getuid?.() === 0 ? await postgresOsUser() : undefined;
  const clusterDir = state ? (state.clusterDir ?? path.join(dataDir, 'pg')) : await newClusterDir(dataDir, user);
  const initialised = existsSync(path.join(clusterDir, 'PG_VERSION'));

  if (state && initialised && (await runningPostmaster(clusterDir))) {
    log(`joining the embedded PostgreSQL already running on port ${state.port}`);
    return { url: urlOf(state), clusterDir, port: state.port, owned: false, stop: async () => undefined };
  }
  if (initialised && !state) {
    // Never re-initialise a cluster that holds data: without its credentials file we stop instead.
    throw new Error(
      `${stateFile} is missing but ${clusterDir} holds a database: restore the file from a backup (or remove ${clusterDir} to start afresh) / ` +
        `缺少 ${stateFile}，但 ${clusterDir} 中已有数据库：请从备份恢复该文件（或删除 ${clusterDir} 以重新开始）`,
    );
  }
  if (user && !(await canReach(user, path.dirname(clusterDir)))) {
    // A data folder made by a non-root run, later started by root from under a closed folder.
    throw new Error(
      `The OS user "postgres" cannot enter ${path.dirname(clusterDir)}; move the data folder (QUANLU_DATA_DIR) out of the closed folder or allow passing through (chmod o+x on its parents) / ` +
        `系统用户 postgres 无法进入 ${path.dirname(clusterDir)}：请把数据目录（QUANLU_DATA_DIR）移出该受限目录，或为其上级目录执行 chmod o+x`,
    );
  }

  const fresh = !initialised;
  if (fresh) {
    state = { port: await freePort(), user: 'quanlu', password: randomBytes(24).toString('base64url'), database: DATABASE, clusterDir };
  } else if (!(await portIsFree(state!.port))) {
    state = { ...state!, port: await freePort() };
  }
  const s: EmbeddedState = { ...state!, clusterDir };
  await writeFile(stateFile, JSON.stringify(s, null, 2), { mode: 0o600 });

  const bins = user ? await reachableBinaries(user, log) : await packagedBinaries();
  if (fresh) await initCluster(bins, clusterDir, s, user, log);
  const child = await startPostmaster(bins, clusterDir, s.port, user, log);
  let stopped = false;
  // Last resort when the process ends without stop() (a crash): ask the postmaster to shut down.
  const onExit = () => {
    if (!stopped) child.kill('SIGINT');
  };
  process.once('exit', onExit);
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.removeListener('exit', onExit);
    await stopPostmaster(child);
  };
  try {
    if (fresh) await createQuanluDatabase(s);
  } catch (e) {
    await stop();
    throw e;
  }
  return { url: urlOf(s), clusterDir, port: s.port, owned: true, stop };
}
