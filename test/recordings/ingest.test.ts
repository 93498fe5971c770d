import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { jobCatalog } from '../../src/app/jobs.ts';
import { startJobRunner } from '../../src/platform/jobs/runner.ts';
import { makeClip } from '../support/media-fixtures.ts';
import { createTestApp, login, makeDepartment, makePerson, makeUser, type Session, type TestContext } from '../support/harness.ts';
import { tusUpload } from '../support/tus-client.ts';

let ctx: TestContext;
let base: string;
let officer: Session;
let headers: Record<string, string>;
let departmentId: string;
let personId: string;

beforeAll(async () => {
  ctx = await createTestApp();
  base = await ctx.app.listen({ port: 0, host: '127.0.0.1' });
  const dept = await makeDepartment(ctx.db, { name: '商务综合执法支队' });
  departmentId = dept.id;
  const person = await makePerson(ctx.db, { departmentId, name: '张三' });
  personId = person.id;
  const u = await makeUser(ctx.db, { roles: ['officer'], departmentId, personId });
  officer = await login(ctx.app, u.username, u.password);
  headers = { cookie: officer.cookie, 'x-csrf-token': officer.csrf };
});
afterAll(() => ctx.close());

const meta = (o: Record<string, unknown> = {}) =>
  JSON.stringify({
    departmentId,
    officerIds: [personId],
    deviceNumber: 'DSJ1234567',
    recordedStart: '2026-11-27T01:30:12Z',
    recordedEnd: '2026-11-27T01:30:14Z',
    activity: 'investigation',
    party: '某某商贸有限公司',
    caseName: '某某商贸有限公司未按规定备案案',
    partyInformed: 'yes',
    ...o,
  });
const sha256Of = async (f: string) => createHash('sha256').update(await readFile(f)).digest('hex');
const sm3Of = async (f: string) => createHash('sm3').update(await readFile(f)).digest('hex');
const fileCopy = async (name: string, content: Buffer) => {
  const f = path.join(ctx.dataDir, `${randomBytes(4).toString('hex')}-${name}`);
  await writeFile(f, content);
  return f;
};
const count = async (table: 'original' | 'recording' | 'upload') => Number((await sql<{ n: string }>`SELECT count(*) AS n FROM ${sql.table(table)}`.execute(ctx.db)).rows[0]!.n);
/** A clip of its own for one test (the length makes the bytes differ), so no test depends on another's upload. */
const ownClip = (seconds: number) => makeClip(path.join(ctx.dataDir, `DSJ1234567_000123_20261127093012_${seconds}s.mp4`), { seconds });
/** Uploads random bytes as a new recording; its id and hash. */
async function storedFile(name: string, size = 20_000) {
  const f = await fileCopy(name, randomBytes(size));
  const r = await tusUpload(base, f, { filename: name, metadata: meta() }, headers);
  expect(r.ok, r.body).toBe(true);
  return { file: f, recordingId: r.headers['X-Recording-Id']!, sha256: r.headers['X-Content-SHA256']! };
}
const runMediaJobs = async () => {
  const worker = await startJobRunner(ctx.deps, jobCatalog, { background: false });
  try {
    await worker.drain();
  } finally {
    await worker.stop();
  }
};
const uploadIdOf = (url: string) => new URL(url, base).pathname.split('/').pop()!;

/**
 * Every test makes its own uploads (issue 7 §6: no test relies on what an earlier one stored), so any one of
 * them runs alone (`-t`) with the same result.
 */
