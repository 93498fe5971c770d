import { createHash, createPublicKey, generateKeyPairSync, verify as edVerify } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, test } from 'vitest';
import { appendAuditEvent } from '../../src/platform/audit/audit-chain.ts';
import { checkpointText, ed25519Signer, signNote } from '../../src/modules/tlog/note.ts';
import { checkpointSigners } from '../../src/modules/tlog/tlog-keys.ts';
import { signCheckpoint } from '../../src/modules/tlog/tlog.service.ts';
import { witnessedCheckpoint } from '../../src/modules/tlog/tlog-witness.service.ts';
import { initWitness, witnessOnce, type Fetch } from '../../src/modules/tlog/witness-core.ts';
import { runCli } from '../support/cli.ts';
import { createTestApp, loginAs, type TestContext } from '../support/harness.ts';

/**
 * Witnesses (issue 13 §3): `quanlu witness` cosigns a good checkpoint and QuanLu stores and shows it; the
 * witness refuses a bad signature, a rewound tree and a forked one (signed with the log's real key, which the
 * operator holds); QuanLu refuses cosignatures from unregistered keys, over checkpoints it never signed, and
 * with bad signatures. Cosignatures are checked here from the C2SP cosignature/v1 text, not with the product's code.
 */

const sha = (...p: (Buffer | string)[]) => createHash('sha256').update(Buffer.concat(p.map((x) => (typeof x === 'string' ? Buffer.from(x) : x)))).digest();

/** C2SP tlog-cosignature, written from the spec: does `line` cosign `text` with the witness vkey? */
function specCosignatureHolds(vkey: string, text: string, line: string): boolean {
  const [name, idHex, b64] = [vkey.slice(0, vkey.indexOf('+')), vkey.split('+')[1]!, vkey.split('+').slice(2).join('+')];
  const typeAndKey = Buffer.from(b64, 'base64');
  expect(typeAndKey[0]).toBe(0x04);
  expect(sha(name, '\n', typeAndKey).subarray(0, 4).toString('hex')).toBe(idHex);
  const m = /^— (\S+) (\S+)\n$/.exec(line);
  if (!m || m[1] !== name) return false;
  const raw = Buffer.from(m[2]!, 'base64');
  if (raw.length !== 76 || raw.subarray(0, 4).toString('hex') !== idHex) return false;
  const time = raw.readBigUInt64BE(4);
  const msg = Buffer.from(`cosignature/v1\ntime ${time}\n${text}`);
  const pub = createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), typeAndKey.subarray(1)]), format: 'der', type: 'spki' });
  return edVerify(null, msg, pub, raw.subarray(12));
}

let ctx: TestContext;
const dirs: string[] = [];
afterEach(async () => {
  await ctx?.close();
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});
const tmp = () => {
  const d = mkdtempSync(path.join(tmpdir(), 'quanlu-witness-'));
  dirs.push(d);
  return d;
};

async function events(n: number) {
  for (let i = 0; i < n; i++) {
    await ctx.db.transaction().execute((trx) => appendAuditEvent(trx, { actor: { kind: 'system', label: 'test' }, action: 'test.event', details: { i } }));
  }
}
async function logSigners() {
  const origin = (await sql<{ origin: string }>`SELECT origin FROM tlog_state`.execute(ctx.db)).rows[0]!.origin;
  return checkpointSigners(ctx.dataDir, origin);
}
const textOf = (note: string) => note.slice(0, note.lastIndexOf('\n\n') + 1);
const count = async (table: 'tlog_cosignature' | 'tlog_witness') => Number((await sql<{ n: string }>`SELECT count(*) AS n FROM ${sql.table(table)}`.execute(ctx.db)).rows[0]!.n);

async function registerAsAdmin(vkey: string) {
  const { session } = await loginAs(ctx, ['admin']);
  return session.request('POST', '/api/tlog/witnesses', { vkey });
}

/** The app's public API as a witness sees it, with some answers replaced (a lying or forked log). */
function fakeLog(override: (url: string, init?: RequestInit) => string | undefined, posts: string[] = []): Fetch {
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(String(input));
    const replaced = override(url.pathname + url.search, init);
    if (replaced !== undefined) return new Response(replaced, { status: 200, headers: { 'content-type': 'text/plain' } });
    if (init?.method === 'POST') posts.push(url.pathname);
    const res = await ctx.app.inject({ method: (init?.method ?? 'GET') as 'GET', url: url.pathname + url.search, payload: init?.body as string, headers: init?.headers as Record<string, string> });
    return new Response(res.body, { status: res.statusCode });
  }) as Fetch;
}

