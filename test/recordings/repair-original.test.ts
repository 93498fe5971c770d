import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestApp, listenAsUploader, type TestContext } from '../support/harness.ts';
import { tusUpload } from '../support/tus-client.ts';

/**
 * Issue 7 §3: a damaged original is repairable from a good copy uploaded again — the good bytes restore the
 * object (audited), never silently counted as a duplicate; a sound object is never replaced (write-once).
 */

let ctx: TestContext;
let base: string;
let headers: Record<string, string>;
let meta: string;

beforeAll(async () => {
  ctx = await createTestApp();
  ({ base, headers, meta } = await listenAsUploader(ctx));
});
afterAll(() => ctx.close());

async function sourceFile(bytes: number) {
  const content = randomBytes(bytes);
  const f = path.join(ctx.dataDir, `src-${randomBytes(4).toString('hex')}.mp4`);
  await writeFile(f, content);
  return { f, sha256: createHash('sha256').update(content).digest('hex'), sm3: createHash('sm3').update(content).digest('hex') };
}
const objectFile = (sha: string) => ctx.deps.storage.localPath!(sha);
const eventsOf = async (action: string, detail: string, value: string) =>
  (await sql<{ n: string }>`SELECT count(*) AS n FROM audit_event WHERE action = ${action} AND details->>${detail} = ${value}`.execute(ctx.db)).rows[0]!.n;

describe('issue 7 §3: a re-upload of good bytes repairs a damaged original', () => {
  const flipByte = async (file: string) => {
    await chmod(file, 0o644);
    const b = await readFile(file);
    b[100] = b[100]! ^ 0xff;
    await writeFile(file, b);
    await chmod(file, 0o444);
  };

  test('a changed object is restored from the re-upload (audited), not counted as a plain duplicate', async () => {
    const src = await sourceFile(500_000);
    const first = await tusUpload(base, src.f, { filename: 'a.mp4', metadata: meta }, headers);
    expect(first.ok).toBe(true);
    await flipByte(objectFile(src.sha256));
    expect(await ctx.deps.storage.verify(src.sha256)).toMatchObject({ ok: false, error: 'sha256-mismatch' });

    const again = await tusUpload(base, src.f, { filename: 'a-again.mp4', metadata: meta }, headers);
    expect(again.ok, again.body).toBe(true);
    expect(again.headers['X-Upload-State']).toBe('duplicate');
    expect(again.headers['X-Recording-Id']).toBe(first.headers['X-Recording-Id']);
    expect(await ctx.deps.storage.verify(src.sha256, { expectedSm3: src.sm3 })).toMatchObject({ ok: true });
    const ev = (await sql<{ details: { found: string } }>`SELECT details FROM audit_event WHERE action = 'original.repaired' AND target_id = ${src.sha256}`.execute(ctx.db)).rows;
    expect(ev.map((e) => e.details.found)).toEqual(['sha256-mismatch']);
  });

  test('a missing object is restored too; a sound one is never replaced', async () => {
    const src = await sourceFile(400_000);
    expect((await tusUpload(base, src.f, { filename: 'b.mp4', metadata: meta }, headers)).ok).toBe(true);
    await rm(objectFile(src.sha256));
    expect((await tusUpload(base, src.f, { filename: 'b-again.mp4', metadata: meta }, headers)).ok).toBe(true);
    expect(await ctx.deps.storage.verify(src.sha256)).toMatchObject({ ok: true });
    expect(await eventsOf('original.repaired', 'sha256', src.sha256)).toBe('1');

    const inode = (await stat(objectFile(src.sha256))).ino;
    expect((await tusUpload(base, src.f, { filename: 'b-third.mp4', metadata: meta }, headers)).ok).toBe(true);
    expect((await stat(objectFile(src.sha256))).ino).toBe(inode);
    expect(await eventsOf('original.repaired', 'sha256', src.sha256)).toBe('1');
  });

  test('an object without a row under the right name but with other bytes is re-hashed and replaced, never adopted', async () => {
    const src = await sourceFile(300_000);
    const file = objectFile(src.sha256);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, randomBytes(300_000), { mode: 0o444 });
    const r = await tusUpload(base, src.f, { filename: 'c.mp4', metadata: meta }, headers);
    expect(r.ok, r.body).toBe(true);
    expect(r.headers['X-Upload-State']).toBe('stored');
    expect(await ctx.deps.storage.verify(src.sha256, { expectedSm3: src.sm3 })).toMatchObject({ ok: true });
  });
});
