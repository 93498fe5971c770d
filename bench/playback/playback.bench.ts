// Playback throughput and time to first byte: QuanLu's proxy route (viewing session, access decision point on
// every request and every 4 MiB / 1 s of a stream, session bookkeeping) against @fastify/static serving the same
// file in the same process and run, for 1 and 50 concurrent viewers.
//   node --import tsx bench/playback/playback.bench.ts [--mb=64] [--seeks=20]
//   (or PLAYBACK_BENCH_MB, PLAYBACK_BENCH_SEEKS; DATABASE_URL selects an external server)
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import fastifyStatic from '@fastify/static';
import Fastify from 'fastify';
import { sql } from 'kysely';
import pg from 'pg';
import { hashPassword } from '../../src/platform/auth/secrets.ts';
import { loadConfig } from '../../src/platform/config/config.ts';
import { createDatabase } from '../../src/platform/db/database.ts';
import { openEmbeddedPostgres } from '../../src/platform/db/embedded-postgres.ts';
import { migrate } from '../../src/platform/db/migrate.ts';
import { buildApp } from '../../src/platform/http/app.ts';
import { openObjectStore } from '../../src/platform/storage/open-object-store.ts';
import { Cleanup, createFreshDatabase, dropDatabase, elapsedMs, fmtNum, fmtRatio, loadLine, median, numberOption, percentile, printTable, randomSuffix } from '../lib/bench-utils.ts';

const MB = numberOption('mb', 'PLAYBACK_BENCH_MB', 64);
const SEEKS = numberOption('seeks', 'PLAYBACK_BENCH_SEEKS', 20);
const CONCURRENCY = [1, 50];
/** What a player asks for after a seek: one MiB from a random offset. */
const SEEK_BYTES = 1 << 20;

const agent = new http.Agent({ keepAlive: true, maxSockets: 128 });

// Database statements sent by this process (the server's pool included): counted around the seek rounds, so the
// table can say how many round trips one range read costs (BEGIN and COMMIT count as statements).
let statements = 0;
const clientQuery = pg.Client.prototype.query;
pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  statements++;
  return (clientQuery as (...a: unknown[]) => unknown).apply(this, args);
} as typeof clientQuery;

