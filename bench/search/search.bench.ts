// Recording search benchmark: p50/p95 latency of typical filtered queries and of Chinese text queries
// over N generated recordings (default 1,000,000), with EXPLAIN plans, against a point lookup of one
// recording measured in the same run (and the text query with indexes switched off).
//
//   node --import tsx bench/search/search.bench.ts [--rows=1000000] [--runs=40]
//   (or SEARCH_BENCH_ROWS, SEARCH_BENCH_RUNS; DATABASE_URL selects an external server)
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { DB } from '../../src/platform/db/schema.ts';
import { createDatabase, type Database } from '../../src/platform/db/database.ts';
import { openEmbeddedPostgres } from '../../src/platform/db/embedded-postgres.ts';
import { migrate } from '../../src/platform/db/migrate.ts';
import { findRecording, searchRecordings } from '../../src/modules/recordings/recordings.repository.ts';
import type { RecordingQuery } from '../../src/modules/recordings/recordings.schema.ts';
import { Cleanup, createFreshDatabase, dropDatabase, elapsedMs, fmtInt, fmtNum, fmtRatio, loadLine, numberOption, percentile, printTable, randomSuffix } from '../lib/bench-utils.ts';

const ROWS = numberOption('rows', 'SEARCH_BENCH_ROWS', 1_000_000);
const RUNS = numberOption('runs', 'SEARCH_BENCH_RUNS', 40);
const DEPARTMENTS = 20;
const PEOPLE = 2_000;
const DEVICES = 1_000;

async function openDb(cleanup: Cleanup): Promise<{ db: Database; url: string }> {
  const external = process.env.DATABASE_URL;
  if (external) {
    const name = `quanlu_bench_search_${randomSuffix()}`;
    const url = await createFreshDatabase(external, name);
    cleanup.add('drop bench database', () => dropDatabase(external, name));
    return { db: createDatabase(url, 4), url };
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'quanlu-bench-search-'));
  cleanup.add('remove data dir', () => rm(dir, { recursive: true, force: true }));
  const e = await openEmbeddedPostgres(dir);
  cleanup.add('stop embedded PostgreSQL', () => e.stop());
  // As the owner: the bench migrates and bulk-loads (the serving role may do neither).
  return { db: createDatabase(e.ownerUrl, 4), url: e.ownerUrl };
}

/** Generates departments, people, a user and ROWS recordings with Chinese party / case / notes text, in SQL. */
async function generate(db: Database) {
  await sql`INSERT INTO department (name, kind) SELECT '执法' || g || '大队', 'detachment' FROM generate_series(1, ${DEPARTMENTS}) g`.execute(db);
  await sql`INSERT INTO person (name, staff_number, department_id, enrolled, certificate_number, certificate_valid_until)
    SELECT (ARRAY['张','王','李','刘','陈','杨','赵','黄','周','吴'])[1 + g % 10] || (ARRAY['伟','芳','娜','敏','静','磊','强','洋','艳','军'])[1 + (g / 10) % 10] || g,
      'S' || g, (SELECT id FROM department ORDER BY name OFFSET g % ${DEPARTMENTS} LIMIT 1), true, 'C' || g, '2099-12-31'
    FROM generate_series(1, ${PEOPLE}) g`.execute(db);
  await sql`INSERT INTO app_user (username, display_name, password_hash, roles) VALUES ('bench', 'bench', 'x', '{custodian}')`.execute(db);
  const batch = 100_000;
  for (let start = 0; start < ROWS; start += batch) {
    const t0 = performance.now();
    const n = Math.min(batch, ROWS - start);
    await sql`
      WITH g AS (SELECT ${start} + i AS i FROM generate_series(1, ${n}) i),
      o AS (INSERT INTO original (sha256, sm3, size_bytes)
            SELECT md5('s' || i) || md5('t' || i), md5('u' || i) || md5('v' || i), 50000000 + i FROM g RETURNING sha256)
      INSERT INTO recording (original_sha256, file_name, department_id, device_number, recorded_start, uploaded_at, uploaded_by,
        activity, party, case_name, notes, party_informed)
      SELECT md5('s' || i) || md5('t' || i), 'DSJ' || (i % ${DEVICES}) || '_' || i || '.mp4',
        d.ids[1 + i % ${DEPARTMENTS}], 'DSJ' || lpad((i % ${DEVICES})::text, 6, '0'),
        timestamptz '2025-01-01' + (i * interval '63 seconds'), timestamptz '2025-01-01' + (i * interval '63 seconds') + interval '6 hours',
        (SELECT id FROM app_user LIMIT 1),
        (ARRAY['patrol','investigation','questioning','service','hearing','coercion','other'])[1 + i % 7],
        (ARRAY['张','王','李','刘','陈','杨','赵','黄','周','吴'])[1 + (i / 7) % 10] || (ARRAY['伟','芳','娜','敏','静','磊','强','洋','艳','军'])[1 + (i / 70) % 10]
          || (ARRAY['便利店','商贸有限公司','超市','餐饮店','五金店','药店','服装店'])[1 + (i / 700) % 7],
        CASE WHEN i % 5 = 0 THEN '涉嫌' || (ARRAY['无证经营','销售过期食品','虚假宣传','未按规定备案'])[1 + i % 4] || '案第' || i || '号' END,
        CASE WHEN i % 3 = 0 THEN '现场检查，' || (ARRAY['当事人配合','当事人拒绝签字','发现过期商品','依法送达文书'])[1 + i % 4] END,
        'yes'
      FROM g, (SELECT array_agg(id ORDER BY name) AS ids FROM department) d`.execute(db);
    await sql`INSERT INTO recording_officer (recording_id, person_id)
      SELECT r.id, p.ids[1 + (abs(hashtext(r.id::text)) % ${PEOPLE})]
      FROM (SELECT id FROM recording ORDER BY created_at DESC, id LIMIT ${n}) r, (SELECT array_agg(id) AS ids FROM person) p
      ON CONFLICT DO NOTHING`.execute(db);
    process.stderr.write(`  generated ${fmtInt(start + n)} / ${fmtInt(ROWS)} recordings (${fmtNum(elapsedMs(t0) / 1000)} s for this batch)\n`);
  }
  await sql`INSERT INTO media_info (original_sha256, state) SELECT sha256, 'ready' FROM original`.execute(db);
  await sql`ANALYZE`.execute(db);
}

