import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import pg from 'pg';
import { inject } from 'vitest';
import { loadConfig, type Config } from '../../src/platform/config/config.ts';
import { createDatabase, poolOf, type Database } from '../../src/platform/db/database.ts';
import { AUDIT_SEQUENCER_LOCK, sequenceAuditEvents } from '../../src/platform/audit/audit-chain.ts';
import type { Deps } from '../../src/platform/deps.ts';
import { buildApp } from '../../src/platform/http/app.ts';
import { openObjectStore } from '../../src/platform/storage/open-object-store.ts';
import { hashPassword } from '../../src/platform/auth/secrets.ts';
import { roleUrl } from './role-url.ts';
import type { Role } from '../../src/platform/auth/permissions.ts';

export interface TestDatabase {
  /** URL as the serving role (owns nothing; what the server uses in production). */
  url: string;
  /** Handle as the serving role: the app under test and fixtures use it. */
  db: Database;
  /** URL as the owner role. */
  ownerUrl: string;
  /**
   * Handle as the owner role, for what the serving role may not do: DDL a test needs, and tampering
   * with the owner's rights (an attacker holding the owner's credentials, or the write-once triggers
   * shown to hold even against the owner). Connects only when used.
   */
  ownerDb: Database;
  drop(): Promise<void>;
}

/**
 * Tests read audit_event right after something wrote to it — a request, a job, another process: they are
 * readers that need seq. In a node the sequencer loop chains written events a moment after they commit (and
 * the product's own readers chain first); here the serving role's handle of a test database chains what was
 * committed before each statement that reads audit_event outside a transaction, as sequenceAuditEvents does
 * (same advisory lock, same database function). Production writers never wait for the sequencer.
 */
function chainBeforeAuditReads(db: Database) {
  poolOf(db).on('connect', (client) => {
    const query = client.query.bind(client) as (...args: unknown[]) => Promise<unknown>;
    let inTransaction = false;
    (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: unknown } | undefined)?.text;
      if (typeof text !== 'string' || typeof args.at(-1) === 'function') return query(...args);
      if (/^\s*(begin|start transaction)\b/i.test(text)) inTransaction = true;
      else if (/^\s*(commit|rollback)\b/i.test(text)) inTransaction = false;
      else if (!inTransaction && /\baudit_event\b/i.test(text) && /^\s*(select|with)\b/i.test(text)) {
        return (async () => {
          for (;;) {
            await query('BEGIN');
            try {
              await query('SELECT pg_advisory_xact_lock($1)', [AUDIT_SEQUENCER_LOCK]);
              const r = (await query('SELECT audit_sequence(10000) AS n')) as { rows: { n: number }[] };
              await query('COMMIT');
              if (r.rows[0]!.n < 10000) break;
            } catch (e) {
              await query('ROLLBACK').catch(() => undefined);
              throw e;
            }
          }
          return query(...args);
        })();
      }
      return query(...args);
    };
  });
}

/** A fresh database copied from the migrated template: tests never share state. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `${inject('pgPrefix')}${randomBytes(5).toString('hex')}`;
  const adminUrl = inject('pgAdminUrl');
  const owner = inject('pgOwner');
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name} TEMPLATE ${inject('pgTemplate')} OWNER ${owner.user}`);
  await admin.end();
  const url = roleUrl(adminUrl, inject('pgApp'), name);
  const ownerUrl = roleUrl(adminUrl, owner, name);
  const db = createDatabase(url, 5);
  chainBeforeAuditReads(db);
  const ownerDb = createDatabase(ownerUrl, 2);
  return {
    url,
    db,
    ownerUrl,
    ownerDb,
    drop: async () => {
      await db.destroy();
      await ownerDb.destroy();
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

export function testConfig(dataDir: string, env: Record<string, string> = {}): Config {
  return loadConfig({ QUANLU_DATA_DIR: dataDir, QUANLU_LOG_LEVEL: 'silent', QUANLU_WORKERS: 'false', ...env });
}

export interface TestContext {
  app: FastifyInstance;
  deps: Deps;
  /** The serving role's handle (see TestDatabase). */
  db: Database;
  dbUrl: string;
  /** The owner role's handle (see TestDatabase.ownerDb). */
  ownerDb: Database;
  dataDir: string;
  close(): Promise<void>;
}

