import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { freePort } from '../../src/platform/db/embedded-postgres.ts';
import { repoRoot, runCli } from '../support/cli.ts';
import { createTestDatabase } from '../support/harness.ts';

/** `npm start` as a newcomer runs it: bin/quanlu.mjs start, configured only by the environment. */
class Server {
  proc!: ChildProcess;
  out = '';
  constructor(readonly env: Record<string, string>) {}
  get url() {
    return `http://127.0.0.1:${this.env.PORT}`;
  }
  async start(timeoutMs = 90_000): Promise<number> {
    const t0 = Date.now();
    this.out = '';
    this.proc = spawn(process.execPath, [path.join(repoRoot, 'bin/quanlu.mjs'), 'start'], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', QUANLU_LOG_LEVEL: 'warn', ...this.env },
    });
    this.proc.stdout!.on('data', (d) => (this.out += d));
    this.proc.stderr!.on('data', (d) => (this.out += d));
    while (Date.now() - t0 < timeoutMs) {
      if (this.proc.exitCode !== null) throw new Error(`server exited ${this.proc.exitCode}: ${this.out}`);
      const ok = await fetch(`${this.url}/api/health`).then((r) => r.status === 200, () => false);
      // Healthy, and the banner (URL, data folder, first password) has been printed.
      if (ok && this.out.includes('Stop 停止')) return (Date.now() - t0) / 1000;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`not healthy after ${timeoutMs} ms: ${this.out}`);
  }
  async stop(): Promise<number | null> {
    if (this.proc.exitCode !== null) return this.proc.exitCode;
    const exited = new Promise<number | null>((r) => this.proc.once('exit', (code) => r(code)));
    this.proc.kill('SIGTERM');
    return exited;
  }
}

async function loginAndCreateDepartment(base: string, password: string, name: string) {
  const res = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password }) });
  expect(res.status).toBe(200);
  const cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const { csrfToken } = (await res.json()) as { csrfToken: string };
  const headers = { cookie, 'x-csrf-token': csrfToken, 'content-type': 'application/json' };
  if (name) {
    const d = await fetch(`${base}/api/departments`, { method: 'POST', headers, body: JSON.stringify({ name, kind: 'detachment' }) });
    expect(d.status).toBe(201);
  }
  return (await (await fetch(`${base}/api/departments`, { headers })).json()) as { items: { name: string }[] };
}

const postmasterRunning = async (dataDir: string) => {
  const f = path.join(dataDir, 'pg', 'postmaster.pid');
  if (!existsSync(f)) return false;
  const pid = Number((await readFile(f, 'utf8')).split('\n')[0]);
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const external = inject('pgMode') === 'external';

describe(`start-up from an empty data folder, then again on it (${external ? 'external PostgreSQL' : 'embedded PostgreSQL'})`, () => {
  let dataDir: string;
  let dropDb: (() => Promise<void>) | undefined;
  let env: Record<string, string>;
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'quanlu-start-'));
    env = { QUANLU_DATA_DIR: dataDir, PORT: String(await freePort()) };
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

  // Two cold starts and two CLI runs: a generous bound for a loaded CI machine (not a timing assertion).
  test('first start creates and migrates the database and prints a generated admin password once; the second keeps the data', { timeout: 300_000 }, async () => {
    const first = new Server(env);
    const firstSeconds = await first.start();
    const password = /password: (\S+)/.exec(first.out)?.[1];
    expect(password, first.out).toBeTruthy();
    const listed = await loginAndCreateDepartment(first.url, password!, '第一次启动创建的支队');
    expect(listed.items.map((d) => d.name)).toContain('第一次启动创建的支队');
    expect(await first.stop()).toBe(0);
    if (!external) expect(await postmasterRunning(dataDir)).toBe(false);

    const second = new Server(env);
    const secondSeconds = await second.start();
    expect(second.out).not.toContain('password:');
    const again = await loginAndCreateDepartment(second.url, password!, '');
    expect(again.items.map((d) => d.name)).toEqual(['第一次启动创建的支队']);

    if (!external) {
      // The CLI with the same environment joins the running embedded database…
      const joined = await runCli(['audit', 'verify'], env);
      expect(joined.code, joined.stdout + joined.stderr).toBe(0);
      expect(await postmasterRunning(dataDir)).toBe(true);
    }
    expect(await second.stop()).toBe(0);
    if (!external) {
      // …and starts (then stops) it itself when the server is down.
      const alone = await runCli(['audit', 'verify'], env);
      expect(alone.code, alone.stdout + alone.stderr).toBe(0);
      expect(alone.stdout).toMatch(/OK: audit chain intact, \d+ events/);
      expect(await postmasterRunning(dataDir)).toBe(false);
    }
    console.log(`cold start to healthy: first ${firstSeconds.toFixed(2)} s, second ${secondSeconds.toFixed(2)} s`);
  });
});

describe('bad configuration stops start-up with a message naming the variable', () => {
  const cases: [Record<string, string>, string][] = [
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ QUANLU_ADMIN_PASSWORD: 'short' }, 'QUANLU_ADMIN_PASSWORD'],
    [{ QUANLU_WORKERS: 'maybe' }, 'QUANLU_WORKERS'],
  ];
  for (const [env, name] of cases) {
    test(`${name}=${Object.values(env)[0]}`, async () => {
      const r = await runCli(['start'], { QUANLU_DATA_DIR: path.join(tmpdir(), 'quanlu-never-created'), ...env });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(name);
      expect(r.stderr).toContain('配置错误');
      expect(existsSync(path.join(tmpdir(), 'quanlu-never-created'))).toBe(false);
    });
  }
});
