// Chain-of-custody report (issue 8 §7): time and memory of the streamed PDF (and of the paged JSON) for a
// recording with many audit events, against the baseline of reading the same rows with one plain SELECT, in
// the same process and run. Half the chain is noise about other recordings, so the report must find its own.
//   node --expose-gc --import tsx bench/custody/custody.bench.ts [--events=20000]
//   (or CUSTODY_BENCH_EVENTS; DATABASE_URL selects an external server)
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { appendAuditEvent } from '../../src/platform/audit/audit-chain.ts';
import { hashPassword } from '../../src/platform/auth/secrets.ts';
import { loadConfig } from '../../src/platform/config/config.ts';
import { createDatabase, type Database } from '../../src/platform/db/database.ts';
import { openEmbeddedPostgres } from '../../src/platform/db/embedded-postgres.ts';
import { migrate } from '../../src/platform/db/migrate.ts';
import { buildApp } from '../../src/platform/http/app.ts';
import { openObjectStore } from '../../src/platform/storage/open-object-store.ts';
import { Cleanup, createFreshDatabase, dropDatabase, elapsedMs, fmtInt, fmtNum, fmtRatio, loadLine, numberOption, printTable, randomSuffix } from '../lib/bench-utils.ts';

const EVENTS = numberOption('events', 'CUSTODY_BENCH_EVENTS', 20_000);
const STEPS = [Math.round(EVENTS / 10), EVENTS];