describe('quanlu witness against a running QuanLu', () => {
  test('init makes a 0600 key; run --once cosigns, QuanLu stores and shows it; the next checkpoint is cosigned after its consistency proof', async () => {
    ctx = await createTestApp();
    const base = await ctx.app.listen({ port: 0, host: '127.0.0.1' });
    const dir = tmp();
    const init = await runCli(['witness', 'init', '--name', 'sfj.example/witness', '--dir', dir], {});
    expect(init.code, init.stderr).toBe(0);
    const vkey = init.stdout.trim();
    expect(vkey).toMatch(/^sfj\.example\/witness\+[0-9a-f]{8}\+/);
    expect(statSync(path.join(dir, 'witness-ed25519.pem')).mode & 0o777).toBe(0o600);

    await events(5);
    const first = await signCheckpoint(ctx.deps, 'manual');
    const logVkey = (await logSigners())[0]!.vkey;
    const run = () => runCli(['witness', 'run', '--once', '--log-url', base, '--log-vkey', logVkey, '--dir', dir], {});

    // Not registered yet: the witness checks and cosigns, QuanLu refuses the submission (exit 3), stores nothing.
    const unregistered = await run();
    expect(unregistered.code, unregistered.stdout + unregistered.stderr).toBe(3);
    expect(unregistered.stderr).toContain('NOT SUBMITTED');
    expect(await count('tlog_cosignature')).toBe(0);

    const reg = await registerAsAdmin(vkey);
    expect(reg.statusCode, reg.body).toBe(201);
    expect(reg.json()).toMatchObject({ name: 'sfj.example/witness', vkey });

    const ok = await run();
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    const cosigned = await ctx.app.inject({ method: 'GET', url: '/api/tlog/checkpoint/cosigned' });
    expect(cosigned.statusCode).toBe(200);
    expect(cosigned.body.startsWith(first.note)).toBe(true);
    const cosigLine = cosigned.body.slice(first.note.length);
    expect(specCosignatureHolds(vkey, textOf(first.note), cosigLine)).toBe(true);

    // A later tree: the witness fetches the consistency proof from its last one and cosigns again.
    await events(40);
    const second = await signCheckpoint(ctx.deps, 'periodic');
    const again = await run();
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(again.stdout).toContain(`size ${second.size} (previous ${first.size})`);

    const w = await witnessedCheckpoint(ctx.deps, { minSize: first.size + 1 });
    expect(w).toMatchObject({ size: second.size, witnessed: true, signedNote: second.note, witnessKeys: [{ name: 'sfj.example/witness', vkey }], timestamps: [] });
    expect(specCosignatureHolds(vkey, textOf(second.note), w.note.slice(second.note.length))).toBe(true);

    const att = (await ctx.app.inject({ method: 'GET', url: '/api/tlog/attestations' })).json() as { latest: { size: number; witnesses: { name: string; verified: boolean }[] } };
    expect(att.latest).toMatchObject({ size: second.size, witnesses: [{ name: 'sfj.example/witness', verified: true }] });
    const actions = (await sql<{ action: string }>`SELECT action FROM audit_event WHERE action LIKE 'tlog.%' AND action <> 'tlog.checkpoint' ORDER BY seq`.execute(ctx.db)).rows.map((r) => r.action);
    expect(actions).toEqual(['tlog.witness.add', 'tlog.cosignature', 'tlog.cosignature']);

    // Pinned to another key of the same name: no trusted signature, refused with exit 1.
    const pub = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' }).subarray(12);
    const otherVkey = ed25519Signer(logVkey.split('+')[0]!, pub, () => Buffer.alloc(64)).vkey;
    const other = await runCli(['witness', 'run', '--once', '--log-url', base, '--log-vkey', otherVkey, '--dir', dir], {});
    expect(other.code, other.stdout + other.stderr).toBe(1);
    expect(other.stderr).toContain('REFUSED');
  }, 400_000);
});

