import { execFileSync } from 'node:child_process';
import { createHash, createPublicKey, verify as edVerify } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, test } from 'vitest';
import { appendAuditEvent, eventHash, sequenceAuditEvents, verifyAuditChain } from '../../src/platform/audit/audit-chain.ts';
import { checkpointSigners } from '../../src/modules/tlog/tlog-keys.ts';
import { checkpointText, signNote } from '../../src/modules/tlog/note.ts';
import { integrate, rotateKeys, signCheckpoint, tick } from '../../src/modules/tlog/tlog.service.ts';
import { runCli } from '../support/cli.ts';
import { createTestApp, type TestContext } from '../support/harness.ts';

/**
 * The transparency log on a real database (issue 13 §1–2): what the sequencer builds is checked against the
 * tree recomputed here from the RFC text, the checkpoint against a parser and signature checks written here
 * (Ed25519 with node:crypto from the published installation key, SM2 with the openssl command), and
 * `quanlu audit verify` against the two attacks the chain alone misses, done with the owner's credentials
 * and the write-once triggers dropped.
 */

const sha = (...p: Buffer[]) => createHash('sha256').update(Buffer.concat(p)).digest();
const rfcLeaf = (d: Buffer) => sha(Buffer.from([0]), d);
function MTH(h: Buffer[]): Buffer {
  if (h.length === 0) return sha();
  if (h.length === 1) return h[0]!;
  let k = 1;
  while (k * 2 < h.length) k *= 2;
  return sha(Buffer.from([1]), MTH(h.slice(0, k)), MTH(h.slice(k)));
}
function PATH(m: number, h: Buffer[]): Buffer[] {
  if (h.length === 1) return [];
  let k = 1;
  while (k * 2 < h.length) k *= 2;
  return m < k ? [...PATH(m, h.slice(0, k)), MTH(h.slice(k))] : [...PATH(m - k, h.slice(k)), MTH(h.slice(0, k))];
}

/** A checkpoint note parsed by the rules of C2SP tlog-checkpoint / signed-note, written here. */
function parseNote(note: string) {
  const [text, sigs] = note.split('\n\n') as [string, string];
  const lines = text.split('\n');
  expect(lines).toHaveLength(3);
  const [origin, size, root] = lines as [string, string, string];
  expect(size).toMatch(/^(0|[1-9]\d*)$/);
  expect(Buffer.from(root, 'base64')).toHaveLength(32);
  expect(sigs.endsWith('\n')).toBe(true);
  const signatures = sigs
    .slice(0, -1)
    .split('\n')
    .map((l) => {
      const m = /^— (\S+) (\S+)$/.exec(l);
      expect(m, l).not.toBeNull();
      const raw = Buffer.from(m![2]!, 'base64');
      return { name: m![1]!, keyHash: raw.subarray(0, 4), sig: raw.subarray(4) };
    });
  return { signed: Buffer.from(`${text}\n`), origin, size: Number(size), root: Buffer.from(root, 'base64'), signatures };
}

let ctx: TestContext;
afterEach(async () => {
  await ctx?.close();
});

async function events(n: number, label = 'test') {
  for (let i = 0; i < n; i++) {
    await ctx.db.transaction().execute((trx) => appendAuditEvent(trx, { actor: { kind: 'system', label }, action: 'test.event', details: { i } }));
  }
  // The tests read the chain right after writing: chain the written events (as a reader needing seq does).
  await sequenceAuditEvents(ctx.db);
}
async function leafHashes(upTo?: number): Promise<Buffer[]> {
  const rows = (await sql<{ hash: Buffer }>`SELECT hash FROM audit_event ORDER BY seq`.execute(ctx.db)).rows;
  return rows.slice(0, upTo ?? rows.length).map((r) => rfcLeaf(r.hash));
}
const cli = (args: string[]) => runCli(['audit', 'verify', '--json', ...args], { DATABASE_URL: ctx.dbUrl, QUANLU_DATA_DIR: ctx.dataDir, QUANLU_LOG_LEVEL: 'silent' });
const get = (url: string) => ctx.app.inject({ method: 'GET', url });

