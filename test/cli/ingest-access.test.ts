import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Receipt } from '../../src/cli/ingest/receipt.ts';
import { createTestApp, login, makeDepartment, makePerson, makeUser, type TestContext } from '../support/harness.ts';
import { makeClip } from '../support/media-fixtures.ts';
import { apiTokenFor, runIngestCli, runInTerminal } from './ingest-fixtures.ts';

let ctx: TestContext;
let base: string;
let user: { username: string; password: string };
let work: string;
let card: string;
let personId: string;

beforeAll(async () => {
  ctx = await createTestApp();
  base = await ctx.app.listen({ port: 0, host: '127.0.0.1' });
  const dept = await makeDepartment(ctx.db);
  const person = await makePerson(ctx.db, { departmentId: dept.id });
  personId = person.id;
  user = await makeUser(ctx.db, { roles: ['officer'], departmentId: dept.id, personId });
  work = await mkdtemp(path.join(tmpdir(), 'quanlu-ingest-login-'));
  card = path.join(work, 'card');
  await mkdir(card);
  // A generic camera name carries no officer number: --officer names the person.
  await makeClip(path.join(card, 'VID_20261127_083000.mp4'), { seconds: 1 });
});
afterAll(async () => {
  await ctx.close();
  await rm(work, { recursive: true, force: true });
});

const state = () => ({ QUANLU_STATE_DIR: path.join(work, 'state') });

test('a revoked QUANLU_TOKEN exits 2 with a clear message, before reading the card', async () => {
  const s = await login(ctx.app, user.username, user.password);
  const t = (await s.request('POST', '/api/api-tokens', { name: '采集站', expiresInDays: 1 })).json() as { id: string; token: string };
  expect((await s.request('POST', `/api/api-tokens/${t.id}/revoke`)).statusCode).toBe(204);
  const r = await runIngestCli([card, '--server', base, '--device', 'CAM1', '--receipt-dir', work], { ...state(), QUANLU_TOKEN: t.token });
  expect(r.code).toBe(2);
  expect(r.stderr).toContain('QUANLU_TOKEN');
  expect(r.stderr).toContain('TOKEN_INVALID');
  expect((await readdir(work)).filter((n) => n.startsWith('ingest-'))).toEqual([]);
});

test('a file the server refuses (officer without a valid certificate, 第七条) fails with the server’s reason and is not cleared', async () => {
  const unqualified = await makePerson(ctx.db, { departmentId: (await ctx.db.selectFrom('person').select('department_id').where('id', '=', personId).executeTakeFirstOrThrow()).department_id, certificate: null });
  await ctx.db.updateTable('person').set({ staff_number: '000999' }).where('id', '=', unqualified.id).execute();
  const other = path.join(work, 'card-unqualified');
  await mkdir(other);
  const file = path.join(other, 'DSJ1234567_000999_20261127090000_0001.mp4');
  await makeClip(file, { seconds: 1, size: '200x150' });
  const receipts = path.join(work, 'receipts-unqualified');
  const r = await runIngestCli([other, '--server', base, '--device', 'DSJ1234567', '--receipt-dir', receipts, '--clear'], { ...state(), QUANLU_TOKEN: await apiTokenFor(ctx.app, user.username, user.password) });
  expect(r.code, r.stderr).toBe(1);
  const receipt = JSON.parse(await readFile(path.join(receipts, (await readdir(receipts)).find((n) => n.endsWith('.json'))!), 'utf8')) as Receipt;
  expect(receipt.files).toEqual([expect.objectContaining({ state: 'failed', reason: expect.stringContaining('OFFICER_NOT_QUALIFIED'), verified: false, cleared: false })]);
  expect(existsSync(file)).toBe(true);
});

test('an unreachable server exits 1 and names the server', async () => {
  const r = await runIngestCli([card, '--server', 'http://127.0.0.1:9', '--device', 'CAM1', '--receipt-dir', work], { ...state(), QUANLU_TOKEN: 'x' });
  expect(r.code).toBe(1);
  expect(r.stderr).toContain('无法连接服务器');
});

/** The interactive path needs a pseudo-terminal, made with util-linux `script`. */
const noScript = spawnSync('script', ['--version']).error !== undefined;

test.skipIf(noScript)('on a terminal without a token it asks for username and password (not echoed), uploads with the session, and writes the receipt in the current folder', async () => {
  const cwd = path.join(work, 'station');
  await mkdir(cwd);
  const r = await runInTerminal(
    ['ingest', card, '--server', base, '--device', 'CAM1', '--officer', personId, '--activity', 'patrol'],
    state(),
    [
      ['Username:', user.username],
      ['Password:', user.password],
    ],
    { cwd },
  );
  expect(r.code, r.screen).toBe(0);
  expect(r.screen).not.toContain(user.password);
  const name = (await readdir(cwd)).find((n) => n.endsWith('.json'))!;
  const receipt = JSON.parse(await readFile(path.join(cwd, name), 'utf8')) as Receipt;
  expect(receipt.operator).toMatchObject({ username: user.username, via: 'session' });
  expect(receipt.files).toEqual([expect.objectContaining({ relPath: 'VID_20261127_083000.mp4', state: 'uploaded', verified: true })]);
  // No officer number or device in a generic name: --officer and --device fill them in.
  const rec = await ctx.db.selectFrom('recording').selectAll().executeTakeFirstOrThrow();
  expect(rec).toMatchObject({ device_number: 'CAM1', activity: 'patrol' });
  expect(rec.recorded_start.toISOString()).toBe('2026-11-27T00:30:00.000Z');
});

test.skipIf(noScript)('a wrong password on the terminal exits 2', async () => {
  const r = await runInTerminal(['ingest', card, '--server', base, '--device', 'CAM1', '--receipt-dir', work], state(), [
    ['Username:', user.username],
    ['Password:', 'wrong-password'],
  ]);
  expect(r.code, r.screen).toBe(2);
  expect(r.screen).toContain('LOGIN_FAILED');
});