describe('ingest', () => {
  test('a clip uploads with its metadata; the server computes SHA-256 and SM3 from the stored bytes and checks the client hash', async () => {
    const clip = await ownClip(2);
    const sha = await sha256Of(clip);
    const r = await tusUpload(base, clip, { filename: path.basename(clip), sha256: sha, metadata: meta() }, headers);
    expect(r.ok, r.body).toBe(true);
    expect(r.headers['X-Upload-State']).toBe('stored');
    expect(r.headers['X-Content-SHA256']).toBe(sha);
    expect(r.headers['X-Content-SM3']).toBe(await sm3Of(clip));
    const recordingId = r.headers['X-Recording-Id']!;
    const rec = (await officer.request('GET', `/api/recordings/${recordingId}`)).json();
    expect(rec).toMatchObject({
      fileName: 'DSJ1234567_000123_20261127093012_2s.mp4',
      deviceNumber: 'DSJ1234567',
      activity: 'investigation',
      officers: [{ id: personId, name: '张三' }],
      original: { sha256: sha, sizeBytes: (await stat(clip)).size },
      media: { state: 'pending' },
    });
    // Stored read-only under its hash.
    const stored = ctx.deps.storage.localPath!(sha);
    expect((await stat(stored)).mode & 0o222).toBe(0);
    expect(await sha256Of(stored)).toBe(sha);
    const events = await ctx.db.selectFrom('audit_event').selectAll().where('target_id', '=', recordingId).execute();
    expect(events.map((e) => e.action)).toEqual(['recording.create']);
  });

  test('processing gives an H.264 proxy and a thumbnail; the thumbnail read is audited', async () => {
    const clip = await ownClip(3);
    const r = await tusUpload(base, clip, { filename: path.basename(clip), metadata: meta() }, headers);
    expect(r.ok, r.body).toBe(true);
    const recordingId = r.headers['X-Recording-Id']!;
    await runMediaJobs();
    const rec = (await officer.request('GET', `/api/recordings/${recordingId}`)).json();
    expect(rec.media).toMatchObject({ state: 'ready', kind: 'video', videoCodec: 'h264', width: 320, height: 240, hasProxy: true, hasThumbnail: true });
    const thumb = await officer.request('GET', `/api/recordings/${recordingId}/thumbnail`);
    expect(thumb.statusCode).toBe(200);
    expect(thumb.headers['content-type']).toBe('image/jpeg');
    expect(thumb.rawPayload.subarray(0, 2).toString('hex')).toBe('ffd8');
    const last = await ctx.db.selectFrom('audit_event').selectAll().where('target_id', '=', recordingId).orderBy('seq', 'desc').limit(1).executeTakeFirstOrThrow();
    expect(last.action).toBe('recording.thumbnail.read');
  });

  test('the same bytes again are linked to the existing recording, not stored twice, and audited', async () => {
    const first = await storedFile('twice.mp4');
    const before = await count('original');
    const r = await tusUpload(base, first.file, { filename: 'copy-of-twice.mp4', metadata: meta() }, headers);
    expect(r.ok, r.body).toBe(true);
    expect(r.headers['X-Upload-State']).toBe('duplicate');
    expect(r.headers['X-Recording-Id']).toBe(first.recordingId);
    expect(await count('original')).toBe(before);
    const dup = await ctx.db.selectFrom('audit_event').selectAll().where('action', '=', 'recording.duplicate').where('target_id', '=', first.recordingId).execute();
    expect(dup).toHaveLength(1);
    expect(existsSync(path.join(ctx.dataDir, 'uploads', uploadIdOf(r.url!)))).toBe(false);
  });

  test('a client hash that does not match is rejected with a clear error; the bytes are kept aside, not stored', async () => {
    const f = await fileCopy('x.mp4', randomBytes(50_000));
    const before = await count('original');
    const r = await tusUpload(base, f, { filename: 'x.mp4', sha256: 'a'.repeat(64), metadata: meta() }, headers);
    expect(r.ok).toBe(false);
    expect(r.status).toBe(422);
    expect(JSON.parse(r.body!)).toMatchObject({ code: 'HASH_MISMATCH' });
    expect(JSON.parse(r.body!).message).toContain(await sha256Of(f));
    expect(await count('original')).toBe(before);
    const actual = await sha256Of(f);
    const rejected = await readdir(path.join(ctx.dataDir, 'store', 'rejected'));
    expect(rejected.filter((n) => n.endsWith(actual))).toHaveLength(1);
    expect(await ctx.deps.storage.exists(actual)).toBe(false);
    const up = (await sql<{ state: string; error_code: string }>`SELECT state, error_code FROM upload WHERE id = ${uploadIdOf(r.url!)}`.execute(ctx.db)).rows[0];
    expect(up).toEqual({ state: 'rejected', error_code: 'HASH_MISMATCH' });
  });

  test('the database refuses to change or delete an original or a recording identity, even to its owner role', async () => {
    // Rows to refuse changes to (row triggers fire only on rows), made here rather than by an earlier test.
    await storedFile('identity.mp4');
    // As the owner: the serving role lacks these privileges altogether (test/db/least-privilege.test.ts).
    const owner = ctx.ownerDb;
    await expect(sql`UPDATE original SET sm3 = ${'0'.repeat(64)}`.execute(owner)).rejects.toThrow(/QUANLU_WRITE_ONCE/);
    await expect(sql`UPDATE original SET size_bytes = 1`.execute(owner)).rejects.toThrow(/QUANLU_WRITE_ONCE/);
    await expect(sql`DELETE FROM original`.execute(owner)).rejects.toThrow(/QUANLU_WRITE_ONCE/);
    await expect(sql`TRUNCATE original CASCADE`.execute(owner)).rejects.toThrow(/append-only/);
    await expect(sql`TRUNCATE recording CASCADE`.execute(owner)).rejects.toThrow(/append-only/);
    await expect(sql`UPDATE recording SET file_name = 'renamed.mp4'`.execute(owner)).rejects.toThrow(/QUANLU_WRITE_ONCE/);
    await expect(sql`UPDATE recording SET uploaded_at = now() - interval '1 day'`.execute(owner)).rejects.toThrow(/QUANLU_WRITE_ONCE/);
    await expect(sql`DELETE FROM recording`.execute(owner)).rejects.toThrow(/QUANLU_WRITE_ONCE/);
    // The serving role may still edit what a recording says (descriptive metadata).
    await sql`UPDATE recording SET notes = notes`.execute(ctx.db);
  });

  test('a byte flipped in the stored object behind the system is reported by verify', async () => {
    const { sha256: sha } = await storedFile('flip.mp4');
    const p = ctx.deps.storage.localPath!(sha);
    expect((await ctx.deps.storage.verify(sha)).ok).toBe(true);
    await chmod(p, 0o644);
    const bytes = await readFile(p);
    bytes[1000] = bytes[1000]! ^ 0xff;
    await writeFile(p, bytes);
    expect(await ctx.deps.storage.verify(sha)).toMatchObject({ ok: false, error: 'sha256-mismatch' });
  });

  test('metadata edits keep their history in the audit chain; hashes never change', async () => {
    const { recordingId, sha256 } = await storedFile('edit.mp4');
    const res = await officer.request('PATCH', `/api/recordings/${recordingId}`, { party: '某某商贸有限公司（更正）', partyInformed: 'no', partyInformedReason: '当事人拒绝沟通' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().original.sha256).toBe(sha256);
    const ev = await ctx.db.selectFrom('audit_event').selectAll().where('action', '=', 'recording.update').where('target_id', '=', recordingId).executeTakeFirstOrThrow();
    expect(ev.details).toMatchObject({ before: { party: '某某商贸有限公司', partyInformed: 'yes' }, after: { party: '某某商贸有限公司（更正）', partyInformed: 'no' } });
    const bad = await officer.request('PATCH', `/api/recordings/${recordingId}`, { partyInformed: 'no', partyInformedReason: null });
    expect(bad.statusCode).toBe(400);
    const other = await makeUser(ctx.db, { roles: ['officer'], departmentId });
    const s = await login(ctx.app, other.username, other.password);
    expect((await s.request('PATCH', `/api/recordings/${recordingId}`, { notes: '不是我的' })).statusCode).toBe(403);
  });
});

describe('bad input gives a clear error, nothing partial is visible, nothing else is lost', () => {
  const refused = async (file: string, metadata: Record<string, string>, status: number, code: string) => {
    const before = { o: await count('original'), r: await count('recording') };
    const r = await tusUpload(base, file, metadata, headers);
    expect(r.ok).toBe(false);
    expect(r.status, r.body).toBe(status);
    const body = JSON.parse(r.body!);
    expect(body.code).toBe(code);
    expect(body.message.length).toBeGreaterThan(3);
    expect({ o: await count('original'), r: await count('recording') }).toEqual(before);
    return body;
  };
  test('zero-byte file', async () => {
    await refused(await fileCopy('empty.mp4', Buffer.alloc(0)), { filename: 'empty.mp4', metadata: meta() }, 400, 'EMPTY_FILE');
  });
  test('hostile and broken file names', async () => {
    const f = await fileCopy('n.mp4', randomBytes(1000));
    await refused(f, { filename: '../../etc/passwd.mp4', metadata: meta() }, 400, 'FILE_NAME_INVALID');
    await refused(f, { filename: 'a\u0000b.mp4', metadata: meta() }, 400, 'FILE_NAME_INVALID');
    // A direction override disguises the extension (shows as "evilexe.mp4"); zero-width and C1 characters hide.
    await refused(f, { filename: 'evil\u202e4pm.exe', metadata: meta() }, 400, 'FILE_NAME_INVALID');
    await refused(f, { filename: 'a\u200bb.mp4', metadata: meta() }, 400, 'FILE_NAME_INVALID');
    await refused(f, { filename: 'a\u0085b.mp4', metadata: meta() }, 400, 'FILE_NAME_INVALID');
    await refused(f, { filename: `${'长'.repeat(100)}.mp4`, metadata: meta() }, 400, 'FILE_NAME_INVALID');
    await refused(f, { metadata: meta() }, 400, 'FILE_NAME_INVALID');
  });
  test('a Chinese file name is kept as it is', async () => {
    const f = await fileCopy('cn.mp4', randomBytes(2000));
    const r = await tusUpload(base, f, { filename: '现场检查 第1段.mp4', metadata: meta() }, headers);
    expect(r.ok, r.body).toBe(true);
    const rec = (await officer.request('GET', `/api/recordings/${r.headers['X-Recording-Id']}`)).json();
    expect(rec.fileName).toBe('现场检查 第1段.mp4');
  });
  test('missing or invalid metadata', async () => {
    const f = await fileCopy('m.mp4', randomBytes(1000));
    await refused(f, { filename: 'm.mp4' }, 400, 'UPLOAD_METADATA_MISSING');
    await refused(f, { filename: 'm.mp4', metadata: '{not json' }, 400, 'VALIDATION_FAILED');
    const body = await refused(f, { filename: 'm.mp4', metadata: JSON.stringify({ departmentId }) }, 400, 'VALIDATION_FAILED');
    expect(Object.keys(body.fields)).toEqual(expect.arrayContaining(['officerIds', 'recordedStart', 'activity', 'partyInformed']));
  });
  test('an officer without a valid certificate at the recording time', async () => {
    const expired = await makePerson(ctx.db, { departmentId, name: '李四', certificate: { number: 'OLD-1', validUntil: '2025-12-31' } });
    const f = await fileCopy('q.mp4', randomBytes(1000));
    const body = await refused(f, { filename: 'q.mp4', metadata: meta({ officerIds: [expired.id] }) }, 422, 'OFFICER_NOT_QUALIFIED');
    expect(body.message).toContain('李四');
    expect(body.message).toContain('2025-12-31');
  });
  test('a text file renamed .mp4 is kept as an original and marked not processable', async () => {
    const txt = await fileCopy('notes.mp4', Buffer.from('这不是视频文件 — this is not a video\n'.repeat(50)));
    const t = await tusUpload(base, txt, { filename: 'notes.mp4', metadata: meta() }, headers);
    expect(t.ok, t.body).toBe(true);
    await runMediaJobs();
    const text = (await officer.request('GET', `/api/recordings/${t.headers['X-Recording-Id']}`)).json();
    expect(text.media.state).toBe('not_processable');
    expect(text.media.error).toBeTruthy();
    expect(await ctx.deps.storage.exists(text.original.sha256)).toBe(true);
  });

  test('an MP4 cut off part-way (its index, written last, is lost) is kept as an original and marked not processable', async () => {
    // A camera writes the MP4 index (moov) at the end, as ffmpeg does by default: a file cut at 30% has none.
    const whole = await readFile(await ownClip(4));
    const cut = await fileCopy('cut.mp4', whole.subarray(0, Math.floor(whole.length * 0.3)));
    const c = await tusUpload(base, cut, { filename: 'cut.mp4', metadata: meta() }, headers);
    expect(c.ok, c.body).toBe(true);
    await runMediaJobs();
    const truncated = (await officer.request('GET', `/api/recordings/${c.headers['X-Recording-Id']}`)).json();
    expect(truncated.media.state).toBe('not_processable');
    expect(truncated.media.error).toMatch(/moov atom not found/);
    expect(truncated.media.hasProxy).toBe(false);
    expect(await ctx.deps.storage.exists(truncated.original.sha256)).toBe(true);
  });

  test('another user can neither resume (PATCH), probe (HEAD) nor cancel (DELETE) my upload; it stays mine and intact', async () => {
    const f = await fileCopy('p.mp4', randomBytes(300_000));
    const r = await tusUpload(base, f, { filename: 'p.mp4', metadata: meta() }, headers, { stopAfterBytes: 1, chunkSize: 100_000 });
    expect(r.url).toBeTruthy();
    const url = new URL(r.url!, base).toString();
    const offsetOf = async (h: Record<string, string>) => (await fetch(url, { method: 'HEAD', headers: { 'tus-resumable': '1.0.0', ...h } })).headers.get('upload-offset');
    // Where the owner's bytes stop (0 if the connection dropped before any landed): the offset a resume sends.
    const offset = await offsetOf(headers);
    expect(offset).toMatch(/^\d+$/);

    const other = await makeUser(ctx.db, { roles: ['officer'], departmentId });
    const s = await login(ctx.app, other.username, other.password);
    const theirs = { cookie: s.cookie, 'x-csrf-token': s.csrf, 'tus-resumable': '1.0.0' };
    const patch = await fetch(url, {
      method: 'PATCH',
      headers: { ...theirs, 'upload-offset': offset!, 'content-type': 'application/offset+octet-stream' },
      body: randomBytes(200_000),
    });
    expect(patch.status).toBe(404);
    expect((await patch.json()).code).toBe('UPLOAD_NOT_FOUND');
    expect((await fetch(url, { method: 'HEAD', headers: theirs })).status).toBe(404);
    const del = await fetch(url, { method: 'DELETE', headers: theirs });
    expect(del.status).toBe(404);

    // Nothing of theirs reached it: same offset, same bytes on disk, still receiving, and it finishes as mine.
    expect(await offsetOf(headers)).toBe(offset);
    const id = uploadIdOf(url);
    expect((await stat(path.join(ctx.dataDir, 'uploads', id))).size).toBe(Number(offset));
    expect((await sql<{ state: string }>`SELECT state FROM upload WHERE id = ${id}`.execute(ctx.db)).rows[0]!.state).toBe('receiving');
    const done = await tusUpload(base, f, { filename: 'p.mp4', metadata: meta() }, headers, { uploadUrl: url });
    expect(done.ok, done.body).toBe(true);
    expect(done.headers['X-Content-SHA256']).toBe(await sha256Of(f));
  });
});

test('an upload needs a login and the upload permission', async () => {
  const f = await fileCopy('a.mp4', randomBytes(100));
  const anon = await tusUpload(base, f, { filename: 'a.mp4', metadata: meta() }, {});
  expect(anon.status).toBe(401);
  const admin = await makeUser(ctx.db, { roles: ['admin'] });
  const s = await login(ctx.app, admin.username, admin.password);
  const res = await tusUpload(base, f, { filename: 'a.mp4', metadata: meta() }, { cookie: s.cookie, 'x-csrf-token': s.csrf });
  expect(res.status).toBe(403);
  const noCsrf = await tusUpload(base, f, { filename: 'a.mp4', metadata: meta() }, { cookie: officer.cookie });
  expect(noCsrf.status).toBe(403);
});