describe('the tree the sequencer builds', () => {
  test('600 events: root, tiles, entry bundles and proofs served publicly equal the tree recomputed from the events', async () => {
    ctx = await createTestApp();
    await events(600);
    const r = await integrate(ctx.db);
    expect(r).toMatchObject({ ran: true, size: 600, added: 600 });
    const leaves = await leafHashes();
    const state = (await sql<{ size: string; root: Buffer }>`SELECT size, root FROM tlog_state`.execute(ctx.db)).rows[0]!;
    expect(state.size).toBe('600');
    expect(state.root.toString('hex')).toBe(MTH(leaves).toString('hex'));

    // Tiles, without an account: full level-0 tiles, the partial one, the level-1 partial (roots of full tiles).
    const t0 = await get('/api/tlog/tile/0/000');
    expect(t0.statusCode).toBe(200);
    expect(t0.rawPayload.equals(Buffer.concat(leaves.slice(0, 256)))).toBe(true);
    expect(t0.headers['cache-control']).toContain('immutable');
    const t2 = await get('/api/tlog/tile/0/002.p/88');
    expect(t2.rawPayload.equals(Buffer.concat(leaves.slice(512, 600)))).toBe(true);
    expect((await get('/api/tlog/tile/0/002.p/10')).rawPayload.equals(Buffer.concat(leaves.slice(512, 522)))).toBe(true);
    const t1 = await get('/api/tlog/tile/1/000.p/2');
    expect(t1.rawPayload.equals(Buffer.concat([MTH(leaves.slice(0, 256)), MTH(leaves.slice(256, 512))]))).toBe(true);
    const bundle = (await get('/api/tlog/tile/entries/001')).rawPayload;
    expect(bundle).toHaveLength(256 * 34);
    expect(rfcLeaf(bundle.subarray(2, 34)).equals(leaves[256]!)).toBe(true);
    expect([(await get('/api/tlog/tile/0/003')).statusCode, (await get('/api/tlog/tile/0/002.p/89')).statusCode, (await get('/api/tlog/tile/0/1')).statusCode]).toEqual([404, 404, 404]);

    // Proofs: exactly the RFC's PATH over the recomputed leaves.
    for (const [seq, size] of [[1, 600], [300, 600], [600, 600], [257, 512], [5, 7]] as const) {
      const p = (await get(`/api/tlog/proof/inclusion?seq=${seq}&size=${size}`)).json() as { proof: string[]; rootHash: string; leafData: string };
      expect(p.proof).toEqual(PATH(seq - 1, leaves.slice(0, size)).map((b) => b.toString('base64')));
      expect(p.rootHash).toBe(MTH(leaves.slice(0, size)).toString('base64'));
      expect(rfcLeaf(Buffer.from(p.leafData, 'base64')).equals(leaves[seq - 1]!)).toBe(true);
    }
    const c = (await get('/api/tlog/proof/consistency?from=300&to=600')).json() as { fromRoot: string; toRoot: string; proof: string[] };
    expect([c.fromRoot, c.toRoot]).toEqual([MTH(leaves.slice(0, 300)).toString('base64'), MTH(leaves).toString('base64')]);
    expect(c.proof.length).toBeGreaterThan(0);
    expect([(await get('/api/tlog/proof/inclusion?seq=601&size=601')).statusCode, (await get('/api/tlog/proof/consistency?from=5&to=4')).statusCode]).toEqual([400, 400]);
  });

  test('three sequencers at once integrate each event once; events written meanwhile follow', async () => {
    ctx = await createTestApp();
    await events(300);
    const [a, b, c] = await Promise.all([integrate(ctx.db), integrate(ctx.db), events(40).then(() => integrate(ctx.db))]);
    await integrate(ctx.db);
    expect(a.added + b.added + c.added).toBeLessThanOrEqual(340);
    const state = (await sql<{ size: string; root: Buffer }>`SELECT size, root FROM tlog_state`.execute(ctx.db)).rows[0]!;
    expect(state.size).toBe('340');
    expect(state.root.equals(MTH(await leafHashes()))).toBe(true);
  });

  test('an event altered before integration is refused, and never enters the tree', async () => {
    ctx = await createTestApp();
    await events(10);
    await integrate(ctx.db);
    await events(5);
    await sql`DROP TRIGGER audit_event_no_update ON audit_event`.execute(ctx.ownerDb);
    await sql`UPDATE audit_event SET details = '{"i":"forged"}' WHERE seq = 13`.execute(ctx.ownerDb);
    const r = await integrate(ctx.db);
    expect(r).toMatchObject({ size: 12, added: 2, refused: { seq: '13', reason: 'hash' } });
  });
});

