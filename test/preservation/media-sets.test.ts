/**
 * 第十二条 disc / removable-media sets: volumes planned by size (first-fit decreasing, a too-large file refused),
 * ISO images written by xorriso with Chinese names intact in the Rock Ridge and Joliet trees, the manifest and the
 * offline verifier on the volume, the read-back that catches a flipped byte, the download (audited), the media
 * register, checks by image (ok / mismatch / unreadable) and by report, the check round and the alerts.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { jobCatalog } from '../../src/app/jobs.ts';
import { listIsoFiles } from '../../src/modules/media-sets/iso-image.ts';
import { imagesDir } from '../../src/modules/media-sets/media-sets.service.ts';
import { startJobRunner } from '../../src/platform/jobs/runner.ts';
import { createTestApp, login, makeDepartment, makePerson, makeUser, type Session, type TestContext } from '../support/harness.ts';
import { approve, propose, storeRecording } from './preservation-fixtures.ts';

const run = promisify(execFile);
let ctx: TestContext;
let work: string;
let deptA: string;
let custodianId: string;
const who = new Map<string, Session>();
const s = (n: string) => who.get(n)!;

const CHINESE = ['执法记录仪_张三_2026年11月27日.mp4', '现场检查（第二段）.mov', '录音 谈话笔录.wav'];

beforeAll(async () => {
  ctx = await createTestApp();
  work = await mkdtemp(path.join(tmpdir(), 'quanlu-disc-test-'));
  const a = await makeDepartment(ctx.db);
  const b = await makeDepartment(ctx.db);
  deptA = a.id;
  for (const [name, role, dept] of [
    ['officer A', 'officer', a.id],
    ['custodian A', 'custodian', a.id],
    ['custodian B', 'custodian', b.id],
    ['leader A', 'leader', a.id],
    ['admin', 'admin', null],
  ] as const) {
    const u = await makeUser(ctx.db, { roles: [role], departmentId: dept });
    if (name === 'custodian A') custodianId = u.id;
    who.set(name, await login(ctx.app, u.username, u.password));
  }
});
afterAll(async () => {
  await ctx.close();
  await rm(work, { recursive: true, force: true });
});

/** Recordings with these sizes and names, marked (officer A) and approved (leader A); returns ids and the mark. */
async function marked(files: { size: number; name?: string }[]) {
  const recs = [];
  for (const f of files) recs.push(await storeRecording(ctx, { bytes: randomBytes(f.size), departmentId: deptA, uploadedBy: custodianId, ...(f.name && { fileName: f.name }) }));
  const markId = await propose(s('officer A'), recs.map((r) => r.id), 'obstruction');
  await approve(s('leader A'), markId);
  return { recs, markId };
}

/** Runs the queued jobs (media.build) to the end. */
async function runJobs() {
  const runner = await startJobRunner(ctx.deps, jobCatalog, { background: false });
  try {
    await runner.drain();
  } finally {
    await runner.stop();
  }
}

interface SetView {
  id: string;
  state: string;
  error: string | null;
  doneBytes: number;
  totalBytes: number;
  volumes: { id: string; volumeNo: number; volumeCount: number; label: string; imageName: string; verifyOk: boolean; files: number; verifyDetail: string }[];
}

async function buildSet(body: Record<string, unknown>): Promise<SetView> {
  const r = await s('custodian A').request('POST', '/api/media-sets', body);
  expect([r.statusCode, r.body.slice(0, 300)]).toEqual([201, expect.any(String)]);
  expect(r.json().state).toBe('queued');
  await runJobs();
  return (await s('custodian A').request('GET', `/api/media-sets/${r.json().id}`)).json();
}

const isoOf = (set: SetView, n = 1) => path.join(imagesDir(ctx.deps.config, set.id), set.volumes[n - 1]!.imageName);