describe('the witness refuses', () => {
  async function witnessedLog() {
    ctx = await createTestApp();
    const dir = tmp();
    const w = await initWitness(dir, 'jcy.example/w');
    expect((await registerAsAdmin(w.key.vkey)).statusCode).toBe(201);
    await events(10);
    const seen = await signCheckpoint(ctx.deps, 'manual');
    const signers = await logSigners();
    const logVkey = signers[0]!.vkey;
    const posts: string[] = [];
    const first = await witnessOnce({ dir, logUrl: 'http://quanlu.test', logVkey, fetch: fakeLog(() => undefined, posts) });
    expect(first).toMatchObject({ ok: true, size: seen.size, submitted: true });
    posts.length = 0;
    const stateFiles = () => readdirSync(path.join(dir, 'state')).map((f) => readFileSync(path.join(dir, 'state', f), 'utf8'));
    expect(stateFiles()).toEqual([seen.note]);
    return { dir, seen, signers, logVkey, posts, stateFiles };
  }

  test('a bad signature, a forked tree (same key, another history), the same size with another root, and a rewound tree', async () => {
    const { dir, seen, signers, logVkey, posts, stateFiles } = await witnessedLog();
    await events(20);
    const real = await signCheckpoint(ctx.deps, 'periodic');
    const cosignedBefore = await count('tlog_cosignature');
    const serve = (note: string) => fakeLog((u) => (u === '/api/tlog/checkpoint' ? note : undefined), posts);
    const once = (note: string) => witnessOnce({ dir, logUrl: 'http://quanlu.test', logVkey, fetch: serve(note) });

    // A signature byte flipped.
    const [text, sigs] = real.note.split('\n\n') as [string, string];
    const raw = Buffer.from(sigs.split('\n')[0]!.split(' ')[2]!, 'base64');
    raw[10]! ^= 1;
    const badSig = `${text}\n\n— ${signers[0]!.name} ${raw.toString('base64')}\n`;
    expect(await once(badSig)).toMatchObject({ ok: false, refused: 'signature' });

    // A fork: the operator (who holds the key) signs a bigger tree of another history; no consistency proof joins it.
    const fork = signNote(checkpointText({ origin: signers[0]!.name, size: real.size, root: sha('another history'), extensions: [] }), signers);
    expect(await once(fork)).toMatchObject({ ok: false, refused: 'inconsistent', size: real.size, previousSize: seen.size });
    // The same size as the one witnessed, another root.
    const sameSize = signNote(checkpointText({ origin: signers[0]!.name, size: seen.size, root: sha('x'), extensions: [] }), signers);
    expect(await once(sameSize)).toMatchObject({ ok: false, refused: 'inconsistent' });
    // A rewound log: a smaller tree (cut tail), properly signed.
    const rewound = signNote(checkpointText({ origin: signers[0]!.name, size: seen.size - 3, root: sha('cut'), extensions: [] }), signers);
    expect(await once(rewound)).toMatchObject({ ok: false, refused: 'rewound', previousSize: seen.size });
    // A lying consistency proof for the fork is refused too (the witness uses its own roots).
    const lying = fakeLog((u) => (u === '/api/tlog/checkpoint' ? fork : u.startsWith('/api/tlog/proof/consistency') ? JSON.stringify({ proof: [sha('a').toString('base64')] }) : undefined), posts);
    expect(await witnessOnce({ dir, logUrl: 'http://quanlu.test', logVkey, fetch: lying })).toMatchObject({ ok: false, refused: 'inconsistent' });

    // Nothing signed, nothing submitted, nothing remembered.
    expect(posts).toEqual([]);
    expect(await count('tlog_cosignature')).toBe(cosignedBefore);
    expect(stateFiles()).toEqual([seen.note]);

    // The real next checkpoint is still cosigned.
    expect(await witnessOnce({ dir, logUrl: 'http://quanlu.test', logVkey, fetch: serve(real.note) })).toMatchObject({ ok: true, size: real.size, previousSize: seen.size, submitted: true });
  }, 120_000);

  test('a forked log: a second QuanLu database signing with the same key shows another tree of the same origin', async () => {
    const { dir, logVkey, posts } = await witnessedLog();
    const main = ctx;
    // The operator starts a second database with the same data folder (same keys, same origin) and another history.
    ctx = await createTestApp({}, { dataDir: main.dataDir });
    try {
      await events(25);
      const other = await signCheckpoint(ctx.deps, 'manual');
      // The witness reads the second log's endpoints (its checkpoint and its consistency proofs).
      const r = await witnessOnce({ dir, logUrl: 'http://quanlu.test', logVkey, fetch: fakeLog(() => undefined, posts) });
      expect(r).toMatchObject({ ok: false, refused: 'inconsistent', size: other.size });
      expect(posts).toEqual([]);
    } finally {
      await ctx.close();
      ctx = main;
    }
  }, 120_000);
});

