/**
 * Issue 13 §5 (第十三条, 第二十条): an evidence package of a case with three clips and its case file, under an
 * approved copy grant — built by the job, downloaded (audited), unzipped with Info-ZIP, and checked with
 * independent code: bag structure, both manifests against node:crypto's SHA-256 and SM3, Payload-Oxum, the
 * evidence list's Chinese fields (pdftotext), every event's hash and every .tlog-proof to the signed checkpoint
 * (RFC 9162 inclusion, checked below from the RFC). No grant → 404; delivery against a deadline recorded.
 */
import { createHash, createPublicKey } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { canonicalJson } from '../../src/platform/audit/audit-chain.ts';
import { openNote, verifierFromVkey } from '../../src/modules/tlog/note.ts';
import { createTestApp, login, makePerson, makeUser, type Session, type TestContext } from '../support/harness.ts';
import { makeClip } from '../support/media-fixtures.ts';
import { fileCase, generalCase, makeTeam } from '../cases/case-fixtures.ts';
import { grantAccess, type PlaybackWorld } from '../playback/playback-fixtures.ts';
import { packageEvents, registerRecording, runBuilds } from './package-fixtures.ts';
import { verifyCommand } from '../../src/cli/verify.command.ts';
import { sm2VerifySpki } from '../../src/modules/verify/core/sm2.ts';
import { keyIdOf, SM2_TYPE } from '../../src/modules/verify/core/tlog.ts';

const run = promisify(execFile);
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const sm3 = (b: Buffer) => createHash('sm3').update(b).digest('hex');
const squash = (s: string) => s.replace(/\s+/g, '');

/** RFC 9162 §2.1.3.2 inclusion proof verification, written here from the RFC (not the product's merkle.ts). */
function rfcVerifyInclusion(index: number, size: number, leaf: Buffer, proof: Buffer[], root: Buffer): boolean {
  if (index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  const node = (a: Buffer, b: Buffer) => createHash('sha256').update(Buffer.from([1])).update(a).update(b).digest();
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = node(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else r = node(r, p);
    fn >>= 1;
    sn >>= 1;
  }
  return sn === 0 && r.equals(root);
}

let ctx: TestContext;
let t: Awaited<ReturnType<typeof makeTeam>>;
let w: PlaybackWorld;
let caseId: string;
let caseNumber: string;
const clips: { id: string; sha256: string; sm3: string; size: number; bytes: Buffer; fileName: string }[] = [];

beforeAll(async () => {
  ctx = await createTestApp();
  t = await makeTeam(ctx, { roles: ['officer'], asOfficer: true });
  const leader = await makeUser(ctx.db, { roles: ['leader'], departmentId: t.dept.id });
  w = { departmentId: t.dept.id, uploaderId: t.user.id, leaderId: leader.id };
  const c = await fileCase(t.session, { ...generalCase(t.dept.id, [t.p1.id, t.p2.id]), filedOn: '2026-11-02' });
  caseId = c.id;
  caseNumber = c.caseNumber;
  for (let i = 1; i <= 3; i++) {
    const file = await makeClip(path.join(ctx.dataDir, `clip-${i}.mp4`), { seconds: i, size: '320x240' });
    const fileName = i === 2 ? '现场检查 02.mp4' : `DSJ_000${i}.mp4`;
    const r = await registerRecording(ctx, { file, fileName, departmentId: t.dept.id, uploadedBy: t.user.id, officerIds: [t.p1.id], deviceNumber: `DSJ-${i}`, recordedStart: `2026-11-0${i + 2}T02:00:00Z` });
    clips.push({ ...r, bytes: await readFile(file), fileName });
    const link = await t.session.request('POST', `/api/cases/${caseId}/links`, { recordingId: r.id, stage: 'filing', note: `证明当事人经营行为（第${i}段）` });
    expect(link.statusCode, link.body).toBe(201);
  }
  const build = await t.session.request('POST', `/api/cases/${caseId}/case-file/builds`);
  expect(build.statusCode, build.body).toBe(201);
}, 120_000);
afterAll(() => ctx.close());

interface View {
  id: string;
  state: string;
  bytesTotal: number;
  bytesDone: number;
  fileSize: number | null;
  sha256: string | null;
  error: string | null;
  downloadUrl: string | null;
}

async function walk(dir: string, base = dir): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(p, base)));
    else out.push(path.relative(base, p));
  }
  return out.sort();
}