describe('ISO images', () => {
  let set: SetView;
  let recs: { id: string; sha256: string; sm3: string }[];

  beforeAll(async () => {
    ({ recs } = await marked(CHINESE.map((name, i) => ({ size: 20_000 + i * 7_000, name }))));
    set = await buildSet({ mediaType: 'dvd', label: 'QL_CN_TEST', markIds: [(await ctx.db.selectFrom('preservation_mark_item').select('mark_id').where('recording_id', '=', recs[0]!.id).executeTakeFirstOrThrow()).mark_id] });
  }, 180_000);

  test('one DVD volume, built and read back; progress reached the total', () => {
    expect(set.state).toBe('built');
    expect(set.volumes.map((v) => [v.volumeNo, v.volumeCount, v.label, v.imageName, v.verifyOk, v.files])).toEqual([[1, 1, 'QL_CN_TEST_1', 'QL_CN_TEST_1.iso', true, 3]]);
    expect(set.doneBytes).toBe(set.totalBytes);
  });

  test('Chinese names are intact in the Rock Ridge tree (-lsl) and in the Joliet tree (-read_fs norock -find)', async () => {
    const iso = isoOf(set);
    const lsl = (await run('xorriso', ['-indev', iso, '-lsl', '/recordings'])).stdout;
    for (const [i, name] of CHINESE.entries()) expect(lsl).toContain(`${recs[i]!.id.slice(0, 8)}_${name}`);
    const joliet = (await run('xorriso', ['-read_fs', 'norock', '-indev', iso, '-find', '/', '-type', 'f'])).stdout;
    for (const [i, name] of CHINESE.entries()) expect(joliet).toContain(`/recordings/${recs[i]!.id.slice(0, 8)}_${name}`);
    const root = (await run('xorriso', ['-indev', iso, '-find', '/', '-maxdepth', '1', '-type', 'f'])).stdout;
    for (const f of ['MANIFEST.json', 'SHA256SUMS', 'SM3SUMS', 'README.txt', 'verify.sh']) expect(root).toContain(`'/${f}'`);
    const pvd = (await run('xorriso', ['-indev', iso, '-pvd_info'])).stdout;
    expect(pvd).toMatch(/Volume Id\s*:\s*QL_CN_TEST_1/);
  });

  test('the manifest carries every file’s SHA-256, SM3, metadata and grounds; the offline verifier passes, then catches a change', async () => {
    const out = path.join(work, 'extracted');
    await run('xorriso', ['-osirrox', 'on', '-indev', isoOf(set), '-extract', '/', out]);
    const m = JSON.parse(await readFile(path.join(out, 'MANIFEST.json'), 'utf8'));
    expect(m.format).toBe('quanlu-preservation-manifest/1');
    expect(m.volume).toEqual({ number: 1, count: 1, label: 'QL_CN_TEST_1' });
    expect(m.files.map((f: { recording: { fileName: string } }) => f.recording.fileName).sort()).toEqual([...CHINESE].sort());
    for (const r of recs) {
      const f = m.files.find((x: { recording: { id: string } }) => x.recording.id === r.id);
      expect([f.sha256, f.sm3]).toEqual([r.sha256, r.sm3]);
      expect(f.grounds.map((g: { ground: string; label: string }) => [g.ground, g.label.slice(0, 4)])).toEqual([['obstruction', '（二）当']]);
    }
    const ok = await run('sh', [path.join(out, 'verify.sh')]);
    expect(ok.stdout).toContain('全部完好 / ALL OK');
    expect(ok.stdout.match(/SM3 OK/g)).toHaveLength(3);
    const victim = path.join(out, m.files[1].path);
    const bytes = await readFile(victim);
    bytes[100] = bytes[100]! ^ 0xff;
    await writeFile(victim, bytes);
    const bad = await run('sh', [path.join(out, 'verify.sh')]).then(
      () => ({ code: 0, stdout: '' }),
      (e: { code: number; stdout: string }) => e,
    );
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain(`${m.files[1].path}: FAILED`);
    expect(bad.stdout).toContain(`${m.files[1].path}: SM3 FAILED`);
  });

  test('download (custodian only, audited); register the medium; checks by image: intact → ok, a flipped byte → mismatch (alert), garbage → unreadable', async () => {
    const vol = set.volumes[0]!;
    expect((await s('leader A').request('GET', `/api/media-volumes/${vol.id}/image`)).statusCode).toBe(403);
    expect((await s('custodian B').request('GET', `/api/media-volumes/${vol.id}/image`)).statusCode).toBe(404);
    const dl = await s('custodian A').request('GET', `/api/media-volumes/${vol.id}/image`);
    expect(dl.statusCode).toBe(200);
    expect(dl.headers['content-type']).toBe('application/x-iso9660-image');
    const image = dl.rawPayload;
    expect(image.equals(await readFile(isoOf(set)))).toBe(true);
    const audits = await sql<{ action: string }>`SELECT action FROM audit_event WHERE target_id = ${vol.id}`.execute(ctx.db);
    expect(audits.rows.map((a) => a.action)).toEqual(['media.volume.download']);

    const reg = await s('custodian A').request('POST', `/api/media-volumes/${vol.id}/media`, { label: 'DVD-2026-001', mediaType: 'dvd', maker: '李四', madeOn: '2026-12-01', storagePlace: '档案室 A 柜 3 层' });
    expect(reg.statusCode).toBe(201);
    const medium = reg.json();
    expect([medium.status, medium.volumeLabel, medium.volumeNo, medium.volumeCount]).toEqual(['unchecked', 'QL_CN_TEST_1', 1, 1]);
    // The first check is due a year (the default interval) after registration.
    const dueIn = Date.parse(medium.nextCheckDue) - Date.parse(medium.registeredAt);
    expect(dueIn / 86_400_000).toBeGreaterThanOrEqual(365);
    expect(dueIn / 86_400_000).toBeLessThanOrEqual(366);
    const dup = await s('custodian A').request('POST', `/api/media-volumes/${vol.id}/media`, { label: 'DVD-2026-001', mediaType: 'dvd', maker: '李四', madeOn: '2026-12-01', storagePlace: '档案室' });
    expect(dup.statusCode).toBe(409);

    const send = (bytes: Buffer) => s('custodian A').request('POST', `/api/media/${medium.id}/checks/image`, bytes, { 'content-type': 'application/octet-stream' });
    const good = await send(image);
    expect([good.statusCode, good.json().status]).toEqual([201, 'ok']);
    // Over a real socket too (the route streams its body, cut only by silence, not by the JSON time limit).
    const base = await ctx.app.listen({ port: 0, host: '127.0.0.1' });
    const c = s('custodian A');
    const real = await fetch(`${base}/api/media/${medium.id}/checks/image`, {
      method: 'POST',
      headers: { cookie: c.cookie, 'x-csrf-token': c.csrf, 'content-type': 'application/x-iso9660-image' },
      body: new Uint8Array(image),
    });
    expect([real.status, ((await real.json()) as { status: string }).status]).toEqual([201, 'ok']);
    // A JSON body is not an image: 415, nothing recorded.
    expect((await c.request('POST', `/api/media/${medium.id}/checks/image`, { image: 'x' })).statusCode).toBe(415);

    // Flip one byte inside the data of the second recording, where the image's own directory says it lies.
    const files = await listIsoFiles(isoOf(set));
    const target = files.find((f) => f.path.endsWith(CHINESE[1]!))!;
    const corrupted = Buffer.from(image);
    const at = target.extents[0]!.lba * 2048 + 1234;
    corrupted[at] = corrupted[at]! ^ 0x01;
    const bad = await send(corrupted);
    expect([bad.statusCode, bad.json().status]).toEqual([201, 'mismatch']);
    expect(bad.json().checks[0].detail).toContain(`${CHINESE[1]} (sha256)`);
    const alerts = (await s('admin').request('GET', '/api/media?alerting=true')).json().items as { id: string; status: string }[];
    expect(alerts.map((a) => [a.id, a.status])).toEqual([[medium.id, 'mismatch']]);

    const garbage = await send(randomBytes(64 * 1024));
    expect([garbage.statusCode, garbage.json().status]).toEqual([201, 'unreadable']);

    const missing = await s('custodian A').request('POST', `/api/media/${medium.id}/checks`, { result: 'missing', detail: '档案室 A 柜 3 层未找到' });
    expect([missing.statusCode, missing.json().status]).toEqual([201, 'missing']);
    expect(missing.json().checks.map((c: { method: string; result: string }) => [c.method, c.result])).toEqual([
      ['reported', 'missing'],
      ['image', 'unreadable'],
      ['image', 'mismatch'],
      ['image', 'ok'],
      ['image', 'ok'],
    ]);
    // The leader sees it and its checks but records none.
    expect((await s('leader A').request('GET', `/api/media/${medium.id}`)).statusCode).toBe(200);
    expect((await s('leader A').request('POST', `/api/media/${medium.id}/checks`, { result: 'ok', detail: '领导检查' })).statusCode).toBe(403);
    expect((await s('custodian B').request('GET', `/api/media/${medium.id}`)).statusCode).toBe(404);
    // Bad input: unknown result, no detail, empty body.
    expect((await s('custodian A').request('POST', `/api/media/${medium.id}/checks`, { result: 'fine', detail: 'x' })).statusCode).toBe(400);
    expect((await s('custodian A').request('POST', `/api/media/${medium.id}/checks`, { result: 'ok' })).statusCode).toBe(400);
    expect((await s('custodian A').request('POST', `/api/media-volumes/${vol.id}/media`, { label: '', mediaType: 'tape', maker: '', madeOn: '2026-02-30', storagePlace: '' })).statusCode).toBe(400);
  });

  test('the read-back itself catches a flipped byte in the image (verifyVolume against the recorded digests)', async () => {
    const { verifyVolume } = await import('../../src/modules/media-sets/volume-verify.ts');
    const copy = path.join(work, 'copy.iso');
    await writeFile(copy, await readFile(isoOf(set)));
    const files = await listIsoFiles(copy);
    const target = files.find((f) => f.path.endsWith(CHINESE[2]!))!;
    const fh = await open(copy, 'r+');
    const pos = target.extents[0]!.lba * 2048 + target.size - 1;
    const b = Buffer.alloc(1);
    await fh.read(b, 0, 1, pos);
    b[0] = b[0]! ^ 0x80;
    await fh.write(b, 0, 1, pos);
    await fh.close();
    const expected = recs.map((r, i) => ({ path: `recordings/${r.id.slice(0, 8)}_${CHINESE[i]}`, sha256: r.sha256, sm3: r.sm3, size: 20_000 + i * 7_000 }));
    const intact = await verifyVolume({ kind: 'iso', file: isoOf(set) }, expected, null);
    expect([intact.ok, intact.filesChecked]).toEqual([true, 3]);
    const broken = await verifyVolume({ kind: 'iso', file: copy }, expected, null);
    expect(broken.problems).toEqual([{ path: expected[2]!.path, problem: 'sha256' }]);
  });
});

