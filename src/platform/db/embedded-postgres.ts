import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { canReach, packagedBinaries, postgresOsUser, reachableBinaries, rootClusterDirFor, type OsUser, type PgBinaries } from './postgres-binaries.ts';

interface RoleCredentials {
  user: string;
  password: string;
}

/** What the data folder remembers about its embedded database, so the CLI finds the same one. */
interface EmbeddedState {
  port: number;
  /** The cluster's superuser (initdb's): creates the roles below, nothing else. */
  user: string;
  password: string;
  database: string;
  /** The cluster folder; absent in data folders made before it could live elsewhere (then `<data>/pg`). */
  clusterDir?: string;
  /** Owns the database's objects and runs migrations (absent in data folders made before the roles existed). */
  owner?: RoleCredentials;
  /** The role the server and CLI serve as: owns nothing, holds only its grants (src/platform/db/app-privileges.ts). */
  app?: RoleCredentials;
}

export interface EmbeddedDatabase {
  /** Connection URL of the QuanLu database as the serving role (owns nothing). */
  url: string;
  /** The same database as its owner role (migrations only). */
  ownerUrl: string;
  /** The cluster's superuser on the `postgres` maintenance database (role set-up; tests create databases with it). */
  superuserUrl: string;
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

function urlOf(s: EmbeddedState, as: RoleCredentials = s): string {
  return `postgres://${encodeURIComponent(as.user)}:${encodeURIComponent(as.password)}@127.0.0.1:${s.port}/${s.database}`;
}

const OWNER_ROLE = 'quanlu_owner';
const APP_ROLE = 'quanlu_app';
const newPassword = () => randomBytes(24).toString('base64url');

/** The state with owner and serving role credentials (generated for data folders made before them). */
function withRoles(s: EmbeddedState): EmbeddedState {
  return {
    ...s,
    owner: s.owner ?? { user: OWNER_ROLE, password: newPassword() },
    app: s.app ?? { user: APP_ROLE, password: newPassword() },
  };
}

function databaseHandle(s: EmbeddedState, clusterDir: string, owned: boolean, stop: () => Promise<void>): EmbeddedDatabase {
  return {
    url: urlOf(s, s.app),
    ownerUrl: urlOf(s, s.owner),
    superuserUrl: urlOf({ ...s, database: 'postgres' }),
    clusterDir,
    port: s.port,
    owned,
    stop,
  };
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

/**
 * As the superuser: the owner and serving roles exist with the recorded passwords, the database exists
 * and is the owner's, and so is every object in it that an older version created as the superuser
 * (data folders made before the roles; extensions stay the superuser's). Idempotent; runs at each start.
 * What the serving role may do is granted by migrate() as the owner.
 */
async function ensureRolesAndDatabase(s: EmbeddedState, fresh: boolean): Promise<void> {
  const owner = s.owner!;
  const app = s.app!;
  const client = new pg.Client({ connectionString: urlOf({ ...s, database: 'postgres' }) });
  await client.connect();
  try {
    for (const r of [owner, app]) {
      const role = client.escapeIdentifier(r.user);
      const exists = (await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [r.user])).rowCount;
      // Neither role may create roles or databases, bypass row security or replicate. INHERIT: on PostgreSQL 15
      // the owner's right to create in the public schema comes from its implicit membership of pg_database_owner.
      const attrs = 'LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT';
      await client.query(`${exists ? 'ALTER' : 'CREATE'} ROLE ${role} WITH ${attrs} PASSWORD ${client.escapeLiteral(r.password)}`);
    }
    const db = client.escapeIdentifier(s.database);
    // Created here on first start (also when a first start was killed between initdb and this).
    const dbExists = (await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [s.database])).rowCount;
    if (!dbExists) await client.query(`CREATE DATABASE ${db} OWNER ${client.escapeIdentifier(owner.user)}`);
    else await client.query(`ALTER DATABASE ${db} OWNER TO ${client.escapeIdentifier(owner.user)}`);
  } finally {
    await client.end();
  }
  if (!fresh) await adoptObjects(s);
}

/** Gives the owner role every table, view, sequence, function and type of ours the superuser still owns. */
async function adoptObjects(s: EmbeddedState): Promise<void> {
  const client = new pg.Client({ connectionString: urlOf(s) });
  await client.connect();
  try {
    await client.query(
      `DO $adopt$
      DECLARE r record; owner_oid oid := to_regrole($1)::oid; owner text := quote_ident($1);
      BEGIN
        FOR r IN SELECT n.nspname FROM pg_namespace n WHERE n.nspname = 'graphile_worker' AND n.nspowner <> owner_oid LOOP
          EXECUTE format('ALTER SCHEMA %I OWNER TO %s', r.nspname, owner);
        END LOOP;
        -- Tables, views and sequences (sequences owned by a column follow their table).
        FOR r IN SELECT c.oid::regclass AS name, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname IN ('public', 'graphile_worker') AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND c.relowner <> owner_oid
            AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('e', 'a', 'i'))
        LOOP
          EXECUTE format('ALTER %s %s OWNER TO %s',
            CASE r.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE' WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END,
            r.name, owner);
        END LOOP;
        FOR r IN SELECT p.oid::regprocedure AS name FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
          WHERE n.nspname IN ('public', 'graphile_worker') AND p.proowner <> owner_oid
            AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
        LOOP
          EXECUTE format('ALTER ROUTINE %s OWNER TO %s', r.name, owner);
        END LOOP;
        -- Free-standing composite, enum and domain types (a table's row type follows the table).
        FOR r IN SELECT t.oid::regtype AS name FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
          WHERE n.nspname IN ('public', 'graphile_worker') AND t.typowner <> owner_oid AND t.typtype IN ('c', 'e', 'd')
            AND (t.typrelid = 0 OR (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c')
            AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e')
        LOOP
          EXECUTE format('ALTER TYPE %s OWNER TO %s', r.name, owner);
        END LOOP;
      END
      $adopt$`.replace(/\$1/g, client.escapeLiteral(s.owner!.user)),
    );
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
    if (!state.owner || !state.app) {
      // Started by a version without the roles: add them now, as that start would have.
      state = withRoles(state);
      await writeFile(stateFile, JSON.stringify(state, null, 2), { mode: 0o600 });
      await ensureRolesAndDatabase(state, false);
    }
    return databaseHandle(state, clusterDir, false, async () => undefined);
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
    state = { port: await freePort(), user: 'quanlu', password: newPassword(), database: DATABASE, clusterDir };
  } else if (!(await portIsFree(state!.port))) {
    state = { ...state!, port: await freePort() };
  }
  const s: EmbeddedState = withRoles({ ...state!, clusterDir });
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
    await ensureRolesAndDatabase(s, fresh);
  } catch (e) {
    await stop();
    throw e;
  }
  return databaseHandle(s, clusterDir, true, stop);
}