const parseManifest = (text: string) =>
  new Map(
    text
      .trimEnd()
      .split('\n')
      .map((l) => {
        const m = /^([0-9a-f]{64})  (.+)$/.exec(l);
        expect(m, l).not.toBeNull();
        return [m![2]!, m![1]!] as const;
      }),
  );

describe('a case package', () => {
  let pkg: View;
  let bagDir: string;
  let zipFile: string;

  test('built by the job under a copy grant, downloaded (audited), a BagIt bag whose manifests hold', async () => {
    await grantAccess(ctx, w, t.user.id, clips.map((c) => c.id), 'copy');
    const res = await t.session.request('POST', '/api/evidence-packages', { caseId });
    expect(res.statusCode, res.body).toBe(202);
    pkg = res.json() as View;
    expect(pkg.state).toBe('queued');
    expect(pkg.bytesTotal).toBe(clips.reduce((a, c) => a + c.size, 0));
    expect(await runBuilds(ctx)).toBe(1);
    pkg = (await t.session.request('GET', `/api/evidence-packages/${pkg.id}`)).json() as View;
    expect(pkg.error).toBeNull();
    expect(pkg.state).toBe('ready');
    // Progress: every streamed byte counted (the originals and the case file PDF).
    expect(pkg.bytesDone).toBe(pkg.bytesTotal);

    const dl = await t.session.request('GET', pkg.downloadUrl!);
    expect(dl.statusCode).toBe(200);
    expect(dl.headers['content-type']).toBe('application/zip');
    expect(dl.rawPayload.length).toBe(pkg.fileSize);
    expect(sha256(dl.rawPayload)).toBe(pkg.sha256);
    const downloads = await packageEvents(ctx, pkg.id, 'evidence_package.download');
    expect(downloads).toEqual([{ actor_id: t.user.id, details: { caseId, bytes: pkg.fileSize, sha256: pkg.sha256 } }]);

    const work = path.join(ctx.dataDir, 'unzipped');
    await mkdir(work, { recursive: true });
    zipFile = path.join(work, 'p.zip');
    await writeFile(zipFile, dl.rawPayload);
    await run('unzip', ['-q', zipFile, '-d', path.join(work, 'x')]);
    const top = await readdir(path.join(work, 'x'));
    expect(top).toEqual([`quanlu-evidence-${pkg.id}`]);
    bagDir = path.join(work, 'x', top[0]!);

    const files = await walk(bagDir);
    const payload = files.filter((f) => f.startsWith('data/'));
    const tags = files.filter((f) => !f.startsWith('data/'));
    // verify.html comes from the verify module, not bundled in this build (see the report).
    expect(tags.filter((f) => f !== 'verify.html')).toEqual(['bag-info.txt', 'bagit-profile.json', 'bagit.txt', 'manifest-sha256.txt', 'manifest-sm3.txt', 'tagmanifest-sha256.txt', 'tagmanifest-sm3.txt']);
    expect(await readFile(path.join(bagDir, 'bagit.txt'), 'utf8')).toBe('BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n');

    // Both payload manifests name exactly the payload files, with hashes computed here from the extracted bytes.
    const m256 = parseManifest(await readFile(path.join(bagDir, 'manifest-sha256.txt'), 'utf8'));
    const mSm3 = parseManifest(await readFile(path.join(bagDir, 'manifest-sm3.txt'), 'utf8'));
    expect([...m256.keys()].sort()).toEqual(payload);
    expect([...mSm3.keys()].sort()).toEqual(payload);
    let bytes = 0;
    for (const f of payload) {
      const b = await readFile(path.join(bagDir, f));
      bytes += b.length;
      expect(m256.get(f), f).toBe(sha256(b));
      expect(mSm3.get(f), f).toBe(sm3(b));
    }
    // Tag manifests: every tag file but themselves.
    const t256 = parseManifest(await readFile(path.join(bagDir, 'tagmanifest-sha256.txt'), 'utf8'));
    const tSm3 = parseManifest(await readFile(path.join(bagDir, 'tagmanifest-sm3.txt'), 'utf8'));
    const tagged = tags.filter((f) => !f.startsWith('tagmanifest-'));
    expect([...t256.keys()].sort()).toEqual(tagged);
    expect([...tSm3.keys()].sort()).toEqual(tagged);
    for (const f of tagged) {
      const b = await readFile(path.join(bagDir, f));
      expect(t256.get(f)).toBe(sha256(b));
      expect(tSm3.get(f)).toBe(sm3(b));
    }

    // The originals, byte for byte, numbered in recording order; the case file PDF; custody reports.
    expect(payload.filter((f) => f.startsWith('data/originals/'))).toEqual(['data/originals/01-DSJ_0001.mp4', 'data/originals/02-现场检查 02.mp4', 'data/originals/03-DSJ_0003.mp4']);
    for (const [i, c] of clips.entries()) {
      const f = ['data/originals/01-DSJ_0001.mp4', 'data/originals/02-现场检查 02.mp4', 'data/originals/03-DSJ_0003.mp4'][i]!;
      expect((await readFile(path.join(bagDir, f))).equals(c.bytes)).toBe(true);
    }
    expect(payload.filter((f) => f.startsWith('data/case-file/'))).toEqual([`data/case-file/${caseNumber}.pdf`]);
    expect(payload.filter((f) => f.startsWith('data/custody/'))).toEqual(['data/custody/01-custody.pdf', 'data/custody/02-custody.pdf', 'data/custody/03-custody.pdf']);

    // bag-info.txt
    const info = Object.fromEntries(
      (await readFile(path.join(bagDir, 'bag-info.txt'), 'utf8'))
        .trimEnd()
        .split('\n')
        .map((l) => [l.slice(0, l.indexOf(': ')), l.slice(l.indexOf(': ') + 2)]),
    );
    const checkpoint = await readFile(path.join(bagDir, 'data/proof/checkpoint.txt'), 'utf8');
    expect(info).toMatchObject({
      'Source-Organization': '市商务局商务综合执法支队',
      'Payload-Oxum': `${bytes}.${payload.length}`,
      'External-Identifier': caseNumber,
      'BagIt-Profile-Identifier': 'https://quanlu.invalid/bagit-profile/evidence-v1.json',
      'QuanLu-Package-Id': pkg.id,
      'QuanLu-Log-Origin': checkpoint.split('\n')[0],
    });
    expect(info['Bagging-Date']).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(Object.keys(info)).toEqual(
      expect.arrayContaining(['Source-Organization', 'Bagging-Date', 'Payload-Oxum', 'External-Identifier', 'Bag-Size', 'BagIt-Profile-Identifier', 'Internal-Sender-Description', 'QuanLu-Package-Id', 'QuanLu-Log-Origin']),
    );
    // The profile in the bag is the published one.
    const profile = await ctx.app.inject({ method: 'GET', url: '/api/evidence-packages/profile' });
    expect(profile.statusCode).toBe(200);
    expect(JSON.parse(await readFile(path.join(bagDir, 'bagit-profile.json'), 'utf8'))).toEqual(profile.json());
    expect(profile.json()['BagIt-Profile-Info']['BagIt-Profile-Identifier']).toBe('https://quanlu.invalid/bagit-profile/evidence-v1.json');

    // Info-ZIP lists the same entries (a second, independent reader of the archive).
    const listing = (await run('zipinfo', ['-1', zipFile])).stdout.trim().split('\n');
    expect(listing.length).toBe(files.length);
  }, 180_000);

  test('metadata, the Chinese evidence list, the custody graph', async () => {
    const meta = JSON.parse(await readFile(path.join(bagDir, 'data/metadata/package.json'), 'utf8'));
    expect(meta).toMatchObject({ format: 'quanlu-evidence/1', packageId: pkg.id, case: { id: caseId, caseNumber, archiveNumber: null, procedure: 'general' }, createdBy: { id: t.user.id } });
    expect(meta.items.map((i: { n: number; recordingId: string; sha256: string; sm3: string; size: number; mediaType: string; deviceNumber: string; provesWhat: string }) => [i.n, i.recordingId, i.sha256, i.sm3, i.size, i.mediaType, i.deviceNumber, i.provesWhat])).toEqual(
      clips.map((c, i) => [i + 1, c.id, c.sha256, c.sm3, c.size, 'video/mp4', `DSJ-${i + 1}`, `证明当事人经营行为（第${i + 1}段）`]),
    );
    expect(meta.grant.accessRequestId).toMatch(/^[0-9a-f-]{36}$/);

    const pdf = path.join(bagDir, 'data/evidence-list.pdf');
    const text = squash((await run('pdftotext', [pdf, '-'])).stdout);
    for (const word of ['证据清单', '序号', '制作方法', '制作时间', '制作人', '证明对象', '设备', 'SHA-256', 'SM3', t.p1.name, caseNumber, '证明当事人经', '营行为（第2段）', 'DSJ-3']) expect(text).toContain(word);
    for (const c of clips) {
      expect(text).toContain(c.sha256);
      expect(text).toContain(c.sm3);
    }

    const graph = JSON.parse(await readFile(path.join(bagDir, 'data/metadata/custody.jsonld'), 'utf8'));
    expect(graph['@context'].investigation).toBe('https://ontology.caseontology.org/case/investigation/');
    const files = graph['@graph'].filter((n: { '@type': string }) => n['@type'] === 'observable:File');
    expect(files.map((f: { 'core:name': string }) => f['core:name'])).toEqual(clips.map((c) => c.fileName));
    const hashes = files[0]['core:hasFacet'][1]['observable:hash'].map((h: { 'types:hashValue': { '@value': string } }) => h['types:hashValue']['@value']);
    expect(hashes).toEqual([clips[0]!.sha256, clips[0]!.sm3]);
  });

  test('each event recomputes to its hash, each proof leads to the signed checkpoint, each ingest names its sha256', async () => {
    const meta = JSON.parse(await readFile(path.join(bagDir, 'data/metadata/package.json'), 'utf8'));
    const note = await readFile(path.join(bagDir, 'data/proof/checkpoint.txt'), 'utf8');
    const [origin, sizeLine, rootLine] = note.split('\n');
    const size = Number(sizeLine);
    const root = Buffer.from(rootLine!, 'base64');
    expect(meta.checkpoint).toEqual({ origin, size, rootHash: rootLine });
    // The checkpoint's signatures verify with the keys in the package (Ed25519 and SM2) …
    const keys = JSON.parse(await readFile(path.join(bagDir, 'data/proof/keys.json'), 'utf8'));
    const vkeys: string[] = keys.log.map((k: { vkey: string }) => k.vkey);
    expect(openNote(note, vkeys.map(verifierFromVkey)).signedBy).toEqual(vkeys);
    expect(keys.sm2[0].publicKeyPem).toContain('BEGIN PUBLIC KEY');
    // The server's SM2 line verifies with the browser-safe SM2 verifier verify.html uses (core/sm2.ts).
    const sm2Spki = createPublicKey(keys.sm2[0].publicKeyPem).export({ format: 'der', type: 'spki' });
    const sm2Id = Buffer.from(keyIdOf(origin!, Buffer.concat([SM2_TYPE, sm2Spki]))).toString('base64');
    const sm2Sigs = note.split('\n').filter((l) => l.startsWith(`\u2014 ${origin} `) && Buffer.from(l.split(' ')[2]!, 'base64').subarray(0, 4).toString('base64') === sm2Id);
    expect(sm2Sigs.length).toBe(1);
    expect(await sm2VerifySpki(sm2Spki, Buffer.from(note.slice(0, note.indexOf('\n\n') + 1)), Buffer.from(sm2Sigs[0]!.split(' ')[2]!, 'base64').subarray(4))).toBe(true);
    // … and the Ed25519 key is the installation key this server publishes.
    const pub = (await ctx.app.inject({ method: 'GET', url: '/api/installation-key' })).json() as { publicKeyBase64: string };
    const v0 = vkeys[0]!;
    expect(Buffer.from(v0.slice(v0.indexOf('+', v0.indexOf('+') + 1) + 1), 'base64').subarray(1).toString('base64')).toBe(pub.publicKeyBase64);

    const seqs = new Set<string>();
    for (const [i, item] of meta.items.entries()) {
      expect(item.custodyEventSeqs).toContain(item.ingestEventSeq);
      const ingest = JSON.parse(await readFile(path.join(bagDir, `data/proof/events/${item.ingestEventSeq}.json`), 'utf8'));
      expect(ingest).toMatchObject({ action: 'recording.create', targetId: clips[i]!.id, details: { sha256: clips[i]!.sha256 } });
      // The custody events include this package's own audited read of the custody report.
      const reads = [];
      for (const s of item.custodyEventSeqs) {
        seqs.add(s);
        const e = JSON.parse(await readFile(path.join(bagDir, `data/proof/events/${s}.json`), 'utf8'));
        if (e.action === 'recording.custody.read') reads.push(e.details);
      }
      expect(reads).toContainEqual({ format: 'pdf', packageId: pkg.id });
    }
    for (const s of seqs) {
      const e = JSON.parse(await readFile(path.join(bagDir, `data/proof/events/${s}.json`), 'utf8'));
      const canonical = canonicalJson([e.seq, e.at, e.actorId, e.actorLabel, e.action, e.targetType, e.targetId, e.details]);
      const h = createHash('sha256').update(Buffer.from(e.prevHash, 'hex')).update(canonical).digest();
      expect(h.toString('hex'), `event ${s}`).toBe(e.hash);
      const proofText = await readFile(path.join(bagDir, `data/proof/events/${s}.tlog-proof`), 'utf8');
      const lines = proofText.split('\n');
      expect(lines[0]).toBe('c2sp.org/tlog-proof@v1');
      expect(lines[1]).toBe(`index ${Number(s) - 1}`);
      const blank = lines.indexOf('', 2);
      const path_ = lines.slice(2, blank).map((l) => Buffer.from(l, 'base64'));
      expect(lines.slice(blank + 1).join('\n')).toBe(note);
      const leaf = createHash('sha256').update(Buffer.from([0])).update(h).digest();
      expect(rfcVerifyInclusion(Number(s) - 1, size, leaf, path_, root), `proof of ${s}`).toBe(true);
      // A proof hash edited no longer leads to the root.
      if (path_.length) {
        const bad = path_.map((p, j) => (j === 0 ? Buffer.from(p.map((x) => x ^ 1)) : p));
        expect(rfcVerifyInclusion(Number(s) - 1, size, leaf, bad, root)).toBe(false);
      }
    }
  });

  test('the package verifies offline with quanlu verify pinned to the installation key; a flipped byte fails it', async () => {
    const keys = JSON.parse(await readFile(path.join(bagDir, 'data/proof/keys.json'), 'utf8'));
    const pub = (await ctx.app.inject({ method: 'GET', url: '/api/installation-key' })).json() as { publicKeyBase64: string };
    const vkey: string = keys.log[0].vkey;
    expect(Buffer.from(vkey.slice(vkey.indexOf('+', vkey.indexOf('+') + 1) + 1), 'base64').subarray(1).toString('base64')).toBe(pub.publicKeyBase64);
    // verify.html ships in the bag, listed in the tag manifests.
    expect(await readFile(path.join(bagDir, 'verify.html'), 'utf8')).toMatch(/^<!doctype html>/i);
    expect(await readFile(path.join(bagDir, 'tagmanifest-sha256.txt'), 'utf8')).toMatch(/  verify\.html\n/);
    const verify = async (file: string) => {
      let out = '';
      const code = await verifyCommand(file, { vkey: [vkey], json: true }, { stdout: { write: (x: string) => (out += x) }, stderr: { write: (x: string) => (out += x) } });
      return { code, out };
    };
    const good = await verify(zipFile);
    expect(good.code, good.out).toBe(0);
    const bytes = await readFile(zipFile);
    bytes[Math.floor(bytes.length / 3)]! ^= 0x01;
    const badFile = `${zipFile}.flipped.zip`;
    await writeFile(badFile, bytes);
    expect((await verify(badFile)).code).toBe(1);
  }, 240_000);

  test('delivery against the case’s evidence deadline names the package', async () => {
    const received = new Date(Date.now() - 2 * 86400_000).toISOString().slice(0, 10);
    const d = await t.session.request('POST', `/api/cases/${caseId}/deadlines`, { kind: 'litigation', receivedOn: received, authority: '某区人民法院' });
    expect(d.statusCode, d.body).toBe(201);
    const deadlineId = (await sql<{ id: string }>`SELECT id FROM case_evidence_deadline WHERE case_id = ${caseId}`.execute(ctx.db)).rows[0]!.id;
    const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
    const res = await t.session.request('POST', `/api/evidence-packages/${pkg.id}/delivery`, { deadlineId, deliveredOn: today, note: '当面递交法院' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual([expect.objectContaining({ id: deadlineId, deliveredOn: today, deliveredPackageId: pkg.id, deliveryNote: '当面递交法院' })]);
    const ev = (await sql<{ details: Record<string, unknown> }>`SELECT details FROM audit_event WHERE action = 'case.deadline.deliver' AND target_id = ${caseId}`.execute(ctx.db)).rows;
    expect(ev.map((e) => e.details.packageId)).toEqual([pkg.id]);
    // Once only.
    expect((await t.session.request('POST', `/api/evidence-packages/${pkg.id}/delivery`, { deadlineId, deliveredOn: today })).statusCode).toBe(409);
  });
});

describe('who may make and take a package', () => {
  test('no copy grant, a view grant, someone else’s package, bad input', async () => {
    const mk = async (name: string) => {
      const p = await makePerson(ctx.db, { departmentId: t.dept.id, name });
      const u = await makeUser(ctx.db, { roles: ['officer'], departmentId: t.dept.id, personId: p.id });
      return { user: u, session: await login(ctx.app, u.username, u.password) };
    };
    const none = await mk('无授权');
    const viewOnly = await mk('仅查看');
    await grantAccess(ctx, w, viewOnly.user.id, clips.map((c) => c.id), 'view');
    const partial = await mk('部分授权');
    await grantAccess(ctx, w, partial.user.id, [clips[0]!.id], 'copy');
    const own = (await t.session.request('GET', '/api/evidence-packages')).json() as View[];
    expect(own.length).toBeGreaterThan(0);
    const theirs = own[0]!.id;

    const cases: [string, Session, string, string, unknown, number][] = [
      ['no grant: case', none.session, 'POST', '/api/evidence-packages', { caseId }, 404],
      ['no grant: recordings', none.session, 'POST', '/api/evidence-packages', { recordingIds: [clips[0]!.id] }, 404],
      ['view grant: recordings', viewOnly.session, 'POST', '/api/evidence-packages', { recordingIds: clips.map((c) => c.id) }, 404],
      ['copy grant over one of three: case', partial.session, 'POST', '/api/evidence-packages', { caseId }, 404],
      ['copy grant over one of three: recordings', partial.session, 'POST', '/api/evidence-packages', { recordingIds: clips.map((c) => c.id) }, 404],
      ['unknown recording', t.session, 'POST', '/api/evidence-packages', { recordingIds: ['00000000-0000-4000-8000-000000000000'] }, 404],
      ['unknown case', t.session, 'POST', '/api/evidence-packages', { caseId: '00000000-0000-4000-8000-000000000000' }, 404],
      ['someone else’s package', partial.session, 'GET', `/api/evidence-packages/${theirs}`, undefined, 404],
      ['someone else’s file', partial.session, 'GET', `/api/evidence-packages/${theirs}/file`, undefined, 404],
      ['empty list', t.session, 'POST', '/api/evidence-packages', { recordingIds: [] }, 400],
      ['both', t.session, 'POST', '/api/evidence-packages', { caseId, recordingIds: [clips[0]!.id] }, 400],
      ['not a uuid', t.session, 'POST', '/api/evidence-packages', { recordingIds: ['../../etc/passwd'] }, 400],
      ['bad id', t.session, 'GET', '/api/evidence-packages/x/file', undefined, 400],
    ];
    for (const [name, s, method, url, body, status] of cases) {
      const res = await s.request(method, url, body);
      expect(res.statusCode, `${name}: ${res.body}`).toBe(status);
      if (status >= 400) expect(res.json().message, name).toBeTruthy();
    }
    // A package of one recording under the partial grant: fine (its own item only).
    const one = await partial.session.request('POST', '/api/evidence-packages', { recordingIds: [clips[0]!.id] });
    expect(one.statusCode, one.body).toBe(202);
    expect(await runBuilds(ctx)).toBe(1);
    const view = (await partial.session.request('GET', `/api/evidence-packages/${one.json().id}`)).json() as View;
    expect(view.state).toBe('ready');
    // Revoking the grant stops the download (第二十条), and nothing is audited as downloaded.
    await sql`UPDATE access_grant SET revoked_at = now(), revoked_by = ${w.leaderId}, revoke_reason = '测试撤销' WHERE grantee_id = ${partial.user.id}`.execute(ctx.db);
    expect((await partial.session.request('GET', view.downloadUrl!)).statusCode).toBe(404);
    expect(await packageEvents(ctx, view.id, 'evidence_package.download')).toEqual([]);
    // No partial file is left in the data folder.
    const left = await readdir(path.join(ctx.dataDir, 'evidence-packages'));
    expect(left.filter((f) => f.endsWith('.partial'))).toEqual([]);
    expect((await stat(path.join(ctx.dataDir, 'evidence-packages', `${view.id}.zip`))).size).toBe(view.fileSize);
    await rm(path.join(ctx.dataDir, 'unzipped'), { recursive: true, force: true });
  }, 120_000);
});
