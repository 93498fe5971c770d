import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { loadConfig } from '../../src/platform/config/config.ts';
import type { Database } from '../../src/platform/db/database.ts';
import { openEmbeddedPostgres } from '../../src/platform/db/embedded-postgres.ts';
import { openDatabase } from '../../src/platform/db/open-database.ts';
import { createTestApp, loginAs, makeDepartment, makePerson, makeRecording, makeUser, type TestContext } from '../support/harness.ts';
import { roleUrl } from '../support/role-url.ts';

/**
 * Issue 7 §5: the server's own credentials cannot switch off the write-once protections. Everything the
 * server does goes through the serving role (ctx.db: what createTestApp's app uses too), which owns
 * nothing and holds only its grants; migrations run as the owner role.
 */

const count = async (db: Database, table: string) => Number((await sql<{ n: string }>`SELECT count(*) AS n FROM ${sql.table(table)}`.execute(db)).rows[0]!.n);

/** What an attacker holding the serving role's credentials tries, and how PostgreSQL answers. */
const ATTACKS: [string, RegExp][] = [
  ['ALTER TABLE original DISABLE TRIGGER ALL', /must be owner of (table|relation) original/],
  ['ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_update', /must be owner of (table|relation) audit_event/],
  ['DROP TRIGGER original_write_once ON original', /must be owner of (table|relation) original/],
  ['TRUNCATE recording CASCADE', /permission denied for table recording/],
  ['TRUNCATE audit_event', /permission denied for table audit_event/],
  ['TRUNCATE original CASCADE', /permission denied for table original/],
  ['DROP TABLE original CASCADE', /must be owner of (table|relation) original/],
  ['DROP TABLE recording CASCADE', /must be owner of (table|relation) recording/],
  ['UPDATE original SET first_uploaded_by = NULL', /permission denied for table original/],
  ['DELETE FROM original', /permission denied for table original/],
  ['DELETE FROM audit_event', /permission denied for table audit_event/],
  ["UPDATE audit_event SET action = 'forged'", /permission denied for table audit_event/],
  ['DELETE FROM recording', /permission denied for table recording/],
  ['DELETE FROM recording_time_correction', /permission denied for table recording_time_correction/],
  ['DELETE FROM fixity_check', /permission denied for table fixity_check/],
  ['DELETE FROM offload_receipt', /permission denied for table offload_receipt/],
  ['DELETE FROM upload', /permission denied for table upload/],
  ['CREATE TABLE stash (a int)', /permission denied for schema public/],
  ['CREATE FUNCTION nop() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$', /permission denied for schema public/],
  ['CREATE SCHEMA stash', /permission denied for database/],
  // Replica mode would skip every ordinary trigger, the write-once ones included.
  ['SET session_replication_role = replica', /permission denied to set parameter "session_replication_role"/],
  ['ALTER TABLE original OWNER TO CURRENT_USER', /must be owner of (table|relation) original/],
  ['DROP SCHEMA graphile_worker CASCADE', /must be owner of schema graphile_worker/],
  ['TRUNCATE graphile_worker._private_jobs', /permission denied for table _private_jobs/],
  ['DELETE FROM schema_migration', /permission denied for table schema_migration/],
];

/** The serving role's privileges on the tables that keep evidence and history, literally. */
const PRIVILEGES: [table: string, select: boolean, insert: boolean, update: boolean, del: boolean][] = [
  ['audit_event', true, true, false, false],
  ['audit_head', true, false, true, false],
  ['original', true, true, false, false],
  ['recording', true, true, true, false],
  ['recording_time_correction', true, true, false, false],
  ['recording_officer', true, true, false, true],
  ['derived_object', true, true, false, false],
  ['upload', true, true, true, false],
  ['offload_receipt', true, true, false, false],
  ['fixity_check', true, true, false, false],
  ['schema_migration', true, false, false, false],
  ['user_session', true, true, true, true],
];

