/**
 * Upload findings of issue 6, attacked as an officer of another department would (item 1) and as another
 * user of the server machine would (item 7). Expected outcomes are written out, step by step.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createApiTokenForTest, createTestApp, makeDepartment, makePerson, makeUser, type TestContext } from '../support/harness.ts';
import { tusUpload, type TusOutcome } from '../support/tus-client.ts';

let ctx: TestContext;
let base: string;
const dept: Record<'X' | 'A' | 'B' | 'Asub', string> = { X: '', A: '', B: '', Asub: '' };
/** Uploaders: officers of 一大队 (A1, A2), of 二大队 (B1), and 一大队's custodian (CA), who files into its sub-unit too. */
const who: Record<'A1' | 'A2' | 'B1' | 'CA' | 'CX', { headers: Record<string, string>; personId: string; userId: string }> = {} as never;

beforeAll(async () => {
  ctx = await createTestApp();
  base = await ctx.app.listen({ port: 0, host: '127.0.0.1' });
  const X = (await makeDepartment(ctx.db, { kind: 'bureau', name: '商务综合执法支队' })).id;
  dept.X = X;
  dept.A = (await makeDepartment(ctx.db, { parentId: X, name: '一大队' })).id;
  dept.B = (await makeDepartment(ctx.db, { parentId: X, name: '二大队' })).id;
  dept.Asub = (await makeDepartment(ctx.db, { parentId: dept.A, name: '一大队一中队' })).id;
  const make = async (roles: ['officer'] | ['custodian'], departmentId: string) => {
    const person = await makePerson(ctx.db, { departmentId });
    const user = await makeUser(ctx.db, { roles, departmentId, personId: person.id });
    return { headers: { authorization: `Bearer ${await createApiTokenForTest(ctx, user)}` }, personId: person.id, userId: user.id };
  };
  who.A1 = await make(['officer'], dept.A);
  who.A2 = await make(['officer'], dept.A);
  who.B1 = await make(['officer'], dept.B);
  who.CA = await make(['custodian'], dept.A);
  who.CX = await make(['custodian'], dept.X);
});
afterAll(() => ctx.close());

async function bytesFile(size = 200_000) {
  const f = path.join(ctx.dataDir, `clip-${randomBytes(4).toString('hex')}.mp4`);
  await writeFile(f, randomBytes(size));
  return f;
}

const metadataFor = (uploader: keyof typeof who, into: keyof typeof dept, party: string) =>
  JSON.stringify({ departmentId: dept[into], officerIds: [who[uploader].personId], recordedStart: '2026-03-10T01:00:00Z', activity: 'investigation', party, partyInformed: 'yes' });

const upload = (file: string, uploader: keyof typeof who, into: keyof typeof dept, party: string) =>
  tusUpload(base, file, { filename: path.basename(file), metadata: metadataFor(uploader, into, party) }, who[uploader].headers);

const recordingsOf = async (sha: string) =>
  (
    await sql<{ id: string; department_id: string; party: string; uploaded_by: string }>`
      SELECT id, department_id, party, uploaded_by FROM recording WHERE original_sha256 = ${sha} ORDER BY created_at`.execute(ctx.db)
  ).rows;
const originals = async (sha: string) => Number((await sql<{ n: string }>`SELECT count(*) AS n FROM original WHERE sha256 = ${sha}`.execute(ctx.db)).rows[0]!.n);
const everythingSaid = (r: TusOutcome) => JSON.stringify([r.headers, r.body ?? '']);

