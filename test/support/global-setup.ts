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
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${template}`);
  for (const r of [owner, app]) {
    await admin.query(`DROP ROLE IF EXISTS ${r.user}`);
    await admin.query(`CREATE ROLE ${r.user} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT PASSWORD '${r.password}'`);
  }
  await admin.query(`CREATE DATABASE ${template} OWNER ${owner.user}`);
  const db = createDatabase(roleUrl(adminUrl, owner, template), 2);
  await migrate(db, { appRole: app.user });
  await db.destroy();
  await admin.end();

  project.provide('pgAdminUrl', adminUrl);
  project.provide('pgTemplate', template);
  project.provide('pgMode', external ? 'external' : 'embedded');
  project.provide('pgPrefix', `quanlu_t_${process.pid}_`);
  project.provide('pgOwner', owner);
  project.provide('pgApp', app);

  return async () => {
    const c = new pg.Client({ connectionString: adminUrl });
    await c.connect();
    // Drop what the test files created on a shared server.
    const { rows } = await c.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname LIKE $1 OR datname = $2`,
      [`quanlu_t_${process.pid}_%`, template],
    );
    for (const r of rows) await c.query(`DROP DATABASE IF EXISTS "${r.datname}" WITH (FORCE)`);
    // Tests may have made roles of their own under the run's prefix (least-privilege tests).
    const roles = await c.query<{ rolname: string }>(`SELECT rolname FROM pg_roles WHERE rolname LIKE $1`, [`quanlu\\_t${process.pid}\\_%`]);
    for (const r of roles.rows) await c.query(`DROP ROLE IF EXISTS "${r.rolname}"`);
    await c.end();
    await stopEmbedded?.();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  };
}
