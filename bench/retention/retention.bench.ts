// Retention recompute benchmark (issue 11): after a retention table change, the set-based recompute of every
// recording's keep-until date (recomputeRetention({ all: true })) over N generated recordings (default
// 1,000,000), against one plain UPDATE of the same rows with a constant date, measured in the same run.
//
//   node --import tsx bench/retention/retention.bench.ts [--rows=1000000]
//   (or RETENTION_BENCH_ROWS; DATABASE_URL selects an external server)
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { createDatabase, type Database } from '../../src/platform/db/database.ts';
import { openEmbeddedPostgres } from '../../src/platform/db/embedded-postgres.ts';
import { migrate } from '../../src/platform/db/migrate.ts';
import { recomputeRetention } from '../../src/modules/retention/retention.service.ts';
import { Cleanup, createFreshDatabase, dropDatabase, elapsedMs, fmtInt, fmtNum, fmtRatio, loadLine, numberOption, printTable, randomSuffix } from '../lib/bench-utils.ts';

const ROWS = numberOption('rows', 'RETENTION_BENCH_ROWS', 1_000_000);

async function openDb(cleanup: Cleanup): Promise<Database> {
  const external = process.env.DATABASE_URL;
  if (external) {
    const name = `quanlu_bench_retention_${randomSuffix()}`;
    const url = await createFreshDatabase(external, name);
    cleanup.add('drop bench database', () => dropDatabase(external, name));
    return createDatabase(url, 2);
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'quanlu-bench-retention-'));
  cleanup.add('remove data dir', () => rm(dir, { recursive: true, force: true }));
  const e = await openEmbeddedPostgres(dir);
  cleanup.add('stop embedded PostgreSQL', () => e.stop());
  return createDatabase(e.ownerUrl, 2);
}

async function generate(db: Database) {
  await sql`INSERT INTO department (name, kind) VALUES ('执法大队', 'detachment')`.execute(db);
  await sql`INSERT INTO app_user (username, display_name, password_hash, roles) VALUES ('bench', 'bench', 'x', '{custodian}')`.execute(db);
  const batch = 200_000;
  for (let start = 0; start < ROWS; start += batch) {
    const n = Math.min(batch, ROWS - start);
    await sql`
      WITH g AS (SELECT ${start} + i AS i FROM generate_series(1, ${n}) i),
      o AS (INSERT INTO original (sha256, sm3, size_bytes) SELECT md5('s' || i) || md5('t' || i), md5('u' || i) || md5('v' || i), 1000 FROM g RETURNING sha256)
      INSERT INTO recording (original_sha256, file_name, department_id, recorded_start, uploaded_by, activity, party_informed)
      SELECT md5('s' || i) || md5('t' || i), i || '.mp4', (SELECT id FROM department LIMIT 1),
        timestamptz '2024-01-01' + (i * interval '47 seconds'), (SELECT id FROM app_user LIMIT 1),
        (ARRAY['patrol','investigation','questioning','service','hearing','coercion','other'])[1 + i % 7], 'yes'
      FROM g`.execute(db);
    process.stderr.write(`  generated ${fmtInt(start + n)} / ${fmtInt(ROWS)} recordings\n`);
  }
  await sql`ANALYZE`.execute(db);
}

async function timed<T>(label: string, f: () => Promise<T>): Promise<{ label: string; ms: number; result: T }> {
  const t0 = performance.now();
  const result = await f();
  return { label, ms: elapsedMs(t0), result };
}

async function main() {
  const cleanup = new Cleanup();
  try {
    const db = await openDb(cleanup);
    cleanup.add('close pool', () => db.destroy());
    await migrate(db);
    console.log(`retention bench: ${fmtInt(ROWS)} recordings — ${loadLine()}`);
    await generate(db);
    const first = await timed('first computation (rows inserted)', () => db.transaction().execute((trx) => recomputeRetention(trx, { all: true })));
    await sql`VACUUM ANALYZE recording_retention`.execute(db);
    // A table change that moves every recording's date: both AV periods from 6 to 12 months.
    await sql`WITH v AS (INSERT INTO retention_table_version (version, note, approved_at) VALUES (2, 'bench', now()) RETURNING id)
      INSERT INTO retention_rule (version_id, category, period_unit, period_count)
      SELECT v.id, x.c, x.u, x.n FROM v, (VALUES ('av_patrol', 'months', 12), ('av_other', 'months', 12), ('case_file_general', 'permanent', NULL::int), ('case_file_simple', 'years', 30)) x(c, u, n)`.execute(db);
    const recompute = await timed('recompute after a table change', () => db.transaction().execute((trx) => recomputeRetention(trx, { all: true })));
    await sql`VACUUM ANALYZE recording_retention`.execute(db);
    const baseline = await timed('baseline: one UPDATE, constant date', async () => Number((await sql`UPDATE recording_retention SET keep_until = DATE '2030-01-01'`.execute(db)).numAffectedRows));
    printTable(
      ['step', 'rows', 'seconds', 'vs baseline'],
      [
        [baseline.label, fmtInt(baseline.result), fmtNum(baseline.ms / 1000), '1.00×'],
        [recompute.label, fmtInt(recompute.result.recordings), fmtNum(recompute.ms / 1000), fmtRatio(recompute.ms / baseline.ms)],
        [first.label, fmtInt(first.result.recordings), fmtNum(first.ms / 1000), fmtRatio(first.ms / baseline.ms)],
      ],
    );
  } finally {
    await cleanup.run();
  }
}

await main();
