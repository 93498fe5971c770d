// Audit chain benchmark: append throughput (1 and 8 writers; 1, 2 and 4 writing processes) and verify
// throughput over a long chain, each against a baseline measured in the same run on the same server.
// Appends are written pending and chained by the sequencer (0027), which runs in the background during the
// append runs as in a node; the time to chain what was left when the writers stopped is reported too.
//
//   node --import tsx bench/audit/audit.bench.ts [--append=5000] [--writers=8] [--verify=1000000]
//     [--proc-append=3000] [--proc-writers=4]
//   (or AUDIT_BENCH_APPEND, AUDIT_BENCH_WRITERS, AUDIT_BENCH_VERIFY, AUDIT_BENCH_PROC_APPEND,
//   AUDIT_BENCH_PROC_WRITERS; DATABASE_URL selects an external server)
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { createHash } from 'node:crypto';
import { chainRow, eventHashTime, personUpdateInput, resetEventHashTime, type EventRow } from './events.ts';
import {
  appendAuditEvent,
  canonicalJson,
  GENESIS_HASH,
  sequenceAuditEvents,
  startAuditSequencerLoop,
  verifyAuditChain,
  type AuditInput,
} from '../../src/platform/audit/audit-chain.ts';
import { createDatabase, type Database } from '../../src/platform/db/database.ts';
import { openEmbeddedPostgres } from '../../src/platform/db/embedded-postgres.ts';
import { migrate } from '../../src/platform/db/migrate.ts';
import type { AuditEventTable } from '../../src/platform/db/schema.ts';
import {
  Cleanup,
  createFreshDatabase,
  dropDatabase,
  elapsedMs,
  fmtInt,
  fmtNum,
  fmtRatio,
  loadLine,
  numberOption,
  percentile,
  printTable,
  processesMentioning,
  randomSuffix,
} from '../lib/bench-utils.ts';

const APPEND = numberOption('append', 'AUDIT_BENCH_APPEND', 5_000);
const WRITERS = Math.max(1, numberOption('writers', 'AUDIT_BENCH_WRITERS', 8));
const VERIFY = numberOption('verify', 'AUDIT_BENCH_VERIFY', 1_000_000);
/** Events per process in the multi-process figure, and concurrent writers in each process. */
const PROC_APPEND = numberOption('proc-append', 'AUDIT_BENCH_PROC_APPEND', 3_000);
const PROC_WRITERS = Math.max(1, numberOption('proc-writers', 'AUDIT_BENCH_PROC_WRITERS', 4));
const PROCESSES = [1, 2, 4];
/** Rows per multi-row INSERT when generating the long chain. */
const GEN_BATCH = Math.max(1, numberOption('gen-batch', 'AUDIT_BENCH_GEN_BATCH', 5_000));
/** Same default as verifyAuditChain. */
const READ_BATCH = 20_000;
const WARMUP = Math.min(200, Math.ceil(APPEND / 10));

// ---------------------------------------------------------------------------------------------
// Measurement helpers

interface RunResult {
  label: string;
  events: number;
  ms: number;
  latencies: number[];
}

const rate = (r: { events: number; ms: number }) => (r.events / r.ms) * 1000;

/** Runs `count` operations on `writers` async loops; each op gets its global index. */
async function runLoops(label: string, count: number, writers: number, op: (i: number) => Promise<unknown>): Promise<RunResult> {
  let next = 0;
  const latencies: number[] = new Array(count);
  const t0 = performance.now();
  let lastReport = t0;
  await Promise.all(
    Array.from({ length: writers }, async () => {
      for (;;) {
        const i = next++;
        if (i >= count) return;
        const s = performance.now();
        await op(i);
        const e = performance.now();
        latencies[i] = e - s;
        if (e - lastReport > 5000) {
          lastReport = e;
          process.stdout.write(`    … ${label}: ${fmtInt(i + 1)}/${fmtInt(count)}\n`);
        }
      }
    }),
  );
  return { label, events: count, ms: elapsedMs(t0), latencies };
}

