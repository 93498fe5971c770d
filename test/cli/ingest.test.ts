import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Receipt } from '../../src/cli/ingest/receipt.ts';
import { createTestApp, login, makeDepartment, makePerson, makeUser, type Session, type TestContext } from '../support/harness.ts';
import { makeClip } from '../support/media-fixtures.ts';
import { apiTokenFor, digestOf, makePhoto, makeRandomFile, makeTone, runIngestCli } from './ingest-fixtures.ts';
import { ApiClient } from '../../src/cli/ingest/api-client.ts';
import { clearVerified } from '../../src/cli/ingest/clear-device.ts';
import type { FileRecord } from '../../src/cli/ingest/receipt.ts';
import type { LocalObjectStore } from '../../src/platform/storage/local-object-store.ts';
import { chmod, open } from 'node:fs/promises';

const DEVICE = 'DSJ1234567';
const STAFF = '000777';
let ctx: TestContext;
let base: string;
let session: Session;
let token: string;
let personId: string;
let work: string;
let card: string;
/** The body-camera files of the known officer (relative to the card) and their start times (UTC). */
const known: Record<string, string> = {
  'DCIM/100MEDIA/DSJ1234567_000777_20261127093012_0001.mp4': '2026-11-27T01:30:12.000Z',
  'DCIM/100MEDIA/DSJ1234567_000777_20261127094500_0002.MP4': '2026-11-27T01:45:00.000Z',
  'DCIM/101MEDIA/DSJ1234567_000777_20261127095000_0003.jpg': '2026-11-27T01:50:00.000Z',
  'RECORD/DSJ1234567_000777_20261127100000_0004.wav': '2026-11-27T02:00:00.000Z',
};
const UNKNOWN = 'DCIM/100MEDIA/DSJ1234567_999999_20261127101500_0005.mp4';
/** A second copy of the first clip (left by an earlier manual offload): uploaded once, not twice. */
const COPY = 'BACKUP/DSJ1234567_000777_20261127093012_0001.mp4';

beforeAll(async () => {
  ctx = await createTestApp();
  base = await ctx.app.listen({ port: 0, host: '127.0.0.1' });
  const dept = await makeDepartment(ctx.db, { name: '商务综合执法支队' });
  const person = await makePerson(ctx.db, { departmentId: dept.id, name: '李四' });
  personId = person.id;
  await ctx.db.updateTable('person').set({ staff_number: STAFF }).where('id', '=', personId).execute();
  const u = await makeUser(ctx.db, { roles: ['custodian'], departmentId: dept.id });
  session = await login(ctx.app, u.username, u.password);
  token = await apiTokenFor(ctx.app, u.username, u.password);

  work = await mkdtemp(path.join(tmpdir(), 'quanlu-ingest-cli-'));
  card = path.join(work, 'card');
  for (const rel of [...Object.keys(known), UNKNOWN, COPY]) await mkdir(path.dirname(path.join(card, rel)), { recursive: true });
  const k = Object.keys(known).map((r) => path.join(card, r));
  await makeClip(k[0]!, { seconds: 1 });
  await makeClip(k[1]!, { seconds: 1, size: '160x120' });
  await makePhoto(k[2]!);
  await makeTone(k[3]!);
  await makeClip(path.join(card, UNKNOWN), { seconds: 1, size: '240x180' });
  await copyFile(k[0]!, path.join(card, COPY));
  // Not media, or hidden: never read, uploaded or cleared.
  await writeFile(path.join(card, 'DCIM', 'readme.txt'), 'camera notes');
  await makeClip(path.join(card, 'DCIM', '100MEDIA', '._DSJ1234567_000777_20261127093012_0001.mp4'), { seconds: 1, size: '128x96' });
});
afterAll(async () => {
  await ctx.close();
  await rm(work, { recursive: true, force: true });
});