/** A fresh app on a fresh database and data folder. */
/** A database a test made itself may come without the owner's handle; using ctx.ownerDb then says so. */
const noOwnerHandle = new Proxy({} as Database, {
  get() {
    throw new Error('this test database was given without an owner handle (ownerDb)');
  },
});

export async function createTestApp(
  env: Record<string, string> = {},
  o: { database?: Omit<TestDatabase, 'ownerUrl' | 'ownerDb'> & Partial<Pick<TestDatabase, 'ownerDb'>>; dataDir?: string } = {},
): Promise<TestContext> {
  const database = o.database ?? (await createTestDatabase());
  const dataDir = o.dataDir ?? (await mkdtemp(path.join(tmpdir(), 'quanlu-test-data-')));
  const config = testConfig(dataDir, env);
  const deps = { config, db: database.db, storage: openObjectStore(config) };
  const app = await buildApp(deps, { logger: false, serveWeb: false });
  // Tests read the audit log right after the request that wrote to it: they are readers that need seq. In a
  // running node the sequencer loop chains written events a moment later; here each response waits until the
  // events committed before it are chained (production writers never wait for it).
  app.addHook('onSend', async () => {
    await sequenceAuditEvents(deps.db);
  });
  await app.ready();
  return {
    app,
    deps,
    db: database.db,
    dbUrl: database.url,
    ownerDb: database.ownerDb ?? noOwnerHandle,
    dataDir,
    close: async () => {
      await app.close();
      if (!o.database) await database.drop();
      if (!o.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

let counter = 0;
const unique = (p: string) => `${p}${process.pid}${++counter}${randomBytes(2).toString('hex')}`;

/** Inserts a department (factory; no audit event — fixtures are not user actions). */
export async function makeDepartment(db: Database, o: { name?: string; parentId?: string | null; kind?: 'bureau' | 'office' | 'detachment' | 'other' } = {}) {
  return db
    .insertInto('department')
    .values({ name: o.name ?? unique('部门'), kind: o.kind ?? 'detachment', parent_id: o.parentId ?? null })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Inserts a person, creating a department when none is given. Qualified by default. */
export async function makePerson(
  db: Database,
  o: { departmentId?: string; enrolled?: boolean; certificate?: { number: string; validUntil: string; examPassedOn?: string } | null; name?: string } = {},
) {
  const departmentId = o.departmentId ?? (await makeDepartment(db)).id;
  const cert = o.certificate === undefined ? { number: unique('冀商执'), validUntil: '2099-12-31', examPassedOn: '2020-01-01' } : o.certificate;
  return db
    .insertInto('person')
    .values({
      name: o.name ?? unique('执法员'),
      staff_number: unique('S'),
      department_id: departmentId,
      enrolled: o.enrolled ?? true,
      certificate_number: cert?.number ?? null,
      certificate_valid_until: cert?.validUntil ?? null,
      certificate_exam_passed_on: cert?.examPassedOn ?? null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

const passwordHashes = new Map<string, Promise<string>>();

/** Inserts a user with the given roles; the password is `Password123`. */
export async function makeUser(db: Database, o: { roles: Role[]; departmentId?: string | null; personId?: string | null; username?: string }) {
  const password = 'Password123';
  if (!passwordHashes.has(password)) passwordHashes.set(password, hashPassword(password));
  const user = await db
    .insertInto('app_user')
    .values({
      username: o.username ?? unique('u'),
      display_name: '测试用户',
      password_hash: await passwordHashes.get(password)!,
      roles: o.roles,
      department_id: o.departmentId ?? null,
      person_id: o.personId ?? null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return { ...user, password };
}

/** A logged-in client for `app.inject`: carries the session cookie and the CSRF header. */
export interface Session {
  cookie: string;
  csrf: string;
  userId: string;
  request(method: string, url: string, body?: unknown, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
}

export async function login(app: FastifyInstance, username: string, password: string): Promise<Session> {
  const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password } });
  if (res.statusCode !== 200) throw new Error(`login failed: ${res.statusCode} ${res.body}`);
  const cookie = res.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
  const body = res.json() as { csrfToken: string; user: { id: string } };
  return {
    cookie,
    csrf: body.csrfToken,
    userId: body.user.id,
    request: (method, url, payload, headers = {}) =>
      app.inject({
        method: method as 'GET',
        url,
        headers: { cookie, 'x-csrf-token': body.csrfToken, ...headers },
        ...(payload !== undefined && { payload: payload as object }),
      }),
  };
}

/** Creates a user with the roles and logs in. */
export async function loginAs(ctx: TestContext, roles: Role[], o: { departmentId?: string | null; personId?: string | null } = {}) {
  const u = await makeUser(ctx.db, { roles, ...o });
  return { user: u, session: await login(ctx.app, u.username, u.password) };
}

/** A personal API token for a user, made through the API as the user would. */
export async function createApiTokenForTest(ctx: TestContext, user: { username: string; password: string }): Promise<string> {
  const s = await login(ctx.app, user.username, user.password);
  const res = await s.request('POST', '/api/api-tokens', { name: 'test', expiresInDays: 1 });
  return (res.json() as { token: string }).token;
}

/** Inserts an original + recording directly (fixtures for search and offload tests; no bytes stored). */
export async function makeRecording(
  db: Database,
  o: {
    departmentId: string;
    officerIds: string[];
    uploadedBy: string;
    recordedStart: string;
    uploadedAt?: string;
    deviceNumber?: string;
    activity?: string;
    party?: string;
    caseName?: string;
    notes?: string;
    mediaState?: string;
  },
) {
  const sha = randomBytes(32).toString('hex');
  await db.insertInto('original').values({ sha256: sha, sm3: randomBytes(32).toString('hex'), size_bytes: 1000 }).execute();
  const r = await db
    .insertInto('recording')
    .values({
      original_sha256: sha,
      file_name: `${sha.slice(0, 8)}.mp4`,
      department_id: o.departmentId,
      device_number: o.deviceNumber ?? null,
      recorded_start: o.recordedStart,
      uploaded_at: o.uploadedAt ?? new Date().toISOString(),
      uploaded_by: o.uploadedBy,
      activity: o.activity ?? 'patrol',
      party: o.party ?? null,
      case_name: o.caseName ?? null,
      notes: o.notes ?? null,
      party_informed: 'yes',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  for (const p of o.officerIds) await db.insertInto('recording_officer').values({ recording_id: r.id, person_id: p }).execute();
  await db.insertInto('media_info').values({ original_sha256: sha, state: o.mediaState ?? 'pending' }).execute();
  return r.id;
}

/**
 * Uploads over real HTTP: the app listening on a free port, a qualified officer in a new department with
 * an API token, and recording metadata naming them (JSON, as tus `metadata` carries it).
 */
export async function listenAsUploader(ctx: TestContext) {
  const base = await ctx.app.listen({ port: 0, host: '127.0.0.1' });
  const dept = await makeDepartment(ctx.db);
  const person = await makePerson(ctx.db, { departmentId: dept.id });
  const user = await makeUser(ctx.db, { roles: ['officer'], departmentId: dept.id, personId: person.id });
  const headers = { authorization: `Bearer ${await createApiTokenForTest(ctx, user)}` };
  const meta = JSON.stringify({ departmentId: dept.id, officerIds: [person.id], recordedStart: '2026-11-27T00:00:00Z', activity: 'patrol', partyInformed: 'not_applicable' });
  return { base, headers, meta };
}