async function timeRuns(label: string, fn: (i: number) => Promise<unknown>): Promise<{ label: string; p50: number; p95: number }> {
  for (let i = 0; i < 3; i++) await fn(i);
  const t: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await fn(i + 3);
    t.push(elapsedMs(t0));
  }
  return { label, p50: percentile(t, 50), p95: percentile(t, 95) };
}

/** EXPLAIN ANALYZE of the exact SQL the API runs: a Kysely handle with a query log captures it. */
async function explain(url: string, q: RecordingQuery) {
  let captured: { sql: string; parameters: readonly unknown[] } | undefined;
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  const logging = new Kysely<DB>({ dialect: new PostgresDialect({ pool }), log: (e) => void (captured = e.query) });
  try {
    await searchRecordings(logging, { ...q, after: undefined });
    const plan = await pool.query(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${captured!.sql}`, [...captured!.parameters]);
    // The scans and the total are what tell whether indexes are used; the join plumbing is left out.
    return plan.rows
      .map((r: Record<string, string>) => r['QUERY PLAN']!)
      .filter((l) => /Scan|Index Cond|Recheck Cond|Execution Time|Limit/.test(l))
      .join('\n');
  } finally {
    await logging.destroy();
  }
}

async function main() {
  const cleanup = new Cleanup();
  try {
    const { db, url } = await openDb(cleanup);
    cleanup.add('close pool', () => db.destroy());
    await migrate(db);
    console.log(`search bench: ${fmtInt(ROWS)} recordings, ${RUNS} timed runs per query — ${loadLine()}`);
    const tg = performance.now();
    await generate(db);
    console.log(`generated in ${fmtNum(elapsedMs(tg) / 1000)} s`);

    const depts = (await sql<{ id: string }>`SELECT id FROM department ORDER BY name`.execute(db)).rows.map((r) => r.id);
    const people = (await sql<{ id: string }>`SELECT id FROM person ORDER BY staff_number`.execute(db)).rows.map((r) => r.id);
    const someIds = (await sql<{ id: string }>`SELECT id FROM recording TABLESAMPLE SYSTEM (1) LIMIT 200`.execute(db)).rows.map((r) => r.id);
    const month = (i: number) => {
      const from = new Date(Date.UTC(2025, i % 24, 1));
      return { from: from.toISOString(), to: new Date(Date.UTC(2025, (i % 24) + 1, 1)).toISOString() };
    };
    const base = { limit: 50, sort: 'recordedStart' } as RecordingQuery;
    const queries: [string, (i: number) => RecordingQuery][] = [
      ['department + one month + activity', (i) => ({ ...base, departmentId: depts[i % depts.length], activity: 'patrol', ...month(i) })],
      ['officer + one month', (i) => ({ ...base, officerId: people[i % people.length], ...month(i) })],
      ['device number (all time)', (i) => ({ ...base, deviceNumber: `DSJ${String(i % DEVICES).padStart(6, '0')}` })],
      ['Chinese text: party name 张伟', () => ({ ...base, q: '张伟' })],
      ['Chinese text: rare phrase 拒绝签字 + 药店', (i) => ({ ...base, q: i % 2 ? '拒绝签字' : '张芳药店' })],
      ['Chinese text + department', (i) => ({ ...base, q: '虚假宣传', departmentId: depts[i % depts.length] })],
    ];

    const lookup = await timeRuns('baseline: one recording by id', (i) => findRecording(db, someIds[i % someIds.length]!));
    const results = [];
    for (const [label, make] of queries) results.push(await timeRuns(label, (i) => searchRecordings(db, make(i))));
    // The text query without its index, to show what the index buys.
    const noIndex = await db.connection().execute(async (conn) => {
      await sql`SET enable_bitmapscan = off`.execute(conn);
      await sql`SET enable_indexscan = off`.execute(conn);
      const r = await timeRuns('Chinese text 拒绝签字, indexes off', () => searchRecordings(conn, { ...base, q: '拒绝签字' }));
      await sql`RESET ALL`.execute(conn);
      return r;
    });

    printTable(
      ['query (limit 50, newest first)', 'p50 ms', 'p95 ms', 'p50 / lookup p50'],
      [lookup, ...results, noIndex].map((r) => [r.label, fmtNum(r.p50), fmtNum(r.p95), fmtRatio(r.p50 / lookup.p50)]),
    );
    for (const [label, make] of queries) {
      console.log(`\nEXPLAIN — ${label}\n${await explain(url, make(1))}`);
    }
  } finally {
    await cleanup.run();
  }
}

await main();