/** Every write-once or history table refuses TRUNCATE by a statement trigger, even to its owner. */
const NO_TRUNCATE = [
  'audit_event',
  'audit_head',
  'original',
  'recording',
  'recording_officer',
  'recording_time_correction',
  'derived_object',
  'upload',
  'offload_receipt',
  'fixity_check',
  'fixity_run',
];

describe('the serving role (what the server and the tests\' apps connect as)', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestApp();
    const dept = await makeDepartment(ctx.db);
    const person = await makePerson(ctx.db, { departmentId: dept.id });
    const user = await makeUser(ctx.db, { roles: ['officer'], departmentId: dept.id, personId: person.id });
    await makeRecording(ctx.db, { departmentId: dept.id, officerIds: [person.id], uploadedBy: user.id, recordedStart: '2026-01-02T03:00:00Z' });
    // An audit event through the API (a login writes one).
    await loginAs(ctx, ['admin']);
  });
  afterAll(() => ctx.close());

  test('is the role the app serves as, and owns nothing, is no superuser and cannot make roles or databases', async () => {
    const who = (await sql<{ role: string }>`SELECT current_user AS role`.execute(ctx.db)).rows[0]!.role;
    expect(who).toBe(inject('pgApp').user);
    const appRole = (await sql<{ role: string }>`SELECT current_user AS role`.execute(ctx.deps.db)).rows[0]!.role;
    expect(appRole).toBe(who);
    const r = (
      await sql<{ rolsuper: boolean; rolcreaterole: boolean; rolcreatedb: boolean; rolbypassrls: boolean; owned: number }>`
        SELECT rolsuper, rolcreaterole, rolcreatedb, rolbypassrls,
          (SELECT count(*)::int FROM pg_class WHERE relowner = r.oid) + (SELECT count(*)::int FROM pg_proc WHERE proowner = r.oid)
            + (SELECT count(*)::int FROM pg_namespace WHERE nspowner = r.oid) + (SELECT count(*)::int FROM pg_type WHERE typowner = r.oid) AS owned
        FROM pg_roles r WHERE rolname = current_user`.execute(ctx.db)
    ).rows[0]!;
    expect(r).toEqual({ rolsuper: false, rolcreaterole: false, rolcreatedb: false, rolbypassrls: false, owned: 0 });
  });

  test.each(ATTACKS)('%s is refused', async (statement, expected) => {
    await expect(sql.raw(statement).execute(ctx.db)).rejects.toThrow(expected);
  });

  test('after all the attempts every row is still there and the triggers are on', async () => {
    expect(await count(ctx.db, 'original')).toBe(1);
    expect(await count(ctx.db, 'recording')).toBe(1);
    expect(await count(ctx.db, 'audit_event')).toBeGreaterThanOrEqual(1);
    const off = await sql<{ tgname: string }>`
      SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgenabled = 'D'`.execute(ctx.db);
    expect(off.rows).toEqual([]);
  });

  test('holds exactly the privileges written here on the evidence and history tables, and TRUNCATE on none', async () => {
    const rows = (
      await sql<{ t: string; s: boolean; i: boolean; u: boolean; d: boolean }>`
        SELECT t, has_table_privilege(t, 'SELECT') AS s, has_table_privilege(t, 'INSERT') AS i,
               has_table_privilege(t, 'UPDATE') AS u, has_table_privilege(t, 'DELETE') AS d
        FROM unnest(${PRIVILEGES.map((p) => p[0])}::text[]) AS t`.execute(ctx.db)
    ).rows;
    expect(rows.map((r) => [r.t, r.s, r.i, r.u, r.d])).toEqual(PRIVILEGES);
    const truncatable = await sql<{ relname: string }>`
      SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname IN ('public', 'graphile_worker') AND c.relkind IN ('r', 'p')
        AND (has_table_privilege(c.oid, 'TRUNCATE') OR has_table_privilege(c.oid, 'TRIGGER') OR has_table_privilege(c.oid, 'REFERENCES'))`.execute(ctx.db);
    expect(truncatable.rows).toEqual([]);
  });

  test.each(NO_TRUNCATE)('TRUNCATE %s is refused even to the owner role (statement trigger)', async (table) => {
    await expect(sql.raw(`TRUNCATE ${table} CASCADE`).execute(ctx.ownerDb)).rejects.toThrow(/append-only/);
  });

  test('each of those tables has its own BEFORE TRUNCATE trigger (a CASCADE from a neighbour would hide a missing one)', async () => {
    const r = await sql<{ t: string }>`
      SELECT DISTINCT tgrelid::regclass::text AS t FROM pg_trigger
      WHERE NOT tgisinternal AND (tgtype & 32) <> 0 AND (tgtype & 2) <> 0 AND tgfoid = 'refuse_change'::regproc AND tgenabled <> 'D'
      ORDER BY 1`.execute(ctx.db);
    const guarded = new Set(r.rows.map((x) => x.t));
    expect(NO_TRUNCATE.filter((t) => !guarded.has(t))).toEqual([]);
  });
});