describe('QuanLu refuses a cosignature', () => {
  test('from an unregistered key, over a checkpoint it never signed, with a bad signature, malformed: 4xx, nothing stored', async () => {
    ctx = await createTestApp();
    await events(8);
    const k = await signCheckpoint(ctx.deps, 'manual');
    const registered = await initWitness(tmp(), 'reg/w');
    const stranger = await initWitness(tmp(), 'reg/w2');
    expect((await registerAsAdmin(registered.key.vkey)).statusCode).toBe(201);
    const { cosignatureLine } = await import('../../src/modules/tlog/cosignature.ts');
    const post = (checkpoint: string, cosignature: string) => ctx.app.inject({ method: 'POST', url: '/api/tlog/cosignatures', payload: { checkpoint, cosignature } });
    const now = Math.floor(Date.now() / 1000);
    const text = textOf(k.note);

    const unknown = await post(text, cosignatureLine(stranger.key, text, now, stranger.sign));
    expect(unknown.statusCode).toBe(403);
    expect(unknown.json()).toMatchObject({ code: 'TLOG_COSIGNATURE_UNKNOWN_WITNESS' });

    const [origin] = text.split('\n');
    const neverSigned = checkpointText({ origin: origin!, size: k.size, root: sha('never'), extensions: [] });
    const r2 = await post(neverSigned, cosignatureLine(registered.key, neverSigned, now, registered.sign));
    expect(r2.statusCode).toBe(404);
    expect(r2.json()).toMatchObject({ code: 'TLOG_COSIGNATURE_UNKNOWN_CHECKPOINT' });

    const good = cosignatureLine(registered.key, text, now, registered.sign);
    const raw = Buffer.from(good.trim().split(' ')[2]!, 'base64');
    raw[40]! ^= 0x80;
    const r3 = await post(text, `— reg/w ${raw.toString('base64')}\n`);
    expect(r3.statusCode).toBe(400);
    expect(r3.json()).toMatchObject({ code: 'TLOG_COSIGNATURE_BAD_SIGNATURE' });
    // A valid signature over another timestamp than the one in the line.
    const other = cosignatureLine(registered.key, text, now + 1, registered.sign);
    const mixed = Buffer.from(other.trim().split(' ')[2]!, 'base64');
    mixed.writeBigUInt64BE(BigInt(now), 4);
    expect((await post(text, `— reg/w ${mixed.toString('base64')}\n`)).statusCode).toBe(400);

    // Dated far in the future (the largest timestamp the line can hold), validly signed: refused, not a 500.
    expect((await post(text, cosignatureLine(registered.key, text, Number.MAX_SAFE_INTEGER, registered.sign))).statusCode).toBe(400);
    for (const [cp, line] of [
      [text, 'not a line'],
      ['garbage', good],
      [text, `— reg/w ${Buffer.alloc(20).toString('base64')}`],
      ['', good],
    ] as const) {
      const r = await post(cp, line);
      expect(r.statusCode, `${cp} / ${line}`).toBe(400);
      expect(r.json().message).toBeTruthy();
    }
    expect(await count('tlog_cosignature')).toBe(0);

    // The good one is stored once; a repeat is accepted and not stored again.
    expect((await post(k.note, good)).json()).toMatchObject({ stored: true, witness: 'reg/w', size: k.size });
    expect((await post(text, good)).json()).toMatchObject({ stored: false });
    expect(await count('tlog_cosignature')).toBe(1);
  });

  test('registering a witness: admin only, audited; a bad or repeated key is refused', async () => {
    ctx = await createTestApp();
    const w = await initWitness(tmp(), 'a/w');
    expect((await ctx.app.inject({ method: 'POST', url: '/api/tlog/witnesses', payload: { vkey: w.key.vkey } })).statusCode).toBe(401);
    for (const roles of [['officer'], ['auditor'], ['leader'], ['custodian'], ['supervisor']] as const) {
      const { session } = await loginAs(ctx, [...roles]);
      expect((await session.request('POST', '/api/tlog/witnesses', { vkey: w.key.vkey })).statusCode, roles[0]).toBe(403);
    }
    expect(await count('tlog_witness')).toBe(0);
    const logKey = (await checkpointSigners(ctx.dataDir, 'x.example/log'))[0]!.vkey; // a log key (type 0x01), not a witness key
    for (const bad of ['', 'nope', logKey, w.key.vkey.replace(/\+([0-9a-f]{8})\+/, '+00000000+'), `${w.key.vkey} extra`]) {
      const r = await registerAsAdmin(bad);
      expect(r.statusCode, bad).toBe(400);
    }
    expect((await registerAsAdmin(w.key.vkey)).statusCode).toBe(201);
    expect((await registerAsAdmin(w.key.vkey)).statusCode).toBe(409);
    expect(((await ctx.app.inject({ method: 'GET', url: '/api/tlog/witnesses' })).json() as { items: unknown[] }).items).toEqual([expect.objectContaining({ name: 'a/w', vkey: w.key.vkey })]);
    expect((await sql<{ n: string }>`SELECT count(*) AS n FROM audit_event WHERE action = 'tlog.witness.add'`.execute(ctx.db)).rows[0]!.n).toBe('1');
  });
});
