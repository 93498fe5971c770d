import { execFile, execFileSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { appendAuditEvent } from '../../src/platform/audit/audit-chain.ts';
import { tlogJobs } from '../../src/modules/tlog/tlog.jobs.ts';
import { signCheckpoint } from '../../src/modules/tlog/tlog.service.ts';
import { stampPending, witnessedCheckpoint } from '../../src/modules/tlog/tlog-witness.service.ts';
import { timeStampRequest, verifyTimeStampResponse } from '../../src/modules/tlog/tsa.ts';
import { createTestApp, type TestContext } from '../support/harness.ts';

/**
 * Trusted time (issue 13 §4): a local TSA started here (`openssl ts -reply` behind a small HTTP server, with a
 * CA and a TSA certificate made by openssl, extendedKeyUsage critical,timeStamping). Each signed checkpoint
 * gets a token, checked in the product by Node and here independently by `openssl ts -verify`; with the TSA
 * down the checkpoint is still signed, shown unstamped, and stamped by a later tick.
 */

const run = promisify(execFile);
let dir: string;
let server: Server;
let url: string;
let mode: 'up' | 'down' | 'garbage' = 'up';
let ctx: TestContext | undefined;

function openssl(args: string[]) {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'quanlu-tsa-'));
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '30', '-subj', '/CN=QuanLu Test TSA CA']);
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'tsa.key', '-out', 'tsa.csr', '-subj', '/CN=QuanLu Test TSA']);
  writeFileSync(path.join(dir, 'ext.cnf'), 'basicConstraints = CA:FALSE\nkeyUsage = critical,digitalSignature\nextendedKeyUsage = critical,timeStamping\n');
  openssl(['x509', '-req', '-in', 'tsa.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'tsa.pem', '-days', '30', '-extfile', 'ext.cnf']);
  // A second CA, trusted by nobody here: its TSA's replies must be refused when ca.pem is configured.
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca2.key', '-out', 'ca2.pem', '-days', '30', '-subj', '/CN=Other CA']);
  writeFileSync(path.join(dir, 'serial'), '01\n');
  writeFileSync(
    path.join(dir, 'openssl.cnf'),
    [
      '[ tsa ]',
      'default_tsa = tsa_config1',
      '[ tsa_config1 ]',
      `dir = ${dir}`,
      'serial = $dir/serial',
      'crypto_device = builtin',
      'signer_cert = $dir/tsa.pem',
      'certs = $dir/ca.pem',
      'signer_key = $dir/tsa.key',
      'signer_digest = sha256',
      'default_policy = 1.2.3.4.1',
      'digests = sha256, sha384, sha512',
      'accuracy = secs:1',
      'ordering = yes',
      'tsa_name = yes',
      'ess_cert_id_chain = no',
      'ess_cert_id_alg = sha256',
      '',
    ].join('\n'),
  );
  let n = 0;
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (mode === 'down') {
        res.writeHead(503).end();
        return;
      }
      if (mode === 'garbage') {
        res.writeHead(200, { 'content-type': 'application/timestamp-reply' }).end(Buffer.from('3003020100', 'hex'));
        return;
      }
      const q = path.join(dir, `q${++n}.tsq`);
      const r = path.join(dir, `r${n}.tsr`);
      writeFileSync(q, Buffer.concat(chunks));
      run('openssl', ['ts', '-reply', '-config', path.join(dir, 'openssl.cnf'), '-queryfile', q, '-out', r], { cwd: dir }).then(
        () => res.writeHead(200, { 'content-type': 'application/timestamp-reply' }).end(readFileSync(r)),
        () => res.writeHead(500).end(),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const a = server.address() as { port: number };
  url = `http://127.0.0.1:${a.port}/tsa`;
}, 120_000);

afterAll(async () => {
  await new Promise((r) => server?.close(r));
  await rm(dir, { recursive: true, force: true });
});
afterEach(async () => {
  mode = 'up';
  await ctx?.close();
  ctx = undefined;
});

async function events(c: TestContext, n: number) {
  for (let i = 0; i < n; i++) await c.db.transaction().execute((trx) => appendAuditEvent(trx, { actor: { kind: 'system', label: 'test' }, action: 'test.event', details: { i } }));
}
const stamps = async (c: TestContext) => (await sql<{ checkpoint_id: string; response: Buffer; gen_time: Date }>`SELECT checkpoint_id, response, gen_time FROM tlog_timestamp ORDER BY id`.execute(c.db)).rows;
/** The job as the worker runs it (tick, then the time stamps). */
async function runTickJob(c: TestContext) {
  const logs: string[] = [];
  await tlogJobs['tlog.tick'].handler(c.deps, {}, { jobId: '1', attempt: 1, signal: new AbortController().signal, log: (m) => logs.push(m) });
  return logs;
}

describe('RFC 3161 time stamps of checkpoints', () => {
  test('each signed checkpoint is stamped; the token verifies in Node and with openssl ts -verify', async () => {
    ctx = await createTestApp({ QUANLU_TSA_URL: url, QUANLU_TSA_CERT: path.join(dir, 'ca.pem') });
    await events(ctx, 7);
    await runTickJob(ctx); // signs the first periodic checkpoint and stamps it
    const [k] = (await sql<{ id: string; note: string }>`SELECT id, note FROM tlog_checkpoint ORDER BY id`.execute(ctx.db)).rows;
    const [t] = await stamps(ctx);
    expect(t).toMatchObject({ checkpoint_id: k!.id });
    const noteFile = path.join(dir, 'note.txt');
    const tsrFile = path.join(dir, 'stored.tsr');
    writeFileSync(noteFile, k!.note);
    writeFileSync(tsrFile, t!.response);
    // Independent check: openssl over the note bytes, the CA as the only trust anchor.
    const v = await run('openssl', ['ts', '-verify', '-data', noteFile, '-in', tsrFile, '-CAfile', path.join(dir, 'ca.pem'), '-untrusted', path.join(dir, 'tsa.pem')]);
    expect(v.stdout).toContain('Verification: OK');
    // And openssl reads the same imprint: SHA-256 of the note.
    const byDigest = await run('openssl', ['ts', '-verify', '-digest', createHash('sha256').update(k!.note).digest('hex'), '-in', tsrFile, '-CAfile', path.join(dir, 'ca.pem'), '-untrusted', path.join(dir, 'tsa.pem')]);
    expect(byDigest.stdout).toContain('Verification: OK');
    expect(Math.abs(t!.gen_time.getTime() - Date.now())).toBeLessThan(10 * 60_000);

    const w = await witnessedCheckpoint(ctx.deps, { minSize: 1 });
    expect(w.timestamps).toHaveLength(1);
    expect(w.timestamps[0]!.der.equals(t!.response)).toBe(true);
    expect(w.signedNote).toBe(k!.note);
    expect(w.tsaCertificatesPem.map((c) => new X509Certificate(c.certificatePem).subject)).toEqual(expect.arrayContaining(['CN=QuanLu Test TSA', 'CN=QuanLu Test TSA CA']));
    const att = (await ctx.app.inject({ method: 'GET', url: '/api/tlog/attestations' })).json() as { latest: { timestamps: { tsaName: string; verified: boolean }[] } };
    expect(att.latest.timestamps).toEqual([expect.objectContaining({ tsaName: 'CN=QuanLu Test TSA', verified: true })]);
    expect((await sql<{ n: string }>`SELECT count(*) AS n FROM audit_event WHERE action = 'tlog.timestamp'`.execute(ctx.db)).rows[0]!.n).toBe('1');
  }, 120_000);

  test('TSA down: the checkpoint is still signed, shown unstamped, and stamped by a later tick', async () => {
    ctx = await createTestApp({ QUANLU_TSA_URL: url });
    await events(ctx, 3);
    mode = 'down';
    const logs = await runTickJob(ctx);
    expect(logs.some((l) => l.includes('time-stamping authority failed'))).toBe(true);
    const signed = (await sql<{ id: string }>`SELECT id FROM tlog_checkpoint`.execute(ctx.db)).rows;
    expect(signed).toHaveLength(1);
    expect(await stamps(ctx)).toEqual([]);
    const att = (await ctx.app.inject({ method: 'GET', url: '/api/tlog/attestations' })).json() as { latest: { timestamps: unknown[] } };
    expect(att.latest.timestamps).toEqual([]);
    mode = 'garbage';
    expect((await stampPending(ctx.deps)).error).toBeTruthy();
    expect(await stamps(ctx)).toEqual([]);
    mode = 'up';
    await runTickJob(ctx); // not due for a new checkpoint: only the stamp is retried
    expect((await stamps(ctx)).map((s) => s.checkpoint_id)).toEqual([signed[0]!.id]);
    expect((await stampPending(ctx.deps)).stamped).toBe(0);
  }, 120_000);

  test('Node refuses a reply for another digest, another nonce, a flipped byte, or from a TSA of an untrusted CA', async () => {
    const digest = createHash('sha256').update('checkpoint').digest();
    const req = timeStampRequest(digest);
    const q = path.join(dir, 'unit.tsq');
    const r = path.join(dir, 'unit.tsr');
    writeFileSync(q, req.der);
    // openssl reads our request as a valid TimeStampReq.
    expect((await run('openssl', ['ts', '-query', '-in', q, '-text'])).stdout).toMatch(/Nonce: 0x[0-9A-F]+[\s\S]*Certificate required: yes/);
    await run('openssl', ['ts', '-reply', '-config', path.join(dir, 'openssl.cnf'), '-queryfile', q, '-out', r]);
    const reply = readFileSync(r);
    const ca = new X509Certificate(readFileSync(path.join(dir, 'ca.pem')));
    expect(verifyTimeStampResponse(reply, { digest, nonce: req.nonce, trusted: ca }).tsaName).toBe('CN=QuanLu Test TSA');
    expect(() => verifyTimeStampResponse(reply, { digest: createHash('sha256').update('other').digest(), nonce: req.nonce })).toThrow(/messageImprint/);
    expect(() => verifyTimeStampResponse(reply, { digest, nonce: Buffer.from([1, 2, 3]) })).toThrow(/nonce/);
    expect(() => verifyTimeStampResponse(reply, { digest, nonce: req.nonce, trusted: new X509Certificate(readFileSync(path.join(dir, 'ca2.pem'))) })).toThrow(/configured TSA certificate/);
    // The signature is the last 256 bytes of the token (RSA-2048) before any unsigned attributes: flip one.
    const flipped = Buffer.from(reply);
    flipped[flipped.length - 10]! ^= 1;
    expect(() => verifyTimeStampResponse(flipped, { digest, nonce: req.nonce, trusted: ca })).toThrow();
    // A byte of the TSTInfo (inside the signed content) changed: the signed digest no longer matches.
    const tst = Buffer.from(reply);
    const at = tst.indexOf(digest);
    tst[at + 40]! ^= 1;
    expect(() => verifyTimeStampResponse(tst, { digest, nonce: req.nonce, trusted: ca })).toThrow();
    // A rejection reply (status 2).
    expect(() => verifyTimeStampResponse(Buffer.from('30053003020102', 'hex'), { digest })).toThrow();
  }, 60_000);
});