const env = (o: Record<string, string> = {}) => ({ QUANLU_TOKEN: token, QUANLU_STATE_DIR: path.join(work, 'state'), ...o });
const args = (receipts: string, ...more: string[]) => [card, '--server', base, '--device', DEVICE, '--receipt-dir', path.join(work, receipts), ...more];
const uploads = async () => Number((await sql<{ n: string }>`SELECT count(*) AS n FROM upload`.execute(ctx.db)).rows[0]!.n);

async function receiptIn(dir: string): Promise<{ json: Receipt; txt: string }> {
  const names = await readdir(path.join(work, dir));
  const json = names.find((n) => /^ingest-\d{8}-\d{6}\.json$/.test(n));
  const txt = names.find((n) => /^ingest-\d{8}-\d{6}\.txt$/.test(n));
  expect(json && txt, names.join(', ')).toBeTruthy();
  return { json: JSON.parse(await readFile(path.join(work, dir, json!), 'utf8')) as Receipt, txt: await readFile(path.join(work, dir, txt!), 'utf8') };
}

describe('quanlu ingest (采集站)', () => {
  test('without QUANLU_TOKEN and without a terminal it stops with exit 2 and says how to authenticate', async () => {
    const r = await runIngestCli(args('r0'), { QUANLU_STATE_DIR: path.join(work, 'state') });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('QUANLU_TOKEN');
    expect(r.stderr).toContain('缺少凭据');
    expect(await uploads()).toBe(0);
  });

  test('usage errors exit 2: a missing --server, a bad --activity, a receipt folder on the card', async () => {
    const noServer = await runIngestCli([card, '--device', DEVICE], env());
    expect(noServer.code, noServer.stderr).toBe(2);
    expect(noServer.stderr).toContain('--server');
    const badActivity = await runIngestCli(args('r0', '--activity', 'dancing'), env());
    expect(badActivity.code, badActivity.stderr).toBe(2);
    expect(badActivity.stderr).toMatch(/--activity.*patrol/);
    const onCard = await runIngestCli([card, '--server', base, '--device', DEVICE, '--receipt-dir', path.join(card, 'receipts')], env());
    expect(onCard.code, onCard.stderr).toBe(2);
    expect(onCard.stderr).toContain('must not be on the card');
    expect(existsSync(path.join(card, 'receipts'))).toBe(false);
  });

  test('the first run uploads the known officer’s files with the parsed metadata, skips the unknown officer’s file, exits 1, and writes the receipts', async () => {
    const t0 = Date.now();
    const r = await runIngestCli(args('r1'), env());
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/开始上传 upload started/);
    expect(r.stdout).toMatch(/已上传 uploaded 4, 服务器已有 already stored 1,.*跳过 skipped 1/);

    const list = (await session.request('GET', '/api/recordings?limit=50')).json() as { items: { fileName: string; deviceNumber: string; recordedStart: string; activity: string; partyInformed: string; officers: { id: string }[]; original: { sha256: string } }[] };
    expect(list.items).toHaveLength(4);
    for (const [rel, start] of Object.entries(known)) {
      const rec = list.items.find((i) => i.fileName === path.basename(rel));
      expect(rec, rel).toMatchObject({ deviceNumber: DEVICE, recordedStart: start, activity: 'other', partyInformed: 'not_applicable', officers: [{ id: personId }] });
      expect(rec!.original.sha256).toBe((await digestOf(path.join(card, rel))).sha256);
    }

    const { json, txt } = await receiptIn('r1');
    expect(json).toMatchObject({ server: base, device: DEVICE, exitCode: 1, totals: { files: 6, uploaded: 4, alreadyStored: 1, skipped: 1, failed: 0 } });
    expect(json.files.map((f) => f.relPath).sort()).toEqual([...Object.keys(known), UNKNOWN, COPY].sort());
    // Whichever copy of the first clip was hashed first was uploaded; the other found it stored.
    const copies = json.files.filter((f) => path.basename(f.relPath) === path.basename(COPY));
    expect(copies.map((c) => c.state).sort()).toEqual(['already_stored', 'uploaded']);
    expect(copies[0]!.recordingId).toBe(copies[1]!.recordingId);
    for (const c of copies) expect(c).toMatchObject({ verified: true, ...(await digestOf(path.join(card, c.relPath))) });
    for (const f of json.files.filter((x) => !copies.includes(x))) {
      const d = await digestOf(path.join(card, f.relPath));
      expect(f.sha256).toBe(d.sha256);
      expect(f.sm3).toBe(d.sm3);
      expect(txt).toContain(d.sha256);
      expect(txt).toContain(d.sm3);
      if (f.relPath === UNKNOWN) expect(f).toMatchObject({ state: 'skipped', verified: false });
      else expect(f).toMatchObject({ state: 'uploaded', verified: true, server: d, metadata: { officer: { id: personId, staffNumber: STAFF }, recordedStartFrom: 'file-name' } });
    }
    expect(json.files.find((f) => f.relPath === UNKNOWN)!.reason).toContain('999999');
    expect(txt).toContain('采集站回执');
    expect(txt).toMatch(/跳过 skipped[\s\S]*999999/);
    console.info(`first run: ${Date.now() - t0} ms`);
  });

  test('a second run uploads nothing: every known file is already stored', async () => {
    const before = await uploads();
    const r = await runIngestCli(args('r2'), env());
    expect(r.code, r.stderr).toBe(1);
    expect(await uploads()).toBe(before);
    const { json } = await receiptIn('r2');
    expect(json.totals).toMatchObject({ uploaded: 0, alreadyStored: 5, skipped: 1 });
    expect(json.files.filter((f) => f.state === 'already_stored').every((f) => f.recordingId && f.verified)).toBe(true);
  });

  test('a dry run uploads and deletes nothing even with --clear', async () => {
    const r = await runIngestCli(args('r3', '--dry-run', '--clear'), env());
    expect(r.code, r.stderr).toBe(1);
    const { json } = await receiptIn('r3');
    expect(json.dryRun).toBe(true);
    expect(json.totals.cleared).toBe(0);
    for (const rel of Object.keys(known)) expect(existsSync(path.join(card, rel))).toBe(true);
  });

  test('--clear deletes exactly the files whose server hash was verified, after the receipt, and lists them', async () => {
    const r = await runIngestCli(args('r4', '--clear'), env());
    expect(r.code, r.stderr).toBe(1);
    for (const rel of [...Object.keys(known), COPY]) expect(existsSync(path.join(card, rel)), rel).toBe(false);
    expect(existsSync(path.join(card, UNKNOWN))).toBe(true);
    expect(existsSync(path.join(card, 'DCIM', 'readme.txt'))).toBe(true);
    expect(existsSync(path.join(card, 'DCIM', '100MEDIA', '._DSJ1234567_000777_20261127093012_0001.mp4'))).toBe(true);
    const { json, txt } = await receiptIn('r4');
    expect(json.files.filter((f) => f.cleared).map((f) => f.relPath).sort()).toEqual([...Object.keys(known), COPY].sort());
    expect(json.totals.cleared).toBe(5);
    expect(txt).toContain('设备清除 Cleared from device');
  });
});