describe('signed checkpoints (C2SP tlog-checkpoint)', () => {
  test('the note parses by the spec; Ed25519 verifies with the published installation key, SM2 with openssl', async () => {
    ctx = await createTestApp();
    await events(20);
    const row = await signCheckpoint(ctx.deps, 'manual');
    const res = await get('/api/tlog/checkpoint');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    const note = parseNote(res.body);
    const key = (await get('/api/installation-key')).json() as { keyId: string; publicKeyBase64: string; publicKeyPem: string };
    expect(note.origin).toBe(`quanlu.local/${key.keyId}`);
    expect(note.size).toBe(20);
    expect(note.root.equals(MTH(await leafHashes(20)))).toBe(true);
    expect(note.signatures).toHaveLength(2);
    // Ed25519: key hash = SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)[:4], signature over the note text.
    const pub = Buffer.from(key.publicKeyBase64, 'base64');
    const ed = note.signatures[0]!;
    expect(ed.name).toBe(note.origin);
    expect(ed.keyHash.equals(sha(Buffer.from(`${note.origin}\n`), Buffer.from([1]), pub).subarray(0, 4))).toBe(true);
    expect(edVerify(null, note.signed, createPublicKey(key.publicKeyPem), ed.sig)).toBe(true);
    expect(edVerify(null, Buffer.from(note.signed.toString().replace('\n20\n', '\n21\n')), createPublicKey(key.publicKeyPem), ed.sig)).toBe(false);
    // SM2: the key as published (GET /api/tlog/keys), the signature checked by openssl (GB/T 32918, SM3).
    const keys = (await get('/api/tlog/keys')).json() as { origin: string; keys: { vkey: string; algorithm: string }[] };
    expect(keys.origin).toBe(note.origin);
    const sm2 = keys.keys.find((k) => k.algorithm === 'sm2')!;
    const typeAndKey = Buffer.from(sm2.vkey.split('+').slice(2).join('+'), 'base64');
    expect(typeAndKey.subarray(0, 15).equals(Buffer.concat([Buffer.from([0xff]), Buffer.from('quanlu-sm2-sm3')]))).toBe(true);
    const spki = typeAndKey.subarray(15);
    const dir = mkdtempSync(path.join(tmpdir(), 'tlog-sm2-'));
    writeFileSync(path.join(dir, 'pub.pem'), createPublicKey({ key: spki, format: 'der', type: 'spki' }).export({ format: 'pem', type: 'spki' }));
    writeFileSync(path.join(dir, 'msg'), note.signed);
    writeFileSync(path.join(dir, 'sig'), note.signatures[1]!.sig);
    expect(note.signatures[1]!.keyHash.equals(sha(Buffer.from(`${note.origin}\n`), typeAndKey).subarray(0, 4))).toBe(true);
    expect(execFileSync('openssl', ['dgst', '-sm3', '-verify', 'pub.pem', '-signature', 'sig', 'msg'], { cwd: dir }).toString()).toMatch(/Verified OK/);
    writeFileSync(path.join(dir, 'msg'), Buffer.concat([note.signed, Buffer.from('x')]));
    expect(() => execFileSync('openssl', ['dgst', '-sm3', '-verify', 'pub.pem', '-signature', 'sig', 'msg'], { cwd: dir, stdio: 'pipe' })).toThrow();
    // The same note by size, kept in the data folder too; the signing is an audit event.
    expect((await get('/api/tlog/checkpoints/20')).body).toBe(row.note);
    expect(readFileSync(path.join(ctx.dataDir, 'tlog/checkpoint'), 'utf8')).toBe(row.note);
    expect((await get('/api/tlog/checkpoints/19')).statusCode).toBe(404);
    const ev = (await sql<{ action: string; details: { size: number } }>`SELECT action, details FROM audit_event WHERE seq = 21`.execute(ctx.db)).rows[0]!;
    expect(ev).toMatchObject({ action: 'tlog.checkpoint', details: { size: 20 } });
  });

  test('the schedule: a checkpoint when due, none before; the daily seal of the Beijing day that closed', async () => {
    ctx = await createTestApp({ QUANLU_TLOG_CHECKPOINT_MINUTES: '10' });
    await events(5);
    const now = new Date();
    expect((await tick(ctx.deps, now)).periodic?.size).toBe(5);
    expect(await tick(ctx.deps, new Date(now.getTime() + 5 * 60_000))).toEqual({});
    expect((await tick(ctx.deps, new Date(now.getTime() + 10 * 60_000))).periodic?.size).toBe(6);
    const nextDay = new Date(now.getTime() + 24 * 3600_000);
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(now);
    const r = await tick(ctx.deps, nextDay);
    expect(r.daily).toMatchObject({ kind: 'daily', sealDay: today });
    expect(readFileSync(path.join(ctx.dataDir, `tlog/seals/${today}.txt`), 'utf8')).toBe(r.daily!.note);
    const seals = (await get('/api/tlog/seals')).json() as { items: { day: string; note: string }[] };
    expect(seals.items.map((s) => s.day)).toEqual([today]);
    expect((await tick(ctx.deps, new Date(nextDay.getTime() + 60_000))).daily).toBeUndefined();
  });
});