describe('start-up: who migrates and who serves (external database, run on the test server)', () => {
  const adminUrl = inject('pgAdminUrl');
  const owner = inject('pgOwner');
  const app = inject('pgApp');
  const made: string[] = [];
  const dirs: string[] = [];

  /** A new empty database owned by the owner role, as a DBA would make it (README). */
  async function emptyDatabase(): Promise<string> {
    const name = `${inject('pgPrefix')}lp${randomBytes(4).toString('hex')}`;
    const c = new pg.Client({ connectionString: adminUrl });
    await c.connect();
    await c.query(`CREATE DATABASE ${name} OWNER ${owner.user}`);
    await c.end();
    made.push(name);
    return name;
  }
  async function open(env: Record<string, string>) {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'quanlu-lp-'));
    dirs.push(dataDir);
    return openDatabase(loadConfig({ QUANLU_DATA_DIR: dataDir, QUANLU_LOG_LEVEL: 'silent', ...env }));
  }
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  test('DATABASE_OWNER_URL migrates and grants; DATABASE_URL serves with no warning and cannot disable a trigger', async () => {
    const name = await emptyDatabase();
    const opened = await open({ DATABASE_URL: roleUrl(adminUrl, app, name), DATABASE_OWNER_URL: roleUrl(adminUrl, owner, name) });
    try {
      expect(opened.applied).toContain('0008_roles.sql');
      expect(opened.privilegeWarning).toBeUndefined();
      expect((await sql<{ role: string }>`SELECT current_user AS role`.execute(opened.db)).rows[0]!.role).toBe(app.user);
      await expect(sql`ALTER TABLE original DISABLE TRIGGER ALL`.execute(opened.db)).rejects.toThrow(/must be owner/);
      // Normal work: a department through the serving role.
      await makeDepartment(opened.db);
    } finally {
      await opened.close();
    }
    // A second start with only the serving role: nothing pending, so it starts, still without a warning.
    const again = await open({ DATABASE_URL: roleUrl(adminUrl, app, name) });
    try {
      expect(again.applied).toEqual([]);
      expect(again.privilegeWarning).toBeUndefined();
    } finally {
      await again.close();
    }
  });

  test('only DATABASE_URL, naming the owner: it migrates and serves, and the start says it holds too much', async () => {
    const name = await emptyDatabase();
    const opened = await open({ DATABASE_URL: roleUrl(adminUrl, owner, name) });
    try {
      expect(opened.applied.length).toBeGreaterThan(0);
      expect(opened.privilegeWarning).toMatch(new RegExp(`"${owner.user}" owns \\d+ of its tables.*DATABASE_OWNER_URL`));
    } finally {
      await opened.close();
    }
  });

  test('only DATABASE_URL, naming a serving role, with migrations pending: refused, naming DATABASE_OWNER_URL', async () => {
    const name = await emptyDatabase();
    await expect(open({ DATABASE_URL: roleUrl(adminUrl, app, name) })).rejects.toThrow(/migration\(s\) pending .*DATABASE_OWNER_URL/);
  });

  test('DATABASE_OWNER_URL without DATABASE_URL is a configuration error', () => {
    expect(() => loadConfig({ DATABASE_OWNER_URL: 'postgres://o@h/d' })).toThrow(/DATABASE_OWNER_URL: needs DATABASE_URL/);
  });
});

