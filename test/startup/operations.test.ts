import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, readlink, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { loadConfig } from '../../src/platform/config/config.ts';
import { describeValue, redactUrl } from '../../src/platform/config/redact.ts';
import { freePort } from '../../src/platform/db/embedded-postgres.ts';
import { buildApp } from '../../src/platform/http/app.ts';
import { openObjectStore } from '../../src/platform/storage/open-object-store.ts';
import { repoRoot, runCli } from '../support/cli.ts';
import { createTestDatabase, makeUser } from '../support/harness.ts';
import { alive, commandOf, postmasterPid, processTree, Started, waitFor } from './processes.ts';
import { needs } from '../support/privileges.ts';

/** Start-up and operations (issue 6 items 20–25): what an operator sees and what a supervisor's signal does. */

const external = inject('pgMode') === 'external';
const neverCreated = () => path.join(tmpdir(), `quanlu-never-${process.pid}-${Math.random().toString(36).slice(2)}`);
const stackTrace = /^\s+at .+\(?.*:\d+:\d+\)?$/m;

describe('item 21: a taken port or a bad HOST stops start-up with one clear line, no stack trace', () => {
  let blocker: net.Server;
  let takenPort: number;
  beforeAll(async () => {
    blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    takenPort = (blocker.address() as net.AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => blocker.close(() => r())));

  // [what, env, words the one line must carry (English, Chinese)]
  const cases: [string, () => Record<string, string>, string[]][] = [
    ['port in use', () => ({ PORT: String(takenPort) }), ['already in use', '已被占用', 'PORT']],
    ['HOST not an address of this machine (TEST-NET 192.0.2.1)', () => ({ HOST: '192.0.2.1' }), ['192.0.2.1', 'not an address of this machine', '不是本机地址']],
    ['HOST that does not resolve', () => ({ HOST: 'no-such-host.invalid' }), ['no-such-host.invalid', 'cannot be resolved', '无法解析']],
  ];
  for (const [what, env, words] of cases) {
    test(what, async () => {
      const dataDir = neverCreated();
      const r = await runCli(['start'], { QUANLU_DATA_DIR: dataDir, ...env() });
      expect(r.code, r.stderr).toBe(2);
      const lines = r.stderr.split('\n').filter((l) => l.trim());
      expect(lines, r.stderr).toHaveLength(1);
      for (const w of words) expect(lines[0]).toContain(w);
      expect(r.stderr).not.toMatch(stackTrace);
      // Said before anything started: no data folder, no database.
      expect(existsSync(dataDir)).toBe(false);
    });
  }

  test('HOST that is not even a host name is a configuration error naming HOST', async () => {
    const r = await runCli(['start'], { QUANLU_DATA_DIR: neverCreated(), HOST: 'bad host!' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('HOST');
    expect(r.stderr).toContain('配置错误');
    expect(r.stderr).not.toMatch(stackTrace);
  });
});

describe('item 22: configuration errors never echo a secret', () => {
  // [variable, value, what the message may show of it] — written out, not computed by the code under test.
  const shown: [string, string, string][] = [
    ['DATABASE_URL', 'mysql://quanlu:TopSecret99@db.example:3306/quanlu', '"mysql://quanlu:***@db.example:3306/quanlu"'],
    ['DATABASE_URL', 'quanlu:TopSecret99@db.example/quanlu', '"quanlu:***@db.example/quanlu"'],
    ['DATABASE_URL', 'postgres://quanlu:Top@Secret99@db.example/quanlu', '"postgres://quanlu:***@db.example/quanlu"'],
    ['DATABASE_URL', 'postgres://quanlu@db.example/quanlu', '"postgres://quanlu@db.example/quanlu"'],
    ['DATABASE_URL', 'postgres://db.example/quanlu?user=q&password=TopSecret99&sslmode=require', '"postgres://db.example/quanlu?user=q&password=***&sslmode=require"'],
    ['QUANLU_ADMIN_PASSWORD', 'Short9!', 'value hidden / 值已隐藏'],
    ['QUANLU_S3_SECRET_ACCESS_KEY', 'wJalrXUtnFEMI', 'value hidden / 值已隐藏'],
    ['QUANLU_S3_ACCESS_KEY_ID', 'AKIAEXAMPLE', 'value hidden / 值已隐藏'],
    ['QUANLU_TOKEN', 'qlt_abcdef', 'value hidden / 值已隐藏'],
    ['PORT', 'eighty', '"eighty"'],
  ];
  for (const [name, value, expected] of shown) {
    test(`${name}=${value} is shown as ${expected}`, () => {
      expect(describeValue(name, value)).toBe(expected);
    });
  }

  test('the banner form of an external URL keeps host and user, not the password', () => {
    expect(redactUrl('postgres://quanlu:s3cr%40t@db.internal:5432/quanlu')).toBe('postgres://quanlu:***@db.internal:5432/quanlu');
  });

  // Through the real command: what reaches the terminal.
  const leaks: [Record<string, string>, string, string][] = [
    [{ DATABASE_URL: 'mysql://quanlu:TopSecret99@db.example/quanlu' }, 'DATABASE_URL', 'TopSecret99'],
    [{ QUANLU_ADMIN_PASSWORD: 'Short9!' }, 'QUANLU_ADMIN_PASSWORD', 'Short9!'],
  ];
  for (const [env, name, secret] of leaks) {
    test(`quanlu start with a bad ${name} names it and does not print the secret`, async () => {
      const r = await runCli(['start'], { QUANLU_DATA_DIR: neverCreated(), ...env });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(name);
      expect(r.stdout + r.stderr).not.toContain(secret);
    });
  }
});

describe('item 25: QUANLU_TRUST_PROXY decides whose address is recorded and whose x-request-id is taken', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let dataDir: string;
  let user: Awaited<ReturnType<typeof makeUser>>;
  beforeAll(async () => {
    database = await createTestDatabase();
    dataDir = await mkdtemp(path.join(tmpdir(), 'quanlu-proxy-'));
    user = await makeUser(database.db, { roles: ['auditor'] });
  });
  afterAll(async () => {
    await database.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  /** Logs in through an app built with the setting; returns the audited address, the logged address and the request id. */
  async function loginThrough(trust: string | undefined, peer: string, headers: Record<string, string>) {
    const logLines: Record<string, unknown>[] = [];
    const stream = new Writable({
      write(chunk, _enc, cb) {
        for (const l of String(chunk).split('\n').filter(Boolean)) logLines.push(JSON.parse(l) as Record<string, unknown>);
        cb();
      },
    });
    const config = loadConfig({ QUANLU_DATA_DIR: dataDir, QUANLU_WORKERS: 'false', ...(trust !== undefined && { QUANLU_TRUST_PROXY: trust }) });
    const app = await buildApp({ config, db: database.db, storage: openObjectStore(config) }, { logger: { level: 'info', stream }, serveWeb: false });
    try {
      const res = await app.inject({
        method: 'POST',
        url: '/api/auth/login',
        remoteAddress: peer,
        headers,
        payload: { username: user.username, password: user.password },
      });
      expect(res.statusCode, res.body).toBe(200);
      const requestId = String(res.headers['x-request-id']);
      const event = await database.db
        .selectFrom('audit_event')
        .select(['details'])
        .where('action', '=', 'auth.login')
        .where('actor_id', '=', user.id)
        .orderBy('seq', 'desc')
        .executeTakeFirstOrThrow();
      const logged = logLines.find((l) => l.reqId === requestId && (l.req as { remoteAddress?: string } | undefined)?.remoteAddress);
      return { audited: (event.details as { ip: string }).ip, logged: (logged?.req as { remoteAddress: string }).remoteAddress, requestId };
    } finally {
      await app.close();
    }
  }

  const forwarded = { 'x-forwarded-for': '203.0.113.7', 'x-request-id': 'proxy-req-000123' };
  // [QUANLU_TRUST_PROXY, socket peer, headers, recorded address, request id taken from the header?]
  const table: [string | undefined, string, Record<string, string>, string, boolean][] = [
    [undefined, '127.0.0.1', forwarded, '127.0.0.1', false],
    ['false', '10.1.2.3', forwarded, '10.1.2.3', false],
    ['127.0.0.1', '127.0.0.1', forwarded, '203.0.113.7', true],
    ['10.0.0.0/8,127.0.0.1', '10.9.8.7', forwarded, '203.0.113.7', true],
    ['10.0.0.0/8', '198.51.100.20', forwarded, '198.51.100.20', false], // the peer is not one of the proxies
    ['true', '198.51.100.20', forwarded, '203.0.113.7', true],
    ['1', '127.0.0.1', { 'x-forwarded-for': '192.0.2.66, 203.0.113.9', 'x-request-id': 'proxy-req-000124' }, '203.0.113.9', true],
    ['127.0.0.1', '127.0.0.1', { 'x-forwarded-for': '203.0.113.7', 'x-request-id': 'has spaces and ; stuff' }, '203.0.113.7', false],
    ['127.0.0.1', '127.0.0.1', { 'x-forwarded-for': '203.0.113.7', 'x-request-id': 'x'.repeat(65) }, '203.0.113.7', false],
  ];
  for (const [trust, peer, headers, address, takesId] of table) {
    test(`trust=${trust ?? '(unset)'} peer=${peer} XFF=${headers['x-forwarded-for']} id=${headers['x-request-id']!.slice(0, 24)} → ${address}, id ${takesId ? 'taken' : 'not taken'}`, async () => {
      const r = await loginThrough(trust, peer, headers);
      expect(r.audited).toBe(address);
      expect(r.logged).toBe(address);
      if (takesId) expect(r.requestId).toBe(headers['x-request-id']);
      else expect(r.requestId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    });
  }

  test('a bad QUANLU_TRUST_PROXY is a configuration error naming it', () => {
    for (const bad of ['maybe', '10.0.0.0/33', '300.1.1.1', '1.2.3.4/8/9']) {
      expect(() => loadConfig({ QUANLU_TRUST_PROXY: bad }), bad).toThrow(/QUANLU_TRUST_PROXY/);
    }
  });
});

describe(`items 23–24: npm start prints a banner and JSON logs, and kill -TERM of npm leaves nothing running (${external ? 'external' : 'embedded'} PostgreSQL)`, () => {
  let dataDir: string;
  let dropDb: (() => Promise<void>) | undefined;
  let env: Record<string, string>;
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'quanlu-npm-start-'));
    env = { QUANLU_DATA_DIR: dataDir, PORT: String(await freePort()), QUANLU_LOG_LEVEL: 'info' };
    if (external) {
      const db = await createTestDatabase();
      await db.db.destroy();
      dropDb = db.drop;
      env.DATABASE_URL = db.url;
    }
  });
  afterAll(async () => {
    await dropDb?.();
    await rm(dataDir, { recursive: true, force: true });
  });

  test('banner on stdout, every other stdout line a JSON log line; SIGTERM to the npm pid stops node and PostgreSQL', { timeout: 240_000 }, async () => {
    const server = Started.spawn('npm', ['start'], repoRoot, env);
    const url = `http://127.0.0.1:${env.PORT}`;
    try {
      await server.healthy(url);
      await waitFor('the banner', () => server.stdout.includes('Stop 停止'));
    } catch (e) {
      for (const pid of processTree(server.proc.pid!).reverse()) if (alive(pid)) process.kill(pid, 'SIGKILL');
      throw e;
    }

    // Item 24: the banner says where to go, where the data is, which database, and admin's first password.
    const out = server.stdout;
    expect(out).toContain(`URL 地址:            ${url}`);
    expect(out).toContain(`Data folder 数据目录: ${dataDir}`);
    // (External: the harness's serving role, its password masked; no warning, since it owns nothing.)
    if (external) expect(out).toMatch(/Database 数据库: +external PostgreSQL postgres:\/\/quanlu_t\d+_app:\*\*\*@127\.0\.0\.1:5432\/quanlu_t_/);
    else expect(out).toContain(`Database 数据库:     embedded PostgreSQL in ${path.join(dataDir, 'pg')} (127.0.0.1:`);
    expect(out).toMatch(/^ {4}password: \S{12,}$/m);
    expect(out).not.toContain('WARNING 警告');
    // …and the log stays machine-readable: each line is a JSON object, the banner (indented), or npm's own header.
    let jsonLines = 0;
    for (const line of out.split('\n').filter((l) => l.trim())) {
      if (line.startsWith('{')) {
        const entry = JSON.parse(line) as { level: number; time: number; msg: string };
        expect(entry).toMatchObject({ level: expect.any(Number), time: expect.any(Number), msg: expect.any(String) });
        jsonLines++;
      } else {
        expect(line, 'a stdout line that is neither JSON, banner nor npm header').toMatch(/^( {2}|> )/);
      }
    }
    expect(jsonLines).toBeGreaterThan(2);
    expect(out).toMatch(/"msg":"QuanLu is running"/);

    // Item 23: npm → node (npm start execs node) → postgres; the supervisor signals npm only.
    const tree = processTree(server.proc.pid!);
    const node = tree.find((pid) => commandOf(pid).includes('bin/quanlu.mjs start'));
    expect(node, tree.map(commandOf).join('\n')).toBeDefined();
    const postgres = external ? undefined : postmasterPid(path.join(dataDir, 'pg'));
    if (!external) expect(postgres && alive(postgres)).toBe(true);
    process.kill(server.proc.pid!, 'SIGTERM');
    await server.exited;
    try {
      await waitFor('node and postgres to be gone after SIGTERM of npm', () => tree.every((pid) => !alive(pid)) && (postgres === undefined || !alive(postgres)));
    } finally {
      // Whatever the outcome, leave nothing of this test running (by pid: node first, it stops postgres).
      for (const pid of tree) if (alive(pid)) process.kill(pid, 'SIGTERM');
    }
    expect(server.stdout).toMatch(/"signal":"SIGTERM","msg":"stopping"/);
  });
});

/**
 * Item 20. As root, with the checkout under a folder only root may enter (like /root): the very
 * checkout under test is bind-mounted there in a private mount namespace (`unshare -m`, gone when the
 * command ends), so its node_modules — and the PostgreSQL binaries in it — really sit under a 0700 folder.
 */
describe.runIf(!external && needs('root', 'item 20 (root, checkout under a mode-700 folder)'))('item 20: root, checkout under a mode-700 folder — npm start just works', () => {
  let closed: string;
  let checkout: string;
  const clustersToRemove: string[] = [];
  beforeAll(async () => {
    closed = await mkdtemp(path.join(tmpdir(), 'quanlu-root700-'));
    await chmod(closed, 0o700);
    checkout = path.join(closed, 'quanlu');
    await mkdir(checkout);
  });
  afterAll(async () => {
    for (const c of clustersToRemove) await rm(c, { recursive: true, force: true });
    await rm(closed, { recursive: true, force: true });
  });

  /** Runs a command in the checkout as seen under the closed folder. */
  const inCheckout = (command: string, env: Record<string, string>) =>
    Started.spawn('unshare', ['-m', '/bin/sh', '-c', `mount --bind "$1" "$2" && cd "$2" && exec ${command}`, 'sh', repoRoot, checkout], '/', env);

  const slow = { timeout: 240_000 };
  async function startStopAndVerify(dataDir: string, expectClusterOutside: boolean) {
    try {
      await startStopAndVerifyInner(dataDir, expectClusterOutside);
    } finally {
      // A cluster made outside the test's folders is removed even when the test failed half-way.
      const stateFile = path.join(dataDir, 'postgres.json');
      if (existsSync(stateFile)) {
        const { clusterDir } = JSON.parse(await readFile(stateFile, 'utf8')) as { clusterDir?: string };
        if (clusterDir && !clusterDir.startsWith(dataDir)) clustersToRemove.push(clusterDir);
      }
    }
  }

  async function startStopAndVerifyInner(dataDir: string, expectClusterOutside: boolean) {
    const env = { QUANLU_DATA_DIR: dataDir, PORT: String(await freePort()), QUANLU_LOG_LEVEL: 'warn' };
    const server = inCheckout('npm start', env);
    const url = `http://127.0.0.1:${env.PORT}`;
    try {
      await server.healthy(url);
      await waitFor('the banner', () => server.stdout.includes('Stop 停止'));
    } catch (e) {
      for (const pid of processTree(server.proc.pid!).reverse()) if (alive(pid)) process.kill(pid, 'SIGKILL');
      throw e;
    }
    const state = JSON.parse(await readFile(path.join(dataDir, 'postgres.json'), 'utf8')) as { clusterDir: string };
    if (expectClusterOutside) expect(state.clusterDir).toMatch(/^\/var\/lib\/quanlu-pg\/clusters\/[0-9a-f]{16}$/);
    else expect(state.clusterDir).toBe(path.join(dataDir, 'pg'));
    // The banner tells where the database is.
    expect(server.stdout).toContain(`embedded PostgreSQL in ${state.clusterDir}`);
    // PostgreSQL runs as the postgres user, from binaries it can reach (a copy outside the closed folder).
    const pm = postmasterPid(state.clusterDir)!;
    const exe = await readlink(`/proc/${pm}/exe`);
    expect(exe).toMatch(/^\/var\/lib\/quanlu-pg\/postgresql\/[^/]+\/bin\/postgres$/);
    const uid = Number(/^Uid:\s+(\d+)/m.exec(await readFile(`/proc/${pm}/status`, 'utf8'))![1]);
    expect(uid).not.toBe(0);

    // The CLI, run from the same checkout with the same environment, finds the running cluster.
    const cli = inCheckout('node bin/quanlu.mjs audit verify', env);
    expect(await cli.exited, cli.out).toBe(0);
    expect(cli.out).toMatch(/OK: audit chain intact/);
    expect(alive(pm)).toBe(true);

    process.kill(server.proc.pid!, 'SIGTERM');
    expect(await server.exited, server.out).toBe(0);
    await waitFor('postgres to stop', () => !alive(pm));
    expect(server.out).not.toMatch(stackTrace);
  }

  test('default-like data folder inside the closed folder: the cluster goes to /var/lib/quanlu-pg/clusters/<hash>', slow, async () => {
    await startStopAndVerify(path.join(closed, 'data'), true);
  });

  test('QUANLU_DATA_DIR outside the closed folder (the old advice): the cluster stays in it, binaries come from the copy', slow, async () => {
    const open = await mkdtemp(path.join(tmpdir(), 'quanlu-open-data-'));
    await chmod(open, 0o755);
    try {
      await startStopAndVerify(open, false);
    } finally {
      await rm(open, { recursive: true, force: true });
    }
  });
});
