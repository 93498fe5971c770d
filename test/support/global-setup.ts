import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import pg from 'pg';
import { createDatabase } from '../../src/platform/db/database.ts';
import { openEmbeddedPostgres } from '../../src/platform/db/embedded-postgres.ts';
import { migrate } from '../../src/platform/db/migrate.ts';
import { buildWeb, webBuildIsStale } from '../../src/cli/web-build.ts';
import { roleUrl } from './role-url.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of a maintenance database on the test server (to CREATE DATABASE from). */
    pgAdminUrl: string;
    /** Name of the migrated template database each test file copies. */
    pgTemplate: string;
    /** 'embedded' or 'external' (DATABASE_URL). */
    pgMode: string;
    /** Prefix of the databases test files create (dropped at teardown). */
    pgPrefix: string;
    /** The owner role of the test databases (migrations, DDL a test needs) and its password. */
    pgOwner: { user: string; password: string };
    /** The serving role (owns nothing, only its grants): what the apps under test connect as. */
    pgApp: { user: string; password: string };
  }
}

/**
 * Tests run against a real PostgreSQL: the machine's (DATABASE_URL) when set, else an embedded one
 * started here. A migrated template database is made once; each test file copies it. As in production,
 * an owner role migrates and a serving role that owns nothing is what the apps under test use (made
 * here per run, since the machine's server is shared; dropped at teardown).
 */
export default async function setup(project: TestProject) {
  // Build the web UI once, before any test file (start-up and browser tests serve it).
  if (!process.env.QUANLU_TEST_SKIP_WEB_BUILD && webBuildIsStale()) await buildWeb();
  const external = process.env.DATABASE_URL;
  let stopEmbedded: (() => Promise<void>) | undefined;
  let dataDir: string | undefined;
  let adminUrl: string;
  if (external) {
    adminUrl = external;
  } else {
    dataDir = await mkdtemp(path.join(tmpdir(), 'quanlu-test-pg-'));
    const e = await openEmbeddedPostgres(dataDir);
    stopEmbedded = e.stop;
    adminUrl = e.superuserUrl;
  }
  const template = `quanlu_tpl_${process.pid}`;
  const owner = { user: `quanlu_t${process.pid}_owner`, password: randomBytes(16).toString('hex') };
  const app = { user: `quanlu_t${process.pid}_app`, password: randomBytes(16).toString('hex') };
  try {
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    try {
      await removeLeftovers(admin, (pid) => pid !== process.pid && !pidAlive(pid));
      for (const r of [owner, app]) {
        await admin.query(`CREATE ROLE ${r.user} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '${r.password}'`);
      }
      await admin.query(`CREATE DATABASE ${template} OWNER ${owner.user}`);
    } finally {
      await admin.end();
    }
    const db = createDatabase(roleUrl(adminUrl, owner, template), 2);
    try {
      await migrate(db, { appRole: app.user });
    } finally {
      await db.destroy();
    }
  } catch (e) {
    // A failed set-up leaves nothing behind on a shared server.
    await dropRun(adminUrl).catch(() => undefined);
    await stopEmbedded?.();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
    throw e;
  }

  project.provide('pgAdminUrl', adminUrl);
  project.provide('pgTemplate', template);
  project.provide('pgMode', external ? 'external' : 'embedded');
  project.provide('pgPrefix', `quanlu_t_${process.pid}_`);
  project.provide('pgOwner', owner);
  project.provide('pgApp', app);

  return async () => {
    await dropRun(adminUrl);
    await stopEmbedded?.();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  };
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
 * Drops the databases and roles of the test runs whose process id `which` picks: this run's at teardown,
 * and at set-up those of runs on this machine that were killed before their teardown.
 */
async function removeLeftovers(c: pg.Client, which: (pid: number) => boolean): Promise<void> {
  const dbs = await c.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname ~ '^quanlu_(tpl|t)_[0-9]+'`);
  for (const { datname } of dbs.rows) {
    if (which(Number(/^quanlu_(?:tpl|t)_(\d+)/.exec(datname)![1]))) await c.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
  }
  // The run's own roles, and any a test made under the run's prefix (least-privilege tests).
  const roles = await c.query<{ rolname: string }>(`SELECT rolname FROM pg_roles WHERE rolname ~ '^quanlu_t[0-9]+_'`);
  for (const { rolname } of roles.rows) {
    if (which(Number(/^quanlu_t(\d+)_/.exec(rolname)![1]))) await c.query(`DROP ROLE IF EXISTS "${rolname}"`);
  }
}

/** Drops what this run created on the (possibly shared) server. */
async function dropRun(adminUrl: string): Promise<void> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    await removeLeftovers(c, (pid) => pid === process.pid);
  } finally {
    await c.end();
  }
}
