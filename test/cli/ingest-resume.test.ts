import { readdir, readFile, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Receipt } from '../../src/cli/ingest/receipt.ts';
import { createTestApp, makeDepartment, makePerson, makeUser, type TestContext } from '../support/harness.ts';
import { apiTokenFor, digestOf, makeRandomFile, SlowLink, spawnCli } from './ingest-fixtures.ts';

const SIZE = 40 * 1024 * 1024;
const NAME = 'DSJ7654321_000888_20261127110000_0001.mp4';
let ctx: TestContext;
let link: SlowLink;
let viaLink: string;
let token: string;
let work: string;
let card: string;

beforeAll(async () => {
  ctx = await createTestApp();
  const base = await ctx.app.listen({ port: 0, host: '127.0.0.1' });
  link = new SlowLink(new URL(base));
  viaLink = await link.listen();
  const dept = await makeDepartment(ctx.db);
  const person = await makePerson(ctx.db, { departmentId: dept.id });
  await ctx.db.updateTable('person').set({ staff_number: '000888' }).where('id', '=', person.id).execute();
  const u = await makeUser(ctx.db, { roles: ['officer'], departmentId: dept.id, personId: person.id });
  token = await apiTokenFor(ctx.app, u.username, u.password);
  work = await mkdtemp(path.join(tmpdir(), 'quanlu-ingest-resume-'));
  card = path.join(work, 'card');
  await mkdir(card);
  await makeRandomFile(path.join(card, NAME), SIZE);
});
afterAll(async () => {
  await link.close();
  await ctx.close();
  await rm(work, { recursive: true, force: true });
});

const partialBytes = async () => {
  const up = await ctx.db.selectFrom('upload').select(['id', 'state']).where('file_name', '=', NAME).execute();
  expect(up).toHaveLength(1);
  return { state: up[0]!.state, bytes: (await stat(path.join(ctx.dataDir, 'uploads', up[0]!.id))).size };
};

test('an upload killed part-way (kill -9 of the CLI on a slow link) resumes on the next run and the server hash matches', { timeout: 120_000 }, async () => {
  const env = { QUANLU_TOKEN: token, QUANLU_STATE_DIR: path.join(work, 'state') };
  const args = ['ingest', card, '--server', viaLink, '--device', 'DSJ7654321', '--receipt-dir', path.join(work, 'receipts')];

  // 1. ~4 MB/s; the workstation dies (power cut, kill -9) once ~12 MB have gone out.
  link.rate = 4 * 1024 * 1024;
  const first = spawnCli(args, env);
  link.onBytes = (n) => {
    if (n > 12 * 1024 * 1024) first.child.kill('SIGKILL');
  };
  const killed = await first.done;
  expect(killed.signal, killed.stderr).toBe('SIGKILL');
  expect(killed.stderr).toContain('开始上传 upload started');
  // The server keeps what arrived, waiting for the rest.
  await expect.poll(async () => (await partialBytes()).bytes, { timeout: 5_000 }).toBeGreaterThan(4 * 1024 * 1024);
  const partial = await partialBytes();
  expect(partial.state).toBe('receiving');
  expect(partial.bytes).toBeLessThan(SIZE);

  // 2. Next run at full speed: it continues the same upload rather than starting over.
  link.rate = 0;
  link.onBytes = () => undefined;
  const sentBefore = link.bytesUp;
  const t0 = Date.now();
  const second = await spawnCli(args, env).done;
  expect(second.code, second.stderr).toBe(0);
  expect(second.stderr).toContain('续传 resumed');
  expect(link.bytesUp - sentBefore).toBeLessThan(SIZE - partial.bytes + 1024 * 1024);
  expect((await partialBytes().catch(() => ({ state: 'gone' }))).state).not.toBe('receiving');

  const local = await digestOf(path.join(card, NAME));
  const original = await ctx.db.selectFrom('original').select(['sha256', 'sm3', 'size_bytes']).executeTakeFirstOrThrow();
  expect(original).toMatchObject({ sha256: local.sha256, sm3: local.sm3, size_bytes: String(SIZE) });
  expect((await ctx.deps.storage.verify(local.sha256)).ok).toBe(true);

  const name = (await readdir(path.join(work, 'receipts'))).find((n) => n.endsWith('.json'))!;
  const receipt = JSON.parse(await readFile(path.join(work, 'receipts', name), 'utf8')) as Receipt;
  expect(receipt.files).toEqual([expect.objectContaining({ relPath: NAME, state: 'uploaded', resumed: true, verified: true, sha256: local.sha256, sm3: local.sm3, server: local })]);
  // A finished upload leaves no resume state behind.
  expect(JSON.parse(await readFile(path.join(work, 'state', 'tus-uploads.json'), 'utf8'))).toEqual({});
  console.info(`resumed ${partial.bytes} of ${SIZE} bytes; second run ${Date.now() - t0} ms`);
});

test('Ctrl-C stops the run cleanly: the receipt is written with the file failed as interrupted, and exit is 1', { timeout: 60_000 }, async () => {
  const card2 = path.join(work, 'card2');
  await mkdir(card2);
  const name = 'DSJ7654321_000888_20261127120000_0002.mp4';
  await makeRandomFile(path.join(card2, name), 16 * 1024 * 1024);
  link.rate = 2 * 1024 * 1024;
  const sentAtStart = link.bytesUp;
  const run = spawnCli(['ingest', card2, '--server', viaLink, '--device', 'DSJ7654321', '--receipt-dir', path.join(work, 'receipts2'), '--clear'], { QUANLU_TOKEN: token, QUANLU_STATE_DIR: path.join(work, 'state') });
  let interrupted = false;
  link.onBytes = (n) => {
    if (!interrupted && n - sentAtStart > 4 * 1024 * 1024) {
      interrupted = true;
      run.child.kill('SIGINT');
    }
  };
  const r = await run.done;
  link.rate = 0;
  link.onBytes = () => undefined;
  expect(r.code, r.stderr).toBe(1);
  expect(r.stderr).toContain('正在中断');
  const receiptName = (await readdir(path.join(work, 'receipts2'))).find((n) => n.endsWith('.json'))!;
  const receipt = JSON.parse(await readFile(path.join(work, 'receipts2', receiptName), 'utf8')) as Receipt;
  expect(receipt.files).toEqual([expect.objectContaining({ relPath: name, state: 'failed', reason: expect.stringContaining('INTERRUPTED'), cleared: false })]);
  // Interrupted means nothing is cleared, even with --clear.
  expect((await stat(path.join(card2, name))).size).toBe(16 * 1024 * 1024);
});