/** GET a URL to the end; resolves with the time, the bytes and the highest RSS seen meanwhile (sampled). */
function download(url: string, cookie: string): Promise<{ ms: number; bytes: number; peakRss: number; peakHeap: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let bytes = 0;
    let peakRss = process.memoryUsage.rss();
    let peakHeap = process.memoryUsage().heapUsed;
    // With --expose-gc each sample collects first, so the heap figure is what is live, not garbage not yet swept.
    const timer = setInterval(() => {
      global.gc?.();
      const m = process.memoryUsage();
      peakRss = Math.max(peakRss, m.rss);
      peakHeap = Math.max(peakHeap, m.heapUsed + m.arrayBuffers);
    }, 200);
    http
      .get(url, { headers: { cookie } }, (res) => {
        if (res.statusCode !== 200) reject(new Error(`${url}: HTTP ${res.statusCode}`));
        res.on('data', (c: Buffer) => {
          bytes += c.length;
        });
        res.on('end', () => {
          clearInterval(timer);
          resolve({ ms: elapsedMs(t0), bytes, peakRss: Math.max(peakRss, process.memoryUsage.rss()), peakHeap });
        });
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

/** Appends `n` seek events about `recordingId` and `n` about other recordings, interleaved, in batches. */
async function addEvents(db: Database, userId: string, recordingId: string, others: string[], n: number) {
  for (let done = 0; done < n; done += 200) {
    await db.transaction().execute(async (trx) => {
      for (let i = 0; i < Math.min(200, n - done); i++) {
        const seeks = [{ offset: i * 1000, at: new Date().toISOString() }];
        await appendAuditEvent(trx, { actor: { kind: 'user', id: userId, label: 'bench_viewer' }, action: 'recording.playback.seek', target: { type: 'recording', id: recordingId }, details: { sessionId: recordingId, count: 1, seeks } });
        const other = others[i % others.length]!;
        await appendAuditEvent(trx, { actor: { kind: 'user', id: userId, label: 'bench_viewer' }, action: 'recording.playback.seek', target: { type: 'recording', id: other }, details: { sessionId: other, count: 1, seeks } });
      }
    });
  }
}

async function main() {
  const cleanup = new Cleanup();
  try {
    console.log(`custody bench: ${STEPS.join(' and ')} events about one recording (as many about others) — ${loadLine()}`);
    const dir = await mkdtemp(path.join(tmpdir(), 'quanlu-custody-bench-'));
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
    const db = createDatabase(url, 10);
    cleanup.add('close pool', () => db.destroy());
    await migrate(db);
    const config = loadConfig({ QUANLU_DATA_DIR: path.join(dir, 'data'), DATABASE_URL: url, QUANLU_LOG_LEVEL: 'silent', QUANLU_WORKERS: 'false' });
    const app = await buildApp({ config, db, storage: openObjectStore(config) }, { logger: false, serveWeb: false });
    cleanup.add('close app', () => app.close());
    const base = await app.listen({ port: 0, host: '127.0.0.1' });

    const dept = (await sql<{ id: string }>`INSERT INTO department (name, kind) VALUES ('基准测试支队', 'detachment') RETURNING id`.execute(db)).rows[0]!.id;
    const hash = await hashPassword('BenchPass2026');
    const user = async (name: string, roles: string[]) =>
      (await sql<{ id: string }>`INSERT INTO app_user (username, display_name, password_hash, roles, department_id)
        VALUES (${name}, ${name}, ${hash}, ${roles}, ${dept}) RETURNING id`.execute(db)).rows[0]!.id;
    const viewer = await user('bench_viewer', ['officer']);
    await user('bench_auditor', ['auditor']);
    const recording = async () => {
      const sha = randomBytes(32).toString('hex');
      await sql`INSERT INTO original (sha256, sm3, size_bytes) VALUES (${sha}, ${randomBytes(32).toString('hex')}, 1000)`.execute(db);
      return (await sql<{ id: string }>`INSERT INTO recording (original_sha256, file_name, department_id, recorded_start, uploaded_by, activity, party_informed)
        VALUES (${sha}, 'bench.mp4', ${dept}, now(), ${viewer}, 'patrol', 'yes') RETURNING id`.execute(db)).rows[0]!.id;
    };
    const rec = await recording();
    const others = [await recording(), await recording(), await recording()];
    const login = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'bench_auditor', password: 'BenchPass2026' } });
    const cookie = login.cookies.map((c) => `${c.name}=${c.value}`).join('; ');

    const rows: string[][] = [];
    let have = 0;
    for (const n of STEPS) {
      const t0 = performance.now();
      await addEvents(db, viewer, rec, others, n - have);
      have = n;
      console.log(`  ${fmtInt(n)} events about the recording written in ${fmtNum(elapsedMs(t0) / 1000, 1)} s`);
      // Baseline: the same recording's rows with one plain SELECT (no report, no PDF).
      const b0 = performance.now();
      const plain = await sql`SELECT * FROM audit_event WHERE target_type = 'recording' AND target_id = ${rec} ORDER BY seq`.execute(db);
      const baselineMs = elapsedMs(b0);
      // JSON: every page of the report (1000 events a page).
      const j0 = performance.now();
      let cursor: string | null = '';
      let jsonEvents = 0;
      while (cursor !== null) {
        const res = await app.inject({ method: 'GET', url: `/api/recordings/${rec}/custody?limit=1000${cursor ? `&cursor=${cursor}` : ''}`, headers: { cookie } });
        const body = res.json() as { events: unknown[]; nextCursor: string | null };
        jsonEvents += body.events.length;
        cursor = body.nextCursor;
      }
      const jsonMs = elapsedMs(j0);
      // Run with --expose-gc for a clean start (the JSON pages above leave garbage behind).
      global.gc?.();
      const rssBefore = process.memoryUsage.rss();
      const heapBefore = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
      const pdf = await download(`${base}/api/recordings/${rec}/custody.pdf`, cookie);
      rows.push([
        fmtInt(n),
        fmtInt(plain.rows.length),
        fmtNum(baselineMs, 0),
        `${fmtNum(jsonMs, 0)} (${fmtInt(jsonEvents)} ev)`,
        fmtNum(pdf.ms, 0),
        fmtRatio(pdf.ms / baselineMs),
        fmtInt(Math.round(n / (pdf.ms / 1000))),
        fmtNum(pdf.bytes / 1e6, 1),
        fmtNum((pdf.peakRss - rssBefore) / 1e6, 0),
        fmtNum((pdf.peakHeap - heapBefore) / 1e6, 0),
      ]);
    }
    printTable(['events', 'SELECT rows', 'SELECT ms (baseline)', 'JSON pages ms', 'PDF ms', 'PDF / SELECT', 'PDF events/s', 'PDF MB', 'RSS growth during PDF, MB', 'live JS heap + buffers above start, MB (peak)'], rows);
    console.log(`end — ${loadLine()}`);
  } finally {
    await cleanup.run();
  }
}

await main();