function progress(msg: string): void {
  process.stdout.write(`  ${msg}\n`);
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const cleanup = new Cleanup();
  const started = performance.now();
  const external = process.env.DATABASE_URL;
  console.log('QuanLu audit chain benchmark');
  console.log(
    `  append: ${fmtInt(APPEND)} events per run (warm-up ${WARMUP}), ${WRITERS} concurrent writers; verify: ${fmtInt(VERIFY)} events`,
  );
  console.log(`  machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, ${loadLine()}`);

  try {
    // --- A fresh server or database --------------------------------------------------------------
    let adminUrl: string;
    if (external) {
      adminUrl = external;
      console.log(`  database: external (DATABASE_URL host ${new URL(external).host}), fresh databases created for this run`);
    } else {
      const dir = await mkdtemp(path.join(tmpdir(), 'quanlu-bench-pg-'));
      cleanup.add('remove temp folder', async () => {
        await rm(dir, { recursive: true, force: true });
        const left = processesMentioning(dir);
        if (left.length) console.error(`WARNING: processes still mention ${dir}:`, left);
      });
      const t0 = performance.now();
      const emb = await openEmbeddedPostgres(dir);
      cleanup.add('stop embedded PostgreSQL', () => emb.stop());
      // The superuser creates the bench databases; the bench then works in them as their creator.
      adminUrl = emb.superuserUrl;
      console.log(`  database: embedded PostgreSQL in ${dir} (initialised and started in ${fmtNum(elapsedMs(t0) / 1000)} s)`);
    }
    const suffix = randomSuffix();
    const appendDbName = `quanlu_bench_${suffix}`;
    const verifyDbName = `quanlu_bench_${suffix}_verify`;

    const appendUrl = await createFreshDatabase(adminUrl, appendDbName);
    cleanup.add(`drop ${appendDbName}`, () => dropDatabase(adminUrl, appendDbName));
    const db = createDatabase(appendUrl, Math.max(10, WRITERS + 2));
    cleanup.add('close append pool', () => db.destroy());
    await migrate(db);
    const serverVersion = (await sql<{ v: string }>`SELECT current_setting('server_version') AS v`.execute(db)).rows[0]!.v;
    const settings = (
      await sql<{ name: string; setting: string }>`SELECT name, setting FROM pg_settings
        WHERE name IN ('fsync','synchronous_commit','wal_sync_method','shared_buffers','commit_delay')`.execute(db)
    ).rows;
    console.log(`  PostgreSQL ${serverVersion}; ${settings.map((s) => `${s.name}=${s.setting}`).join(', ')}`);

    // --- Append -----------------------------------------------------------------------------------
    console.log(`\n[1/3] Append: one transaction per event`);
    const plainDb = db.withTables<{ bench_plain_event: AuditEventTable }>();
    // Same columns, types, constraints and indexes as audit_event (LIKE … INCLUDING ALL), no triggers,
    // no head row, no hashing at insert time.
    await sql`CREATE TABLE bench_plain_event (LIKE audit_event INCLUDING ALL)`.execute(db);
    // The chain's row as before 0027 (its pending_id column and that column's index are the sequencer's).
    await sql`ALTER TABLE bench_plain_event DROP COLUMN pending_id`.execute(db);

    // Inputs and the baseline's rows are prepared before timing: the baseline gets the same values,
    // including a real precomputed chain hash.
    const totalPlain = WARMUP + 2 * APPEND;
    const inputs = Array.from({ length: totalPlain }, (_, i) => personUpdateInput(i));
    const plainRows: EventRow[] = [];
    {
      let prev: Buffer = GENESIS_HASH;
      for (let i = 0; i < totalPlain; i++) {
        const row = chainRow(BigInt(i + 1), prev, inputs[i]!, new Date());
        plainRows.push(row);
        prev = row.hash;
      }
    }
    const sampleDetailsBytes = Buffer.byteLength(plainRows[0]!.details);
    progress(`details JSON ≈ ${sampleDetailsBytes} bytes per event (person.update with Chinese text)`);

    const plainInsert = (row: EventRow) =>
      plainDb.transaction().execute((trx) => trx.insertInto('bench_plain_event').values(row).execute());
    const chainedAppend = (input: AuditInput) => db.transaction().execute((trx) => appendAuditEvent(trx, input));

    // Warm-up (connections, plans, caches), not timed.
    let plainNext = 0;
    let inputNext = 0;
    for (let i = 0; i < WARMUP; i++) await plainInsert(plainRows[plainNext++]!);
    for (let i = 0; i < WARMUP; i++) await chainedAppend(inputs[inputNext++]!);

    // The node's background sequencer, as a running server has it (default period).
    const stopLoop = startAuditSequencerLoop(db, 200, (msg, extra) => console.error(msg, extra));
    cleanup.add('stop sequencer loop', stopLoop);
    const drains: Record<string, number> = {};
    const drain = async (key: string) => {
      const t = performance.now();
      await sequenceAuditEvents(db);
      drains[key] = elapsedMs(t);
    };
    // Interleaved: baseline then chained, for 1 writer and then for N writers.
    const results: { plain1: RunResult; chained1: RunResult; plainN: RunResult; chainedN: RunResult } = {} as never;
    {
      const base = plainNext;
      progress(`plain INSERT, 1 writer…`);
      results.plain1 = await runLoops('plain 1 writer', APPEND, 1, (i) => plainInsert(plainRows[base + i]!));
      plainNext += APPEND;
      progress(`  ${fmtInt(rate(results.plain1))} ev/s`);
    }
    {
      const base = inputNext;
      progress(`appendAuditEvent, 1 writer…`);
      results.chained1 = await runLoops('chained 1 writer', APPEND, 1, (i) => chainedAppend(inputs[base + i]!));
      await drain('chained1');
      inputNext += APPEND;
      progress(`  ${fmtInt(rate(results.chained1))} ev/s`);
    }
    {
      const base = plainNext;
      progress(`plain INSERT, ${WRITERS} writers…`);
      results.plainN = await runLoops(`plain ${WRITERS} writers`, APPEND, WRITERS, (i) => plainInsert(plainRows[base + i]!));
      plainNext += APPEND;
      progress(`  ${fmtInt(rate(results.plainN))} ev/s`);
    }
    {
      const base = inputNext;
      progress(`appendAuditEvent, ${WRITERS} writers…`);
      results.chainedN = await runLoops(`chained ${WRITERS} writers`, APPEND, WRITERS, (i) => chainedAppend(inputs[base + i]!));
      await drain('chainedN');
      inputNext += APPEND;
      progress(`  ${fmtInt(rate(results.chainedN))} ev/s`);
    }

    // The concurrent appends must still form one valid chain.
    const appendVerify = await verifyAuditChain(db);
    const expectedChain = WARMUP + 2 * APPEND;
    const plainCount = Number(
      (await sql<{ n: string }>`SELECT count(*) AS n FROM bench_plain_event`.execute(db)).rows[0]!.n,
    );
    if (!appendVerify.ok || appendVerify.checked !== expectedChain) {
      throw new Error(`chain after appends is not valid: ${JSON.stringify(appendVerify)} (expected ${expectedChain} events)`);
    }
    if (plainCount !== totalPlain) throw new Error(`plain table holds ${plainCount} rows, expected ${totalPlain}`);
    progress(`chain after concurrent appends verified: ok, ${fmtInt(appendVerify.checked)} events`);

    const lat = (r: RunResult) =>
      `${fmtNum(percentile(r.latencies, 50))} / ${fmtNum(percentile(r.latencies, 95))} / ${fmtNum(percentile(r.latencies, 99))}`;
    console.log('');
    // End to end: until the last event written is in the chain (the writers' time plus the sequencer's drain).
    const e2e = (r: RunResult, key: string) => (r.events / (r.ms + drains[key]!)) * 1000;
    printTable(
      ['append (1 tx per event)', 'events', 'seconds', 'ev/s', 'tx ms p50 / p95 / p99', 'vs plain', 'chained after', 'ev/s until chained', 'vs plain'],
      [
        ['plain INSERT, 1 writer', fmtInt(APPEND), fmtNum(results.plain1.ms / 1000), fmtInt(rate(results.plain1)), lat(results.plain1), '1.00×', '–', '–', '–'],
        ['appendAuditEvent, 1 writer', fmtInt(APPEND), fmtNum(results.chained1.ms / 1000), fmtInt(rate(results.chained1)), lat(results.chained1), fmtRatio(rate(results.chained1) / rate(results.plain1)),
          `+${fmtNum(drains.chained1! / 1000)} s`, fmtInt(e2e(results.chained1, 'chained1')), fmtRatio(e2e(results.chained1, 'chained1') / rate(results.plain1))],
        [`plain INSERT, ${WRITERS} writers`, fmtInt(APPEND), fmtNum(results.plainN.ms / 1000), fmtInt(rate(results.plainN)), lat(results.plainN), '1.00×', '–', '–', '–'],
        [`appendAuditEvent, ${WRITERS} writers`, fmtInt(APPEND), fmtNum(results.chainedN.ms / 1000), fmtInt(rate(results.chainedN)), lat(results.chainedN), fmtRatio(rate(results.chainedN) / rate(results.plainN)),
          `+${fmtNum(drains.chainedN! / 1000)} s`, fmtInt(e2e(results.chainedN, 'chainedN')), fmtRatio(e2e(results.chainedN, 'chainedN') / rate(results.plainN))],
      ],
    );
    console.log(`  ${loadLine()}`);

    // --- Several writing processes (issue 10 §3: several api nodes) -----------------------------------
    console.log(`\n[2/3] Append from 1, 2 and 4 processes at once (${fmtInt(PROC_APPEND)} events each, ${PROC_WRITERS} writers per process; this process runs the sequencer loop)`);
    const procRuns: { n: number; events: number; ms: number; drainMs: number; childCpuMs: number; load: string }[] = [];
    for (const n of PROCESSES) {
      const children = Array.from({ length: n }, () =>
        spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'append-process.ts'), appendUrl, String(PROC_APPEND), String(PROC_WRITERS)], {
          stdio: ['pipe', 'pipe', 'inherit'],
        }),
      );
      const lines = children.map((c) => createInterface({ input: c.stdout! })[Symbol.asyncIterator]());
      for (const l of lines) {
        const first = await l.next();
        if (first.value !== 'ready') throw new Error(`append process said ${String(first.value)}`);
      }
      for (const c of children) c.stdin!.write('go\n');
      const outs = await Promise.all(lines.map(async (l) => JSON.parse(String((await l.next()).value)) as { start: number; end: number; events: number; cpuMs: number }));
      await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r)))));
      const start = Math.min(...outs.map((o) => o.start));
      const end = Math.max(...outs.map((o) => o.end));
      const td = performance.now();
      await sequenceAuditEvents(db);
      procRuns.push({ n, events: n * PROC_APPEND, ms: end - start, drainMs: elapsedMs(td), childCpuMs: outs.reduce((a, o) => a + o.cpuMs, 0), load: loadLine() });
      progress(`${n} process(es): ${fmtInt((n * PROC_APPEND * 1000) / (end - start))} ev/s`);
    }
    await stopLoop();
    const procVerify = await verifyAuditChain(db);
    if (!procVerify.ok) throw new Error(`chain after multi-process appends is not valid: ${JSON.stringify(procVerify)}`);
    progress(`chain after the multi-process appends verified: ok, ${fmtInt(procVerify.checked)} events`);
    const proc1 = procRuns[0]!;
    printTable(
      ['processes writing', 'events', 'seconds', 'ev/s', 'vs 1 process', 'chained after', 'writers\' CPU s', 'load'],
      procRuns.map((r) => [
        String(r.n),
        fmtInt(r.events),
        fmtNum(r.ms / 1000),
        fmtInt((r.events / r.ms) * 1000),
        fmtRatio(r.events / r.ms / (proc1.events / proc1.ms)),
        `+${fmtNum(r.drainMs / 1000)} s`,
        fmtNum(r.childCpuMs / 1000),
        r.load,
      ]),
    );
    await db.destroy();

    // --- Verify -----------------------------------------------------------------------------------
    console.log(`\n[3/3] Verify: a valid chain of ${fmtInt(VERIFY)} events in a second fresh database`);
    const verifyUrl = await createFreshDatabase(adminUrl, verifyDbName);
    cleanup.add(`drop ${verifyDbName}`, () => dropDatabase(adminUrl, verifyDbName));
    const vdb = createDatabase(verifyUrl, 4);
    cleanup.add('close verify pool', () => vdb.destroy());
    await migrate(vdb);

    // Generate: hashes in Node (eventHash), rows in multi-row INSERTs from unnest() arrays, straight into the
    // chain with its guard trigger off (as the owner; the generated chain is checked by the verify below).
    await sql`ALTER TABLE audit_event DISABLE TRIGGER USER`.execute(vdb);
    let prev: Buffer = GENESIS_HASH;
    let hashMs = 0;
    let insertMs = 0;
    resetEventHashTime();
    const genStart = performance.now();
    const baseTime = Date.now() - VERIFY * 1000; // one event a second, ending now
    let lastGenReport = performance.now();
    for (let start = 0; start < VERIFY; start += GEN_BATCH) {
      const n = Math.min(GEN_BATCH, VERIFY - start);
      const th = performance.now();
      const rows: EventRow[] = new Array(n);
      for (let k = 0; k < n; k++) {
        const i = start + k;
        const row = chainRow(BigInt(i + 1), prev, personUpdateInput(i), new Date(baseTime + i * 1000));
        rows[k] = row;
        prev = row.hash;
      }
      hashMs += elapsedMs(th);
      const ti = performance.now();
      await sql`INSERT INTO audit_event (seq, at, actor_id, actor_label, action, target_type, target_id, details, prev_hash, hash)
        SELECT * FROM unnest(
          ${rows.map((r) => r.seq)}::bigint[], ${rows.map((r) => r.at)}::timestamptz[], ${rows.map((r) => r.actor_id)}::uuid[],
          ${rows.map((r) => r.actor_label)}::text[], ${rows.map((r) => r.action)}::text[], ${rows.map((r) => r.target_type)}::text[],
          ${rows.map((r) => r.target_id)}::text[], ${rows.map((r) => r.details)}::jsonb[], ${rows.map((r) => r.prev_hash)}::bytea[],
          ${rows.map((r) => r.hash)}::bytea[])`.execute(vdb);
      insertMs += elapsedMs(ti);
      if (performance.now() - lastGenReport > 5000 || start + n === VERIFY) {
        lastGenReport = performance.now();
        progress(`generated ${fmtInt(start + n)}/${fmtInt(VERIFY)} (${fmtNum(elapsedMs(genStart) / 1000, 1)} s)`);
      }
    }
    await sql`ALTER TABLE audit_event ENABLE TRIGGER USER`.execute(vdb);
    await sql`UPDATE audit_head SET seq = ${String(VERIFY)}, hash = ${prev} WHERE id`.execute(vdb);
    const genMs = elapsedMs(genStart);
    // Hint bits and visibility map, as autovacuum would have left an old chain; not timed in any rate.
    const tv = performance.now();
    await sql`VACUUM (ANALYZE) audit_event`.execute(vdb);
    const vacuumMs = elapsedMs(tv);
    const tableSize = (
      await sql<{ t: string; i: string }>`SELECT pg_size_pretty(pg_table_size('audit_event')) AS t,
        pg_size_pretty(pg_indexes_size('audit_event')) AS i`.execute(vdb)
    ).rows[0]!;
    const pureHashMs = eventHashTime();
    progress(
      `generated in ${fmtNum(genMs / 1000, 1)} s (building rows ${fmtNum(hashMs / 1000, 1)} s of which eventHash ${fmtNum(pureHashMs / 1000, 1)} s, INSERT ${fmtNum(insertMs / 1000, 1)} s); ` +
        `VACUUM ANALYZE ${fmtNum(vacuumMs / 1000, 1)} s; table ${tableSize.t}, indexes ${tableSize.i}`,
    );

    // Baseline: the same query shape and batches as verifyAuditChain, rows decoded by pg, no hashing.
    const cpuSeconds = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1e6;
    const plainRead = async (label: string) => {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      let next = 1n;
      let count = 0;
      let lastReport = t0;
      for (;;) {
        const res = await sql<{ seq: string; hash: Buffer }>`SELECT seq, at, actor_id, actor_label, action, target_type, target_id, details, prev_hash, hash
           FROM audit_event WHERE seq >= ${next.toString()} ORDER BY seq LIMIT ${READ_BATCH}`.execute(vdb);
        count += res.rows.length;
        const last = res.rows[res.rows.length - 1];
        if (last) next = BigInt(last.seq) + 1n;
        if (performance.now() - lastReport > 5000) {
          lastReport = performance.now();
          progress(`  … ${label}: ${fmtInt(count)}`);
        }
        if (res.rows.length < READ_BATCH) break;
      }
      const ms = elapsedMs(t0);
      const cpu = cpuSeconds(process.cpuUsage(c0));
      if (count !== VERIFY) throw new Error(`plain read saw ${count} rows, expected ${VERIFY}`);
      progress(`${label}: ${fmtInt(count)} rows in ${fmtNum(ms / 1000)} s = ${fmtInt((count / ms) * 1000)} rows/s`);
      return { events: count, ms, cpu };
    };

    // Baseline 2: the same rows in order by COPY … TO STDOUT (psql, output discarded).
    const copyOut = async (label: string) => {
      const t0 = performance.now();
      await new Promise<void>((resolve, reject) => {
        const c = spawn('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', verifyUrl, '-c',
          'COPY (SELECT seq, at, actor_id, actor_label, action, target_type, target_id, details, prev_hash, hash FROM audit_event ORDER BY seq) TO STDOUT'], { stdio: ['ignore', 'ignore', 'inherit'] });
        c.once('error', reject);
        c.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`psql COPY exited ${code}`))));
      });
      const ms = elapsedMs(t0);
      progress(`${label}: ${fmtInt(VERIFY)} rows in ${fmtNum(ms / 1000)} s = ${fmtInt((VERIFY / ms) * 1000)} rows/s (${loadLine()})`);
      return { events: VERIFY, ms };
    };
    const copy1 = await copyOut('COPY TO STDOUT #1');
    progress('plain read (keyset batches of 20,000, no hashing)…');
    const read1 = await plainRead('plain read #1');
    progress('verifyAuditChain…');
    let lastVReport = performance.now();
    const cver = process.cpuUsage();
    const tver = performance.now();
    const verification = await verifyAuditChain(vdb, {
      onProgress: (n) => {
        if (performance.now() - lastVReport > 5000) {
          lastVReport = performance.now();
          progress(`  … verified ${fmtInt(n)}`);
        }
      },
    });
    const verifyMs = elapsedMs(tver);
    const verifyCpu = cpuSeconds(process.cpuUsage(cver));
    progress(`verifyAuditChain: ${JSON.stringify({ ...verification, durationMs: undefined })} in ${fmtNum(verifyMs / 1000)} s`);
    if (!verification.ok || verification.checked !== VERIFY) {
      throw new Error(`verify failed: ${JSON.stringify(verification)} (expected ok and ${VERIFY} checked)`);
    }
    progress('plain read again (to even out cache effects)…');
    const read2 = await plainRead('plain read #2');
    const readBest = read1.ms <= read2.ms ? read1 : read2;
    const copy2 = await copyOut('COPY TO STDOUT #2');
    const copyBest = copy1.ms <= copy2.ms ? copy1 : copy2;
    const copyRate = rate(copyBest);

    // Pure Node hashing rate of the same events (no database), for the breakdown.
    const hashOnlyRate = (VERIFY / pureHashMs) * 1000;
    const verifyRate = (VERIFY / verifyMs) * 1000;
    const readRate = rate(readBest);
    const insertRate = (VERIFY / insertMs) * 1000;
    console.log('');
    printTable(
      [`verify over ${fmtInt(VERIFY)} events`, 'seconds', 'Node CPU s', 'ev/s', 'verify vs this'],
      [
        ['verifyAuditChain (read + SHA-256 chain)', fmtNum(verifyMs / 1000), fmtNum(verifyCpu), fmtInt(verifyRate), '1.00×'],
        ['COPY … TO STDOUT by psql (best of 2)', fmtNum(copyBest.ms / 1000), '–', fmtInt(copyRate), fmtRatio(verifyRate / copyRate)],
        ['plain keyset read, same batches (best of 2)', fmtNum(readBest.ms / 1000), fmtNum(readBest.cpu), fmtInt(readRate), fmtRatio(verifyRate / readRate)],
        [`plain multi-row INSERT (generation, ${fmtInt(GEN_BATCH)}/stmt)`, fmtNum(insertMs / 1000), '–', fmtInt(insertRate), fmtRatio(verifyRate / insertRate)],
        ['eventHash only, in Node (generation)', fmtNum(pureHashMs / 1000), '–', fmtInt(hashOnlyRate), fmtRatio(verifyRate / hashOnlyRate)],
      ],
    );

    // Where eventHash spends its time, on the same kind of event (in memory, no database).
    const sample = chainRow(1n, GENESIS_HASH, personUpdateInput(1), new Date());
    const fields = [sample.seq, sample.at.toISOString(), sample.actor_id, sample.actor_label, sample.action, sample.target_type, sample.target_id, JSON.parse(sample.details) as unknown];
    const canonical = canonicalJson(fields);
    const micro = (f: () => unknown) => {
      const n = 100_000;
      for (let i = 0; i < 10_000; i++) f();
      const t0 = performance.now();
      for (let i = 0; i < n; i++) f();
      return (elapsedMs(t0) * 1000) / n;
    };
    const usCanonical = micro(() => canonicalJson(fields));
    const usStringify = micro(() => JSON.stringify(fields));
    const usSha = micro(() => createHash('sha256').update(GENESIS_HASH).update(canonical).digest());
    console.log(
      `\n  eventHash breakdown per event (${Buffer.byteLength(canonical)} canonical bytes): canonicalJson ${fmtNum(usCanonical)} µs, ` +
        `SHA-256 ${fmtNum(usSha)} µs (for scale: JSON.stringify of the same fields ${fmtNum(usStringify)} µs)`,
    );

    // --- Summary ----------------------------------------------------------------------------------
    const mode = external ? 'external PostgreSQL' : 'embedded PostgreSQL';
    console.log(`\nSummary (${new Date().toISOString().slice(0, 10)}, ${mode} ${serverVersion}, ${cpus().length} cores):`);
    console.log(
      `  audit append 1 writer:  ${fmtInt(rate(results.chained1))} ev/s (plain INSERT ${fmtInt(rate(results.plain1))} ev/s, ratio ${fmtRatio(rate(results.chained1) / rate(results.plain1))})`,
    );
    console.log(
      `  audit append ${WRITERS} writers: ${fmtInt(rate(results.chainedN))} ev/s (plain INSERT ${fmtInt(rate(results.plainN))} ev/s, ratio ${fmtRatio(rate(results.chainedN) / rate(results.plainN))})`,
    );
    console.log(
      `  audit append, processes: ${procRuns.map((r) => `${r.n}: ${fmtInt((r.events / r.ms) * 1000)} ev/s (${fmtRatio(r.events / r.ms / (proc1.events / proc1.ms))})`).join(', ')}`,
    );
    console.log(
      `  audit verify ${fmtInt(VERIFY)}: ${fmtInt(verifyRate)} ev/s, ${fmtNum(verifyMs / 1000, 1)} s (COPY TO STDOUT ${fmtInt(copyRate)} ev/s, ratio ${fmtRatio(verifyRate / copyRate)}; plain read ${fmtInt(readRate)} ev/s, ratio ${fmtRatio(verifyRate / readRate)}; ` +
        `plain INSERT ${fmtInt(insertRate)} ev/s, ratio ${fmtRatio(verifyRate / insertRate)}); result ok, checked ${fmtInt(verification.checked)}`,
    );
    console.log(`  total bench time ${fmtNum(elapsedMs(started) / 1000, 1)} s; ${loadLine()} at the end`);
  } finally {
    await cleanup.run();
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