/**
 * Issue 7 §3, measured: with a byte flipped in (or the file removed from) a stored original, `ingest --clear`
 * deleted the card's good copy because "already stored" only looked up the database row. Each case uses its
 * own card folder and files, so it depends on no other test.
 */
describe('--clear after the server’s copy was damaged', () => {
  /** Overwrites one byte of the server's stored object in place (a disk fault). */
  async function flipStoredByte(sha256: string, at: number) {
    const file = (ctx.deps.storage as LocalObjectStore).objectPath(sha256);
    await chmod(file, 0o600);
    const fh = await open(file, 'r+');
    const b = Buffer.alloc(1);
    await fh.read(b, 0, 1, at);
    b[0] = b[0]! ^ 0xff;
    await fh.write(b, 0, 1, at);
    await fh.close();
  }
  const storedBytesOk = async (sha256: string) => (await digestOf((ctx.deps.storage as LocalObjectStore).objectPath(sha256))).sha256 === sha256;

  async function cardWith(name: string, rel: string, bytes: number) {
    const dir = path.join(work, name);
    await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await makeRandomFile(path.join(dir, rel), bytes);
    return dir;
  }

  test('the gate: a card file is kept, with the reason, while the server’s fresh check finds its copy damaged or missing', async () => {
    const cardDir = await cardWith('card-gate', 'DCIM/DSJ1234567_000777_20261127120000_0011.mp4', 300_000);
    const second = path.join(cardDir, 'DCIM/DSJ1234567_000777_20261127120500_0012.mp4');
    await makeRandomFile(second, 200_000);
    const up = await runIngestCli([cardDir, '--server', base, '--device', DEVICE, '--receipt-dir', path.join(work, 'r-gate')], env());
    expect(up.code, up.stderr).toBe(0);
    const files = (await receiptIn('r-gate')).json.files as FileRecord[];
    expect(files.map((f) => f.state)).toEqual(['uploaded', 'uploaded']);
    const [damagedRec, missingRec] = files.sort((a, b) => a.relPath.localeCompare(b.relPath));
    await flipStoredByte(damagedRec!.sha256!, 4096);
    await rm((ctx.deps.storage as LocalObjectStore).objectPath(missingRec!.sha256!));

    // The same client and the same gate `ingest --clear` uses, against the real server.
    const api = new ApiClient(base, { authorization: `Bearer ${token}` });
    const kept = await clearVerified(files, (sha) => api.verifyOriginal(sha));
    expect(existsSync(damagedRec!.path)).toBe(true);
    expect(existsSync(missingRec!.path)).toBe(true);
    expect(files.every((f) => !f.cleared)).toBe(true);
    expect(kept.map((k) => k.relPath)).toEqual([damagedRec!.relPath, missingRec!.relPath]);
    expect(kept[0]!.reason).toContain('sha256-mismatch');
    expect(kept[0]!.reason).toContain('已损坏');
    expect(kept[1]!.reason).toContain('missing');
  });

  test('ingest --clear re-uploads the card’s good bytes, the server restores its object (audited), and only then is the card file deleted', async () => {
    const rel = 'DCIM/DSJ1234567_000777_20261127130000_0021.mp4';
    const cardDir = await cardWith('card-repair', rel, 400_000);
    const first = await runIngestCli([cardDir, '--server', base, '--device', DEVICE, '--receipt-dir', path.join(work, 'r-repair-1')], env());
    expect(first.code, first.stderr).toBe(0);
    const { sha256 } = await digestOf(path.join(cardDir, rel));
    await flipStoredByte(sha256, 1234);
    expect(await storedBytesOk(sha256)).toBe(false);

    const r = await runIngestCli([cardDir, '--server', base, '--device', DEVICE, '--receipt-dir', path.join(work, 'r-repair-2'), '--clear'], env());
    const { json } = await receiptIn('r-repair-2');
    const f = json.files[0]!;
    expect(f.notes?.join(' ')).toContain('sha256-mismatch');
    // The server's copy was damaged: the card file goes only if the server now holds intact bytes.
    const repaired = (await sql<{ n: string }>`SELECT count(*) AS n FROM audit_event WHERE action = 'original.repaired' AND target_id = ${sha256}`.execute(ctx.db)).rows[0]!.n;
    expect(Number(repaired), r.stderr).toBe(1);
    expect(await storedBytesOk(sha256)).toBe(true);
    expect(f.cleared).toBe(true);
    expect(existsSync(path.join(cardDir, rel))).toBe(false);
    expect(r.code, r.stderr).toBe(0);
  });
});
