/**
 * Issue 13 §5: a package over 4 GB (ZIP64) builds with bounded memory, Info-ZIP reads it back bit for bit and
 * `quanlu verify` passes it offline.
 * Slow (about 13 GB of disk traffic): skipped only when the disk has less than 10 GB free, which it says.
 * The original is generated (a sparse 4.3 GB file with some written content) and stored through the object
 * store like any upload; everything is deleted afterwards.
 */
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { open, rm, statfs } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli } from '../support/cli.ts';
import { createTestApp, login, makeDepartment, makePerson, makeUser, type TestContext } from '../support/harness.ts';
import { grantAccess } from '../playback/playback-fixtures.ts';
import { registerRecording, runBuilds } from './package-fixtures.ts';

const run = promisify(execFile);
const SIZE = 4.3e9;
const freeBytes = async (dir: string) => {
  const s = await statfs(dir);
  return s.bavail * s.bsize;
};
const enoughDisk = (await freeBytes(process.env.TMPDIR ?? '/tmp')) >= 10e9;
if (!enoughDisk) console.warn('large-package.test: SKIPPED — less than 10 GB free on the temp disk');
// The package writer does not depend on which PostgreSQL holds the rows: CI runs this 13 GB of disk traffic once,
// in the embedded-database run (`npm test` without DATABASE_URL), and says so in the external run.
const externalRun = !!process.env.DATABASE_URL;
if (externalRun) console.warn('large-package.test: SKIPPED in the external-PostgreSQL run (it runs in the embedded run)');

let ctx: TestContext;
beforeAll(async () => {
  if (enoughDisk && !externalRun) ctx = await createTestApp();
});
afterAll(async () => {
  await ctx?.close();
});

/** SHA-256 of what a command writes to stdout (read as a stream, never held whole). */
function sha256Of(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    p.stdout.on('data', (c: Buffer) => h.update(c));
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve(h.digest('hex')) : reject(new Error(`${cmd} exited ${code}`))));
  });
}

describe.skipIf(!enoughDisk || externalRun)('a package over 4 GB', () => {
  test('ZIP64, bounded memory, read back by zipinfo and unzip, verified offline by quanlu verify', async () => {
    const dept = await makeDepartment(ctx.db);
    const person = await makePerson(ctx.db, { departmentId: dept.id });
    const user = await makeUser(ctx.db, { roles: ['officer'], departmentId: dept.id, personId: person.id });
    const leader = await makeUser(ctx.db, { roles: ['leader'], departmentId: dept.id });
    const session = await login(ctx.app, user.username, user.password);

    // The generated original: sparse, with a marker written every 256 MiB so the bytes are not all zero.
    const big = path.join(ctx.dataDir, 'big.mp4');
    const fh = await open(big, 'w');
    await fh.truncate(SIZE);
    for (let off = 0; off < SIZE; off += 256 * 1024 * 1024) await fh.write(Buffer.from(`QuanLu large package marker at ${off}\n`), 0, undefined, off);
    await fh.close();
    const rec = await registerRecording(ctx, { file: big, fileName: 'BIG_4300MB.mp4', departmentId: dept.id, uploadedBy: user.id, officerIds: [person.id], recordedStart: '2026-11-20T01:00:00Z' });
    await rm(big, { force: true });
    expect(rec.size).toBe(SIZE);
    await grantAccess(ctx, { departmentId: dept.id, uploaderId: user.id, leaderId: leader.id }, user.id, [rec.id], 'copy');

    const made = await session.request('POST', '/api/evidence-packages', { recordingIds: [rec.id] });
    expect(made.statusCode, made.body).toBe(202);
    const id = made.json().id as string;

    // Peak memory of this process while the job runs (the job runs in this process here).
    const rssBefore = process.memoryUsage().rss;
    let peak = rssBefore;
    const timer = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 200);
    const started = Date.now();
    try {
      expect(await runBuilds(ctx)).toBe(1);
    } finally {
      clearInterval(timer);
    }
    const seconds = (Date.now() - started) / 1000;
    const view = (await session.request('GET', `/api/evidence-packages/${id}`)).json() as { state: string; error: string | null; fileSize: number; bytesDone: number; bytesTotal: number };
    expect(view.error).toBeNull();
    expect(view.state).toBe('ready');
    expect(view.bytesDone).toBe(view.bytesTotal);
    expect(view.fileSize).toBeGreaterThan(SIZE);
    console.log(`large package: ${(SIZE / 1e9).toFixed(1)} GB in ${seconds.toFixed(1)} s; RSS before ${(rssBefore / 2 ** 20).toFixed(0)} MiB, peak ${(peak / 2 ** 20).toFixed(0)} MiB`);
    // Bounded: the process grew by far less than the file (which is never held in memory).
    expect(peak - rssBefore).toBeLessThan(400 * 2 ** 20);

    const zip = path.join(ctx.dataDir, 'evidence-packages', `${id}.zip`);
    const bag = `quanlu-evidence-${id}`;
    const info = (await run('zipinfo', ['-l', zip], { maxBuffer: 1 << 24 })).stdout;
    const line = info.split('\n').find((l) => l.endsWith(`${bag}/data/originals/01-BIG_4300MB.mp4`));
    expect(line, info).toBeTruthy();
    // The entry's size in the central directory (ZIP64 extra field) is the full size.
    expect(line!.split(/\s+/)).toContain(String(SIZE));
    // The stored bytes read back through Info-ZIP hash to the original's SHA-256, and the manifest says so.
    const manifest = (await run('unzip', ['-p', zip, `${bag}/manifest-sha256.txt`])).stdout;
    expect(manifest).toContain(`${rec.sha256}  data/originals/01-BIG_4300MB.mp4\n`);
    expect(await sha256Of('unzip', ['-p', zip, `${bag}/data/originals/01-BIG_4300MB.mp4`])).toBe(rec.sha256);

    // And it verifies offline: `quanlu verify` (no server, no database) reads the ZIP64 entry, hashes it, checks
    // the manifests, signatures and proofs — exit 0 and the item passed.
    const verifyStarted = Date.now();
    const verified = await runCli(['verify', zip], {}, 1_200_000);
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
    expect(verified.stdout).toContain('✓ 全部检查通过 / all checks passed');
    expect(verified.stdout).toMatch(/证据 item 1 BIG_4300MB\.mp4: 通过 passed/);
    console.log(`large package: quanlu verify took ${((Date.now() - verifyStarted) / 1000).toFixed(1)} s`);
    await rm(zip, { force: true });
  }, 1_500_000);
});