describe('embedded: the data folder\'s cluster gets both roles by itself', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'quanlu-lp-embedded-'));
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));
  const config = () => loadConfig({ QUANLU_DATA_DIR: dataDir, QUANLU_LOG_LEVEL: 'silent' });
  interface State {
    user: string;
    password: string;
    port: number;
    owner?: { user: string; password: string };
    app?: { user: string; password: string };
  }
  const state = async () => JSON.parse(await readFile(path.join(dataDir, 'postgres.json'), 'utf8')) as State;

  test('a new cluster: served as quanlu_app, passwords recorded 0600, the serving role cannot disable a trigger', { timeout: 180_000 }, async () => {
    const opened = await openDatabase(config());
    try {
      expect((await sql<{ role: string }>`SELECT current_user AS role`.execute(opened.db)).rows[0]!.role).toBe('quanlu_app');
      expect(opened.privilegeWarning).toBeUndefined();
      await expect(sql`ALTER TABLE original DISABLE TRIGGER ALL`.execute(opened.db)).rejects.toThrow(/must be owner/);
      await expect(sql`TRUNCATE recording CASCADE`.execute(opened.db)).rejects.toThrow(/permission denied/);
      const s = await state();
      expect([s.owner?.user, s.app?.user]).toEqual(['quanlu_owner', 'quanlu_app']);
      expect(s.owner!.password).toMatch(/^[A-Za-z0-9_-]{32}$/);
      expect(s.app!.password).toMatch(/^[A-Za-z0-9_-]{32}$/);
      expect(new Set([s.password, s.owner!.password, s.app!.password]).size).toBe(3);
      expect((await stat(path.join(dataDir, 'postgres.json'))).mode & 0o777).toBe(0o600);
    } finally {
      await opened.close();
    }
  });

  test('a cluster made before the roles (tables owned by the superuser) is adopted by the owner at the next start', { timeout: 180_000 }, async () => {
    // Turn the cluster into what an older version left: everything the superuser's, no owner or serving role.
    const s = await state();
    const cluster = await openEmbeddedPostgres(dataDir);
    try {
      const c = new pg.Client({ connectionString: roleUrl(cluster.superuserUrl, s, 'quanlu') });
      await c.connect();
      await c.query(`REASSIGN OWNED BY quanlu_owner TO ${s.user}`);
      await c.query('DROP OWNED BY quanlu_app');
      await c.query('DROP OWNED BY quanlu_owner');
      await c.end();
      const d = new pg.Client({ connectionString: cluster.superuserUrl });
      await d.connect();
      await d.query('DROP ROLE quanlu_app');
      await d.query('DROP ROLE quanlu_owner');
      await d.end();
    } finally {
      await cluster.stop();
    }
    const { owner: _o, app: _a, ...older } = s;
    await writeFile(path.join(dataDir, 'postgres.json'), JSON.stringify(older), { mode: 0o600 });

    const opened = await openDatabase(config());
    try {
      expect((await sql<{ role: string }>`SELECT current_user AS role`.execute(opened.db)).rows[0]!.role).toBe('quanlu_app');
      expect(opened.privilegeWarning).toBeUndefined();
      const stillSuper = await sql<{ n: number }>`
        SELECT count(*)::int AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname IN ('public', 'graphile_worker') AND c.relkind IN ('r', 'v', 'S') AND pg_get_userbyid(c.relowner) <> 'quanlu_owner'`.execute(opened.db);
      expect(stillSuper.rows[0]!.n).toBe(0);
      await makeDepartment(opened.db);
      await expect(sql`ALTER TABLE original DISABLE TRIGGER ALL`.execute(opened.db)).rejects.toThrow(/must be owner/);
    } finally {
      await opened.close();
    }
  });
});