/** GET with a Range; resolves with the time to the first body byte and to the end, and the bytes read. */
function get(url: string, range: string, headers: Record<string, string>): Promise<{ ttfbMs: number; totalMs: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let ttfb = -1;
    let bytes = 0;
    const req = http.get(url, { agent, headers: { ...headers, range } }, (res) => {
      if (res.statusCode !== 206) reject(new Error(`${url}: HTTP ${res.statusCode}`));
      res.on('data', (c: Buffer) => {
        if (ttfb < 0) ttfb = elapsedMs(t0);
        bytes += c.length;
      });
      res.on('end', () => resolve({ ttfbMs: ttfb, totalMs: elapsedMs(t0), bytes }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

interface Target {
  label: string;
  /** The URL of viewer `i` (QuanLu: each viewer its own session). */
  url(i: number): string;
  headers: Record<string, string>;
}

/** c viewers each read the whole file (bytes=0-) at once: aggregate MB/s. */
async function throughput(t: Target, c: number, size: number): Promise<number> {
  const t0 = performance.now();
  const rs = await Promise.all(Array.from({ length: c }, (_, i) => get(t.url(i), 'bytes=0-', t.headers)));
  for (const r of rs) if (r.bytes !== size) throw new Error(`${t.label}: short read ${r.bytes}`);
  return (c * size) / 1e6 / (elapsedMs(t0) / 1000);
}

/** c viewers each seek SEEKS times (1 MiB from a random offset, one after another): TTFB of every seek. */
async function seeks(t: Target, c: number, size: number): Promise<number[]> {
  const out: number[] = [];
  await Promise.all(
    Array.from({ length: c }, async (_, i) => {
      for (let k = 0; k < SEEKS; k++) {
        const start = Math.floor(Math.random() * (size - SEEK_BYTES));
        out.push((await get(t.url(i), `bytes=${start}-${start + SEEK_BYTES - 1}`, t.headers)).ttfbMs);
      }
    }),
  );
  return out;
}

async function main() {
  const cleanup = new Cleanup();
  try {
    console.log(`playback bench: proxy of ${MB} MB, ${SEEKS} seeks per viewer, viewers ${CONCURRENCY.join(' and ')} — ${loadLine()}`);
    const dir = await mkdtemp(path.join(tmpdir(), 'quanlu-playback-bench-'));
    cleanup.add('temp folder', () => rm(dir, { recursive: true, force: true }));
    let adminUrl = process.env.DATABASE_URL;
    if (!adminUrl) {
      const emb = await openEmbeddedPostgres(path.join(dir, 'pg'));
      cleanup.add('stop embedded PostgreSQL', () => emb.stop());
      adminUrl = emb.superuserUrl;
    }
    const dbName = `quanlu_bench_${randomSuffix()}`;
    const url = await createFreshDatabase(adminUrl, dbName);
    cleanup.add(`drop ${dbName}`, () => dropDatabase(adminUrl!, dbName));
    const db = createDatabase(url, 20);
    cleanup.add('close pool', () => db.destroy());
    await migrate(db);

    const config = loadConfig({ QUANLU_DATA_DIR: path.join(dir, 'data'), DATABASE_URL: url, QUANLU_LOG_LEVEL: 'silent', QUANLU_WORKERS: 'false' });
    const storage = openObjectStore(config);
    const app = await buildApp({ config, db, storage }, { logger: false, serveWeb: false });
    cleanup.add('close app', () => app.close());
    const base = await app.listen({ port: 0, host: '127.0.0.1' });

    // The proxy: random bytes (incompressible) stored as a recording's proxy.
    const size = MB * 1_000_000;
    const put = await storage.put(Readable.from((function* () {
      for (let left = size; left > 0; left -= 4 << 20) yield randomBytes(Math.min(left, 4 << 20));
    })()));
    const dept = (await sql<{ id: string }>`INSERT INTO department (name, kind) VALUES ('基准测试支队', 'detachment') RETURNING id`.execute(db)).rows[0]!.id;
    const hash = await hashPassword('BenchPass2026');
    const user = async (name: string, roles: string[]) =>
      (await sql<{ id: string }>`INSERT INTO app_user (username, display_name, password_hash, roles, department_id)
        VALUES (${name}, ${name}, ${hash}, ${roles}, ${dept}) RETURNING id`.execute(db)).rows[0]!.id;
    const viewerId = await user('bench_viewer', ['officer']);
    const leaderId = await user('bench_leader', ['leader']);
    const originalSha = randomBytes(32).toString('hex');
    await sql`INSERT INTO original (sha256, sm3, size_bytes) VALUES (${originalSha}, ${randomBytes(32).toString('hex')}, 1000)`.execute(db);
    const rec = (await sql<{ id: string }>`INSERT INTO recording (original_sha256, file_name, department_id, recorded_start, uploaded_at, uploaded_by, activity, party_informed)
      VALUES (${originalSha}, 'bench.mp4', ${dept}, now() - interval '2 days', now() - interval '2 days', ${leaderId}, 'patrol', 'yes') RETURNING id`.execute(db)).rows[0]!.id;
    await sql`INSERT INTO derived_object (sha256, sm3, size_bytes, kind, mime_type, original_sha256) VALUES (${put.sha256}, ${put.sm3}, ${put.size}, 'proxy', 'video/mp4', ${originalSha})`.execute(db);
    await sql`INSERT INTO media_info (original_sha256, state, kind, proxy_sha256) VALUES (${originalSha}, 'ready', 'video', ${put.sha256})`.execute(db);
    const req = (await sql<{ id: string }>`INSERT INTO access_request (requester_id, department_id, kind, purpose, mode, period_from, period_until, state, decided_by, decided_at)
      VALUES (${viewerId}, ${dept}, 'items', '基准测试', 'view', now() - interval '1 hour', now() + interval '1 day', 'approved', ${leaderId}, now()) RETURNING id`.execute(db)).rows[0]!.id;
    const grant = (await sql<{ id: string }>`INSERT INTO access_grant (request_id, grantee_id, department_id, mode, valid_from, valid_until, approved_by)
      VALUES (${req}, ${viewerId}, ${dept}, 'view', now() - interval '1 hour', now() + interval '1 day', ${leaderId}) RETURNING id`.execute(db)).rows[0]!.id;
    await sql`INSERT INTO access_grant_item (grant_id, recording_id) VALUES (${grant}, ${rec})`.execute(db);

    const login = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'bench_viewer', password: 'BenchPass2026' } });
    const cookie = login.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
    const csrf = (login.json() as { csrfToken: string }).csrfToken;
    const sessions: string[] = [];
    for (let i = 0; i < Math.max(...CONCURRENCY); i++) {
      const s = await app.inject({ method: 'POST', url: `/api/recordings/${rec}/playback-sessions`, headers: { cookie, 'x-csrf-token': csrf } });
      if (s.statusCode !== 201) throw new Error(`playback session: ${s.statusCode} ${s.body}`);
      sessions.push((s.json() as { proxyUrl: string }).proxyUrl);
    }

    // Baseline: @fastify/static on the same file, in the same process.
    const plain = Fastify({ logger: false });
    const file = storage.localPath!(put.sha256);
    await plain.register(fastifyStatic, { root: path.dirname(file), prefix: '/', acceptRanges: true, cacheControl: false, etag: true });
    cleanup.add('close static server', () => plain.close());
    const plainBase = await plain.listen({ port: 0, host: '127.0.0.1' });

    const quanlu: Target = { label: 'QuanLu proxy (grant)', url: (i) => `${base}${sessions[i]}`, headers: { cookie } };
    const baseline: Target = { label: '@fastify/static', url: () => `${plainBase}/${path.basename(file)}`, headers: {} };
    // Warm the page cache and both servers.
    await throughput(baseline, 1, size);
    await throughput(quanlu, 1, size);

    const rows: string[][] = [];
    for (const c of CONCURRENCY) {
      // Interleaved, baseline first, so both see the same machine state.
      const tb = await throughput(baseline, c, size);
      const tq = await throughput(quanlu, c, size);
      const sb = await seeks(baseline, c, size);
      const before = statements;
      const sq = await seeks(quanlu, c, size);
      const perRead = (statements - before) / sq.length;
      rows.push([
        String(c),
        fmtNum(tq, 0),
        fmtNum(tb, 0),
        fmtRatio(tq / tb),
        `${fmtNum(median(sq))} / ${fmtNum(percentile(sq, 95))}`,
        `${fmtNum(median(sb))} / ${fmtNum(percentile(sb, 95))}`,
        fmtRatio(median(sq) / median(sb)),
        fmtNum(perRead, 1),
      ]);
    }
    printTable(['viewers', 'QuanLu MB/s', 'static MB/s', 'ratio', 'QuanLu TTFB ms (median / p95)', 'static TTFB ms (median / p95)', 'TTFB ratio', 'DB statements per range read'], rows);
    const audit = (await sql<{ action: string; n: string }>`SELECT action, count(*) AS n FROM audit_event WHERE action LIKE 'recording.playback.%' GROUP BY action ORDER BY action`.execute(db)).rows;
    console.log(`audit events written for ${sessions.length} sessions: ${audit.map((a) => `${a.action} ${a.n}`).join(', ')}`);
    console.log(`end — ${loadLine()}`);
  } finally {
    agent.destroy();
    await cleanup.run();
  }
}

await main();