describe('volumes by size', () => {
  test('split across volumes by first-fit decreasing (2 MiB drives: 1 MiB for files each)', async () => {
    const sizes = [600, 500, 400, 300].map((k) => k * 1024);
    const { recs, markId } = await marked(sizes.map((size) => ({ size })));
    const set = await buildSet({ mediaType: 'removable', volumeBytes: 2 * 1024 * 1024, label: 'QL_SPLIT', markIds: [markId] });
    expect(set.state).toBe('built');
    expect(set.volumes.map((v) => [v.label, v.volumeNo, v.volumeCount, v.files, v.verifyOk])).toEqual([
      ['QL_SPLIT_1', 1, 2, 2, true],
      ['QL_SPLIT_2', 2, 2, 2, true],
    ]);
    const items = await ctx.db.selectFrom('media_set_item').select(['recording_id', 'volume_no']).where('set_id', '=', set.id).execute();
    const vol = new Map(items.map((i) => [i.recording_id, i.volume_no]));
    // 600 K and 400 K fill volume 1; 500 K and 300 K go to volume 2.
    expect(recs.map((r) => vol.get(r.id))).toEqual([1, 2, 1, 2]);
    for (const v of [1, 2]) {
      const st = await import('node:fs/promises').then((f) => f.stat(isoOf(set, v)));
      expect(st.size).toBeLessThanOrEqual(2 * 1024 * 1024);
      const listed = await listIsoFiles(isoOf(set, v));
      expect(listed.filter((f) => f.path.startsWith('recordings/'))).toHaveLength(2);
    }
  }, 120_000);

  test('a file larger than a volume is refused clearly (422 MEDIA_FILE_TOO_LARGE), nothing is written', async () => {
    const { markId } = await marked([{ size: 1100 * 1024, name: '超大文件.mp4' }]);
    const before = await sql<{ n: string }>`SELECT count(*) AS n FROM media_set`.execute(ctx.db);
    const r = await s('custodian A').request('POST', '/api/media-sets', { mediaType: 'removable', volumeBytes: 2 * 1024 * 1024, label: 'QL_BIG', markIds: [markId] });
    expect(r.statusCode).toBe(422);
    expect(r.json().code).toBe('MEDIA_FILE_TOO_LARGE');
    expect(r.json().message).toContain('超大文件.mp4');
    const after = await sql<{ n: string }>`SELECT count(*) AS n FROM media_set`.execute(ctx.db);
    expect(after.rows[0]!.n).toBe(before.rows[0]!.n);
  });

  test('a folder volume for a removable drive: verify.sh passes on it; downloaded as a ZIP', async () => {
    const { markId } = await marked([{ size: 3000, name: '移动硬盘样本.mp4' }]);
    const set = await buildSet({ mediaType: 'removable', volumeBytes: 64 * 1024 * 1024, format: 'folder', label: 'QL_FOLDER', markIds: [markId] });
    expect(set.state).toBe('built');
    const dir = isoOf(set);
    const ok = await run('sh', [path.join(dir, 'verify.sh')]);
    expect(ok.stdout).toContain('ALL OK');
    const dl = await s('custodian A').request('GET', `/api/media-volumes/${set.volumes[0]!.id}/image`);
    expect([dl.statusCode, dl.headers['content-type']]).toEqual([200, 'application/zip']);
    expect(dl.rawPayload.subarray(0, 2).toString()).toBe('PK');
  }, 120_000);

  test('bad input and access: disc with a size, folder disc, bad label, unapproved mark, other department', async () => {
    const rec = await storeRecording(ctx, { bytes: randomBytes(100), departmentId: deptA, uploadedBy: custodianId });
    const pending = await propose(s('officer A'), [rec.id], 'incident');
    const c = s('custodian A');
    const cases: [Record<string, unknown>, number, string?][] = [
      [{ mediaType: 'dvd', volumeBytes: 5_000_000, label: 'X' }, 400],
      [{ mediaType: 'cd', format: 'folder', label: 'X' }, 400],
      [{ mediaType: 'removable', label: 'X' }, 400],
      [{ mediaType: 'dvd', label: 'lower case' }, 400],
      [{ mediaType: 'dvd', label: 'X', markIds: [pending] }, 400, 'MEDIA_NOTHING_TO_BURN'],
      [{ mediaType: 'dvd', label: 'X', markIds: ['00000000-0000-4000-8000-000000000000'] }, 404],
    ];
    for (const [body, status, code] of cases) {
      const r = await c.request('POST', '/api/media-sets', body);
      expect([JSON.stringify(body), r.statusCode]).toEqual([JSON.stringify(body), status]);
      if (code) expect(r.json().code).toBe(code);
    }
    expect((await s('leader A').request('POST', '/api/media-sets', { mediaType: 'dvd', label: 'X' })).statusCode).toBe(403);
    expect((await s('officer A').request('POST', '/api/media-sets', { mediaType: 'dvd', label: 'X' })).statusCode).toBe(403);
    await approve(s('leader A'), pending);
    // Custodian B cannot put A's recordings on a set (as if unknown), and sees none of A's sets.
    expect((await s('custodian B').request('POST', '/api/media-sets', { mediaType: 'dvd', label: 'X', markIds: [pending] })).statusCode).toBe(404);
    expect((await s('custodian B').request('GET', '/api/media-sets')).json().items).toEqual([]);
  });

  test('check round: at least 10 % of media (rounded up) even when none is due', async () => {
    const r = await s('custodian A').request('GET', '/api/media/check-round');
    expect(r.statusCode).toBe(200);
    const total = (await s('custodian A').request('GET', '/api/media')).json().items.length;
    expect(r.json().items.length).toBeGreaterThanOrEqual(Math.ceil(total * 0.1));
    expect(r.json().items.length).toBeGreaterThanOrEqual(1);
  });
});
