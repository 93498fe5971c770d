import { rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createDatabase } from '../../src/platform/db/database.ts';
import { buildApp } from '../../src/platform/http/app.ts';
import { createTestApp, listenAsUploader, loginAs, type TestContext } from '../support/harness.ts';

/**
 * Issue 6 items 18 and 19, and the upload-metadata side of items 12, 16 and 17: over real sockets,
 * bodies that stop arriving are cut off while a slow upload that keeps sending is not; public health
 * tells nothing internal.
 */

let ctx: TestContext;
let up: Awaited<ReturnType<typeof listenAsUploader>>;
let port: number;
beforeAll(async () => {
  // Short limits so the test sees them; the defaults are 30 s idle and 60 s for a whole JSON body.
  ctx = await createTestApp({ QUANLU_BODY_IDLE_SECONDS: '1.5', QUANLU_BODY_TIMEOUT_SECONDS: '3' });
  up = await listenAsUploader(ctx);
  port = Number(new URL(up.base).port);
});
afterAll(() => ctx.close());

/** A raw HTTP/1.1 exchange: write the head, then whatever `send` writes; resolves with all bytes once the server closes. */
function rawExchange(head: string, send: (s: net.Socket) => void | Promise<void> = () => undefined) {
  const socket = net.connect(port, '127.0.0.1');
  let data = '';
  socket.setEncoding('latin1');
  socket.on('data', (d: string) => (data += d));
  const closed = new Promise<string>((resolve) => socket.on('close', () => resolve(data)));
  socket.on('error', () => undefined);
  socket.write(head);
  void send(socket);
  return { socket, closed, data: () => data };
}
const waitFor = async (cond: () => boolean) => {
  while (!cond()) await new Promise((r) => setTimeout(r, 20));
};
const tusHead = (id: string, offset: number, length: number) =>
  `PATCH /api/uploads/${id} HTTP/1.1\r\nHost: x\r\nTus-Resumable: 1.0.0\r\nUpload-Offset: ${offset}\r\n` +
  `Content-Type: application/offset+octet-stream\r\nContent-Length: ${length}\r\nAuthorization: ${up.headers.authorization}\r\n\r\n`;
const tusMetadata = (meta: unknown) =>
  `filename ${Buffer.from('a.mp4').toString('base64')},metadata ${Buffer.from(typeof meta === 'string' ? meta : JSON.stringify(meta)).toString('base64')}`;
const createUpload = (meta: unknown, size = 32 * 1024) =>
  fetch(`${up.base}/api/uploads`, {
    method: 'POST',
    headers: { ...up.headers, 'tus-resumable': '1.0.0', 'upload-length': String(size), 'upload-metadata': tusMetadata(meta), 'accept-language': 'en' },
  });

describe('item 18: bodies that stop arriving', () => {
  test('a JSON body that never arrives: 408 and the connection is closed', async () => {
    const x = rawExchange('POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\nAccept-Language: en\r\n\r\n');
    const res = await x.closed;
    expect(res).toMatch(/^HTTP\/1\.1 408/);
    expect(res.toLowerCase()).toContain('connection: close');
    expect(res).toContain('"code":"REQUEST_TIMEOUT"');
  });

  test('a JSON body trickling in (a byte now and then) is cut at the whole-body deadline', async () => {
    let stop = false;
    const x = rawExchange('POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n', async (s) => {
      while (!stop && !s.destroyed) {
        s.write(' ');
        await new Promise((r) => setTimeout(r, 250));
      }
    });
    const res = await x.closed;
    stop = true;
    expect(res).toMatch(/^HTTP\/1\.1 408/);
  });

  test('a slow upload that keeps sending is never cut; a stalled one is closed and resumes from its offset', async () => {
    const created = await createUpload(JSON.parse(up.meta));
    expect(created.status).toBe(201);
    const id = created.headers.get('location')!.split('/').pop()!;

    // 16 KiB in 1 KiB pieces every 400 ms: longer than the idle limit and the JSON-body deadline together.
    const slow = rawExchange(tusHead(id, 0, 16 * 1024), async (s) => {
      for (let i = 0; i < 16; i++) {
        await new Promise((r) => setTimeout(r, 400));
        s.write(Buffer.alloc(1024, i));
      }
    });
    await Promise.race([waitFor(() => /\r\n\r\n/.test(slow.data())), slow.closed]);
    expect(slow.data()).toMatch(/^HTTP\/1\.1 204/);
    expect(slow.data()).toMatch(/upload-offset: 16384/i);
    slow.socket.destroy();

    // Announces 8 KiB, sends 1 KiB, then nothing: the server closes the connection.
    const stalled = rawExchange(tusHead(id, 16 * 1024, 8 * 1024), (s) => void s.write(Buffer.alloc(1024, 7)));
    await stalled.closed;
    const head = await fetch(`${up.base}/api/uploads/${id}`, { method: 'HEAD', headers: { ...up.headers, 'tus-resumable': '1.0.0' } });
    expect(head.status).toBe(200);
    expect(head.headers.get('upload-offset')).toBe(String(17 * 1024));
  });
});