describe('quanlu audit verify against the last signed checkpoint (owner credentials, triggers dropped)', () => {
  async function signedLog() {
    ctx = await createTestApp();
    await events(30);
    await signCheckpoint(ctx.deps, 'manual'); // tree of 30, then event 31 records the signing
    await events(4);
    const ok = await cli([]);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, tlog: { ok: true, checkpoints: 2, signedSize: 30 } });
    await sql`DROP TRIGGER audit_event_no_update ON audit_event`.execute(ctx.ownerDb);
    // 0027: the head only moves forward to an event of the chain; rewinding it takes dropping that trigger too.
    await sql`DROP TRIGGER audit_head_guard ON audit_head`.execute(ctx.ownerDb);
  }

  test('(a) the tail cut and audit_head rewound to match: the chain alone says intact, the checkpoint does not', async () => {
    await signedLog();
    await sql`DELETE FROM audit_event WHERE seq > 25`.execute(ctx.ownerDb);
    await sql`UPDATE audit_head SET seq = 25, hash = (SELECT hash FROM audit_event WHERE seq = 25)`.execute(ctx.ownerDb);
    expect((await verifyAuditChain(ctx.db)).ok).toBe(true);
    const r = await cli([]);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, chainOk: true, reason: 'checkpoint', tlog: { ok: false, reason: 'cut', signedSize: 30 } });
  });

  test('(a′) the same, with the checkpoints also deleted from the database: the data folder copy still catches it', async () => {
    await signedLog();
    await sql`DELETE FROM audit_event WHERE seq > 25`.execute(ctx.ownerDb);
    await sql`UPDATE audit_head SET seq = 25, hash = (SELECT hash FROM audit_event WHERE seq = 25)`.execute(ctx.ownerDb);
    await sql`DROP TRIGGER tlog_checkpoint_append_only ON tlog_checkpoint`.execute(ctx.ownerDb);
    await sql`DELETE FROM tlog_checkpoint`.execute(ctx.ownerDb);
    const r = await cli([]);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, chainOk: true, tlog: { reason: 'cut', checkpoints: 1 } });
  });

  test('(b) an event edited and everything after it re-chained with the product\'s own hash function: caught, naming the event', async () => {
    await signedLog();
    const rows = (
      await sql<{ seq: string; at: Date; actor_id: string | null; actor_label: string; action: string; target_type: string | null; target_id: string | null; details: unknown; prev_hash: Buffer }>`
        SELECT seq, at, actor_id, actor_label, action, target_type, target_id, details, prev_hash FROM audit_event WHERE seq >= 5 ORDER BY seq`.execute(ctx.ownerDb)
    ).rows;
    let prev = rows[0]!.prev_hash;
    for (const r of rows) {
      const details = r.seq === '5' ? { i: '伪造' } : r.details;
      const hash = eventHash(prev, { seq: r.seq, at: r.at, actorId: r.actor_id, actorLabel: r.actor_label, action: r.action, targetType: r.target_type, targetId: r.target_id, details });
      await sql`UPDATE audit_event SET details = ${JSON.stringify(details)}, prev_hash = ${prev}, hash = ${hash} WHERE seq = ${r.seq}`.execute(ctx.ownerDb);
      prev = hash;
    }
    await sql`UPDATE audit_head SET hash = ${prev}`.execute(ctx.ownerDb);
    expect((await verifyAuditChain(ctx.db)).ok).toBe(true);
    const r = await cli([]);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, chainOk: true, reason: 'checkpoint', firstBrokenSeq: '5', tlog: { reason: 'root', atSize: 30, firstAlteredSeq: '5' } });
    const human = await runCli(['audit', 'verify'], { DATABASE_URL: ctx.dbUrl, QUANLU_DATA_DIR: ctx.dataDir, QUANLU_LOG_LEVEL: 'silent' });
    expect(human.stdout).toMatch(/^BROKEN at seq 5: the events do not give the signed root/);
  });

  test('(c) an event inserted into a sealed day behind the system\'s back (later events renumbered and re-chained): the seal breaks', async () => {
    ctx = await createTestApp();
    await events(12);
    await signCheckpoint(ctx.deps, 'manual');
    const seal = (await tick(ctx.deps, new Date(Date.now() + 24 * 3600_000))).daily!;
    const sealFile = path.join(ctx.dataDir, `tlog/seals/${seal.sealDay}.txt`);
    expect((await runCli(['audit', 'verify', '--json', '--checkpoint', sealFile], { DATABASE_URL: ctx.dbUrl, QUANLU_DATA_DIR: ctx.dataDir, QUANLU_LOG_LEVEL: 'silent' })).code).toBe(0);
    // The operator also wipes the checkpoints in the database and the data-folder copy is out of reach; only the
    // paper seal (the file given) remains to check against.
    await sql`DROP TRIGGER audit_event_no_update ON audit_event`.execute(ctx.ownerDb);
    await sql`DROP TRIGGER tlog_checkpoint_append_only ON tlog_checkpoint`.execute(ctx.ownerDb);
    await sql`DELETE FROM tlog_checkpoint`.execute(ctx.ownerDb);
    await sql`UPDATE audit_event SET seq = -seq WHERE seq >= 6`.execute(ctx.ownerDb);
    await sql`UPDATE audit_event SET seq = -seq + 1 WHERE seq < 0`.execute(ctx.ownerDb);
    const e5 = (await sql<{ hash: Buffer; at: Date }>`SELECT hash, at FROM audit_event WHERE seq = 5`.execute(ctx.ownerDb)).rows[0]!;
    await sql`INSERT INTO audit_event (seq, at, actor_label, action, details, prev_hash, hash) VALUES (6, ${e5.at}, 'backdated', 'person.update', '{"i":"插入"}', ${e5.hash}, ${e5.hash})`.execute(ctx.ownerDb);
    const rows = (
      await sql<{ seq: string; at: Date; actor_id: string | null; actor_label: string; action: string; target_type: string | null; target_id: string | null; details: unknown }>`
        SELECT seq, at, actor_id, actor_label, action, target_type, target_id, details FROM audit_event WHERE seq >= 6 ORDER BY seq`.execute(ctx.ownerDb)
    ).rows;
    let prev = e5.hash;
    for (const r of rows) {
      const hash = eventHash(prev, { seq: r.seq, at: r.at, actorId: r.actor_id, actorLabel: r.actor_label, action: r.action, targetType: r.target_type, targetId: r.target_id, details: r.details });
      await sql`UPDATE audit_event SET prev_hash = ${prev}, hash = ${hash} WHERE seq = ${r.seq}`.execute(ctx.ownerDb);
      prev = hash;
    }
    await sql`UPDATE audit_head SET seq = seq + 1, hash = ${prev}`.execute(ctx.ownerDb);
    await rm(path.join(ctx.dataDir, 'tlog/checkpoint'));
    expect((await verifyAuditChain(ctx.db)).ok).toBe(true);
    const r = await runCli(['audit', 'verify', '--json', '--checkpoint', sealFile], { DATABASE_URL: ctx.dbUrl, QUANLU_DATA_DIR: ctx.dataDir, QUANLU_LOG_LEVEL: 'silent' });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, chainOk: true, reason: 'checkpoint', firstBrokenSeq: '6', tlog: { reason: 'root', atSize: seal.size } });
  });

  test('a forked log (another root at the same size, signed with the real key) and a checkpoint by an unknown key are caught', async () => {
    await signedLog();
    const signers = await checkpointSigners(ctx.dataDir, (await sql<{ origin: string }>`SELECT origin FROM tlog_state`.execute(ctx.db)).rows[0]!.origin);
    const fork = signNote(checkpointText({ origin: signers[0]!.name, size: 30, root: sha(Buffer.from('another history')), extensions: [] }), signers);
    const file = path.join(ctx.dataDir, 'fork.txt');
    writeFileSync(file, fork);
    const r = await cli(['--checkpoint', file]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, tlog: { reason: 'fork', atSize: 30 } });

    const { generateKeyPairSync, sign } = await import('node:crypto');
    const foreign = generateKeyPairSync('ed25519');
    const raw = foreign.publicKey.export({ format: 'der', type: 'spki' }).subarray(12);
    const { ed25519Signer } = await import('../../src/modules/tlog/note.ts');
    const forged = signNote(checkpointText({ origin: signers[0]!.name, size: 34, root: sha(Buffer.from('x')), extensions: [] }), [
      ed25519Signer(signers[0]!.name, raw, (m) => sign(null, m, foreign.privateKey)),
    ]);
    await sql`INSERT INTO tlog_checkpoint (size, root, note, kind) VALUES (34, ${sha(Buffer.from('x'))}, ${forged}, 'manual')`.execute(ctx.db);
    const r2 = await cli([]);
    expect(r2.code).toBe(1);
    expect(JSON.parse(r2.stdout)).toMatchObject({ ok: false, tlog: { reason: 'signature' } });
  });

  test('key rotation: checkpoints signed before and after both verify; every key is listed', async () => {
    ctx = await createTestApp();
    await events(10);
    const before = await signCheckpoint(ctx.deps, 'manual');
    const rotated = await rotateKeys(ctx.deps);
    expect(rotated.retired).toHaveLength(2);
    expect(rotated.current.filter((k) => rotated.retired.includes(k))).toEqual([]);
    await events(3);
    const after = await signCheckpoint(ctx.deps, 'manual');
    expect(parseNote(before.note).signatures[0]!.keyHash.equals(parseNote(after.note).signatures[0]!.keyHash)).toBe(false);
    const r = await cli([]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, tlog: { checkpoints: 3 } });
    const keys = (await get('/api/tlog/keys')).json() as { keys: { vkey: string }[] };
    expect(keys.keys.map((k) => k.vkey).sort()).toEqual([...rotated.retired, ...rotated.current].sort());
  });
});