describe('item 1: the same bytes uploaded in another department become that department\'s own recording', () => {
  test('step by step: each department keeps its own recording and metadata; the same department gets a duplicate', async () => {
    const file = await bytesFile();
    // uploader, into, party, → state, which recording (a name for a new one, or an earlier name)
    const steps = [
      ['A1', 'A', '甲公司', 'stored', 'rA'],
      ['B1', 'B', '乙公司', 'stored', 'rB'], // first uploader (A) does not decide who holds the evidence
      ['A2', 'A', '丙公司', 'duplicate', 'rA'], // same department: the recording already there
      ['B1', 'B', '丁公司', 'duplicate', 'rB'],
      ['CA', 'Asub', '戊公司', 'stored', 'rAsub'], // a sub-department files its own
    ] as const;
    const named: Record<string, string> = {};
    const said: Record<string, string[]> = { A1: [], A2: [], B1: [], CA: [] };
    let sha = '';
    for (const [uploader, into, party, state, name] of steps) {
      const r = await upload(file, uploader, into, party);
      expect(r.ok, `${uploader}→${into}: ${r.body}`).toBe(true);
      expect(r.headers['X-Upload-State'], `${uploader}→${into}`).toBe(state);
      const id = r.headers['X-Recording-Id']!;
      if (state === 'stored') {
        expect(Object.values(named)).not.toContain(id);
        named[name] = id;
      } else expect(id).toBe(named[name]);
      sha = r.headers['X-Content-SHA256']!;
      said[uploader]!.push(everythingSaid(r));
      const result = await fetch(`${base}/api/upload-results/${new URL(r.url!, base).pathname.split('/').pop()}`, { headers: who[uploader].headers });
      said[uploader]!.push(await result.text());
    }
    // One original (the bytes stored once), three recordings, each with its department's metadata.
    expect(await originals(sha)).toBe(1);
    expect((await recordingsOf(sha)).map((r) => [r.id, r.department_id, r.party, r.uploaded_by])).toEqual([
      [named.rA, dept.A, '甲公司', who.A1.userId],
      [named.rB, dept.B, '乙公司', who.B1.userId],
      [named.rAsub, dept.Asub, '戊公司', who.CA.userId],
    ]);
    // 二大队 never hears of 一大队's recording, and cannot open it.
    expect(said.B1!.join()).not.toContain(named.rA);
    expect(said.B1!.join()).not.toContain(named.rAsub);
    expect((await fetch(`${base}/api/recordings/${named.rA}`, { headers: who.B1.headers })).status).toBe(404);
    expect((await fetch(`${base}/api/recordings/${named.rB}`, { headers: who.B1.headers })).status).toBe(200);
    // Both outcomes are audited: three recordings made (two of them sharing the original), two duplicates.
    const ev = (await sql<{ action: string; target_id: string; shared: string | null }>`
      SELECT action, target_id, details->>'sharedOriginal' AS shared FROM audit_event
      WHERE action IN ('recording.create', 'recording.duplicate') AND details->>'sha256' = ${sha} ORDER BY seq`.execute(ctx.db)).rows;
    expect(ev).toEqual([
      { action: 'recording.create', target_id: named.rA, shared: 'false' },
      { action: 'recording.create', target_id: named.rB, shared: 'true' },
      { action: 'recording.duplicate', target_id: named.rA, shared: null },
      { action: 'recording.duplicate', target_id: named.rB, shared: null },
      { action: 'recording.create', target_id: named.rAsub, shared: 'true' },
    ]);
    // One recording per original and department holds for edits too: moving 二大队's recording into 一大队,
    // which already files this footage, is a clear conflict, not a 500.
    const move = await fetch(`${base}/api/recordings/${named.rB}`, {
      method: 'PATCH',
      headers: { ...who.CX.headers, 'content-type': 'application/json' },
      body: JSON.stringify({ departmentId: dept.A }),
    });
    expect(move.status).toBe(409);
    expect(await move.json()).toMatchObject({ code: 'CONFLICT', fields: { departmentId: expect.stringContaining('同一原始文件') } });
  });

  test('the order of uploads does not matter: 二大队 first, then 一大队', async () => {
    const file = await bytesFile();
    const b = await upload(file, 'B1', 'B', '乙公司');
    const a = await upload(file, 'A1', 'A', '甲公司');
    expect([b.headers['X-Upload-State'], a.headers['X-Upload-State']]).toEqual(['stored', 'stored']);
    expect((await recordingsOf(b.headers['X-Content-SHA256']!)).map((r) => [r.id, r.department_id])).toEqual([
      [b.headers['X-Recording-Id'], dept.B],
      [a.headers['X-Recording-Id'], dept.A],
    ]);
  });

  test('at the same instant: two departments get a recording each; two officers of one department get one recording', async () => {
    const file = await bytesFile(3_000_000);
    const [a, b] = await Promise.all([upload(file, 'A1', 'A', '甲'), upload(file, 'B1', 'B', '乙')]);
    expect([a.headers['X-Upload-State'], b.headers['X-Upload-State']]).toEqual(['stored', 'stored']);
    expect(await originals(a.headers['X-Content-SHA256']!)).toBe(1);
    expect(await recordingsOf(a.headers['X-Content-SHA256']!)).toHaveLength(2);

    const same = await bytesFile(3_000_000);
    const both = await Promise.all([upload(same, 'A1', 'A', '甲'), upload(same, 'A2', 'A', '丙')]);
    expect(both.map((r) => r.headers['X-Upload-State']).sort()).toEqual(['duplicate', 'stored']);
    expect(both[0]!.headers['X-Recording-Id']).toBe(both[1]!.headers['X-Recording-Id']);
    expect(await recordingsOf(both[0]!.headers['X-Content-SHA256']!)).toHaveLength(1);
  });

  test('an uploader moved out of the department before finishing is refused, and told nothing of the recording there', async () => {
    const file = await bytesFile(600_000);
    const first = await upload(file, 'A1', 'A', '甲公司');
    const rA = first.headers['X-Recording-Id']!;
    // A third officer of 一大队 starts uploading the same bytes into 一大队 …
    const person = await makePerson(ctx.db, { departmentId: dept.A });
    const user = await makeUser(ctx.db, { roles: ['officer'], departmentId: dept.A, personId: person.id });
    const headers = { authorization: `Bearer ${await createApiTokenForTest(ctx, user)}` };
    const metadata = JSON.stringify({ departmentId: dept.A, officerIds: [person.id], recordedStart: '2026-03-10T01:00:00Z', activity: 'patrol', partyInformed: 'not_applicable' });
    const started = await tusUpload(base, file, { filename: 'moved.mp4', metadata }, headers, { stopAfterBytes: 1, chunkSize: 200_000 });
    // … is transferred to 二大队 (account and person), then sends the rest.
    await sql`UPDATE app_user SET department_id = ${dept.B} WHERE id = ${user.id}`.execute(ctx.db);
    await sql`UPDATE person SET department_id = ${dept.B} WHERE id = ${person.id}`.execute(ctx.db);
    const rest = await tusUpload(base, file, { filename: 'moved.mp4', metadata }, headers, { uploadUrl: started.url! });
    expect(rest.ok).toBe(false);
    expect(rest.status).toBeGreaterThanOrEqual(400);
    expect(rest.status).toBeLessThan(500);
    expect(everythingSaid(rest)).not.toContain(rA);
    const id = new URL(started.url!, base).pathname.split('/').pop()!;
    const row = (await sql<{ state: string; recording_id: string | null }>`SELECT state, recording_id FROM upload WHERE id = ${id}`.execute(ctx.db)).rows[0];
    expect(row).toEqual({ state: 'rejected', recording_id: null });
    expect(await recordingsOf(first.headers['X-Content-SHA256']!)).toHaveLength(1);
  });
});