describe('items 12, 16, 17 in upload metadata: refused before any byte, nothing left behind', () => {
  const uploads = async () => Number((await ctx.db.selectFrom('upload').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
  const inMinutes = (m: number) => new Date(Date.now() + m * 60_000).toISOString();
  // change to the metadata → field → en message
  const cases: [Record<string, unknown>, string, string][] = [
    [{ recordedStart: '2026-11-27T00:00:00+16:00' }, 'recordedStart', 'the UTC offset must be between -14:00 and +14:00'],
    [{ recordedStart: inMinutes(24 * 60) }, 'recordedStart', "the start is more than 10 minutes after the server's current time; check the device clock"],
    [{ days: 30 }, 'days', 'unknown field'],
    [{ party: 'evil\u202egpj.exe' }, 'party', 'must not contain text-direction control characters (U+202A–U+202E, U+2066–U+2069), which can disguise text such as a file extension'],
    [{ notes: '第一行\u0000' }, 'notes', 'must not contain control characters (other than line breaks and tabs)'],
  ];
  test.each(cases)('metadata %j: 400 on %s', async (change, field, message) => {
    const before = await uploads();
    const res = await createUpload({ ...JSON.parse(up.meta), ...change });
    expect(res.status).toBe(400);
    expect((await res.json()).fields).toEqual({ [field]: message });
    expect(await uploads()).toBe(before);
  });

  test('a start 5 minutes ahead (device clock) is accepted and marked clockAhead in the audit event', async () => {
    const res = await createUpload({ ...JSON.parse(up.meta), recordedStart: inMinutes(5) });
    expect(res.status).toBe(201);
    const id = res.headers.get('location')!.split('/').pop()!;
    const event = await ctx.db.selectFrom('audit_event').select('details').where('action', '=', 'upload.create').where('target_id', '=', id).executeTakeFirstOrThrow();
    expect(event.details).toMatchObject({ clockAhead: true });
  });
});

describe('item 19: public health tells nothing internal; administrators see details', () => {
  test('storage failing: anonymous callers see ok/failed only, an admin sees the error, others may not', async () => {
    await rm(path.join(ctx.dataDir, 'tmp'), { recursive: true, force: true });
    await writeFile(path.join(ctx.dataDir, 'tmp'), 'not a folder');
    try {
      const pub = await ctx.app.inject({ method: 'GET', url: '/api/health' });
      expect(pub.statusCode).toBe(503);
      expect(pub.json()).toEqual({ status: 'unavailable', checks: { database: { ok: true }, storage: { ok: false } } });
      expect(pub.body).not.toContain(ctx.dataDir);

      expect((await ctx.app.inject({ method: 'GET', url: '/api/health/detail' })).statusCode).toBe(401);
      const officer = (await loginAs(ctx, ['officer'])).session;
      expect((await officer.request('GET', '/api/health/detail')).statusCode).toBe(403);
      const admin = (await loginAs(ctx, ['admin'])).session;
      const detail = await admin.request('GET', '/api/health/detail');
      expect(detail.statusCode).toBe(503);
      expect(detail.json().checks.storage).toMatchObject({ ok: false, ms: expect.any(Number), error: expect.stringMatching(/ENOTDIR|EEXIST/) });
    } finally {
      await rm(path.join(ctx.dataDir, 'tmp'), { force: true });
    }
    expect((await ctx.app.inject({ method: 'GET', url: '/api/health' })).statusCode).toBe(200);
  });

  test('database down: the public answer names no address; the outage is logged at error level', async () => {
    const lines: { level: number; msg: string; error?: string }[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l));
        done();
      },
    });
    const db = createDatabase('postgres://nobody:x@127.0.0.1:1/none', 1);
    const app = await buildApp({ ...ctx.deps, db }, { logger: { level: 'info', stream }, serveWeb: false });
    try {
      const res = await app.inject({ method: 'GET', url: '/api/health' });
      expect(res.statusCode).toBe(503);
      expect(res.json()).toEqual({ status: 'unavailable', checks: { database: { ok: false }, storage: { ok: true } } });
      expect(res.body).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|:1\b/);
      const logged = lines.find((l) => l.level === 50 && /database/.test(l.msg));
      expect(logged?.error).toMatch(/ECONNREFUSED/);
    } finally {
      await app.close();
      await db.destroy();
    }
  });
});