describe('item 7: uploads in progress are private to the server, also when it runs as root', () => {
  test('folders 0700, upload bytes and metadata sidecars 0600; an older, open folder is tightened at start', async () => {
    const previous = process.umask(0o022); // root's usual umask: new files 0644 unless made otherwise
    const dataDir = await mkdtemp(path.join(tmpdir(), 'quanlu-modes-'));
    try {
      // What an earlier version left: open folders and a world-readable sidecar.
      await mkdir(path.join(dataDir, 'uploads'), { mode: 0o755 });
      await mkdir(path.join(dataDir, 'tmp'), { mode: 0o755 });
      await writeFile(path.join(dataDir, 'uploads', 'old.json'), '{"metadata":"party names"}', { mode: 0o644 });
      const app = await createTestApp({}, { dataDir, database: { url: ctx.dbUrl, db: ctx.db, drop: async () => undefined } });
      try {
        const modeOf = async (p: string) => (await stat(p)).mode & 0o777;
        expect(await modeOf(path.join(dataDir, 'uploads'))).toBe(0o700);
        expect(await modeOf(path.join(dataDir, 'tmp'))).toBe(0o700);
        expect(await modeOf(path.join(dataDir, 'uploads', 'old.json'))).toBe(0o600);

        const b = await app.app.listen({ port: 0, host: '127.0.0.1' });
        const file = await bytesFile(400_000);
        const r = await tusUpload(b, file, { filename: 'p.mp4', metadata: metadataFor('A1', 'A', '某某商贸有限公司') }, who.A1.headers, {
          stopAfterBytes: 1,
          chunkSize: 100_000,
        });
        const id = new URL(r.url!, b).pathname.split('/').pop()!;
        // The sidecar holds the recording's metadata in clear (the party's name): why it must be private.
        expect(await readFile(path.join(dataDir, 'uploads', `${id}.json`), 'utf8')).toContain('某某商贸有限公司');
        const modes = Object.fromEntries(await Promise.all((await readdir(path.join(dataDir, 'uploads'))).map(async (n) => [n, await modeOf(path.join(dataDir, 'uploads', n))])));
        expect(modes).toEqual({ [id]: 0o600, [`${id}.json`]: 0o600, 'old.json': 0o600 });
      } finally {
        await app.close();
      }
    } finally {
      process.umask(previous);
      await chmod(dataDir, 0o700);
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
