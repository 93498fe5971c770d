// Transparency log benchmark (issue 13 figures), each against a plain-PostgreSQL baseline in the same run:
//  1. audit append with N concurrent writers while the sequencer integrates every 2 s, as a ratio to plain
//     INSERTs of the same rows (same columns and indexes, no trigger, no head row, no hashing);
//  2. `quanlu audit verify` (chain walk + Merkle tree recomputed + every signed checkpoint) over V events, as a
//     ratio to `COPY (SELECT … ORDER BY seq) TO STDOUT` of the same rows through psql; the sequencer's
//     integration rate of the same events is printed beside it.
//
//   node --import tsx bench/tlog/tlog.bench.ts [--append=4000] [--writers=8] [--verify=1000000]
//   (DATABASE_URL selects an external server; psql must be on PATH)
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { openSync, closeSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { appendAuditEvent, eventHash, GENESIS_HASH, verifyAuditChain, type AuditInput } from '../../src/platform/audit/audit-chain.ts';
import { loadConfig } from '../../src/platform/config/config.ts';
import { createDatabase } from '../../src/platform/db/database.ts';
import { openEmbeddedPostgres } from '../../src/platform/db/embedded-postgres.ts';
import { migrate } from '../../src/platform/db/migrate.ts';
import type { AuditEventTable } from '../../src/platform/db/schema.ts';
import { verifyAuditLog } from '../../src/modules/tlog/tlog-verify.ts';
import { integrate, signCheckpoint, startSequencerLoop } from '../../src/modules/tlog/tlog.service.ts';
import { Cleanup, createFreshDatabase, dropDatabase, elapsedMs, fmtInt, fmtNum, fmtRatio, loadLine, numberOption, printTable, randomSuffix } from '../lib/bench-utils.ts';

const APPEND = numberOption('append', 'TLOG_BENCH_APPEND', 4_000);
const WRITERS = Math.max(1, numberOption('writers', 'TLOG_BENCH_WRITERS', 8));
const VERIFY = numberOption('verify', 'TLOG_BENCH_VERIFY', 1_000_000);
const GEN_BATCH = 5_000;

const ACTORS = Array.from({ length: 20 }, () => randomUUID());
/** A person.update-like event with Chinese text (about 700 bytes of details). */
function input(i: number): AuditInput {
  return {
    actor: { kind: 'user', id: ACTORS[i % 20]!, label: `执法人员${i % 20}（admin${i % 20}）` },
    action: 'person.update',
    target: { type: 'person', id: randomUUID() },
    details: {
      before: { name: `张伟${i % 97}`, staffNumber: `ZF${100000 + (i % 900000)}`, department: { name: '第一执法支队' }, enrolled: false, certificate: null },
      after: {
        name: `张伟${i % 97}`,
        staffNumber: `ZF${100000 + (i % 900000)}`,
        department: { name: '第二执法支队' },
        enrolled: true,
        certificate: { number: `沪执法证字第${20260000 + (i % 10000)}号`, issuer: '上海市司法局', examPassedOn: '2026-03-15', validUntil: '2029-12-31' },
      },
      changed: ['department', 'enrolled', 'certificate'],
      reason: '通过行政执法资格考试，核发行政执法证件并调整所属支队',
      request: { ip: `10.12.${i % 250}.${(i * 7) % 250}`, requestId: `req-${i.toString(36)}` },
    },
  };
}

function row(seq: number, prev: Buffer, inp: AuditInput, at: Date) {
  const e = {
    seq: String(seq),
    at,
    actorId: inp.actor.id ?? null,
    actorLabel: inp.actor.label,
    action: inp.action,
    targetType: inp.target?.type ?? null,
    targetId: inp.target?.id ?? null,
    details: JSON.parse(JSON.stringify(inp.details)) as unknown,
  };
  const hash = eventHash(prev, e);
  return { seq: e.seq, at, actor_id: e.actorId, actor_label: e.actorLabel, action: e.action, target_type: e.targetType, target_id: e.targetId, details: JSON.stringify(e.details), prev_hash: prev, hash };
}

async function loops(count: number, writers: number, op: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async () => {
      for (;;) {
        const i = next++;
        if (i >= count) return;
        await op(i);
      }
    }),
  );
  return elapsedMs(t0);
}

async function main() {
  const cleanup = new Cleanup();
  const started = performance.now();
  console.log('QuanLu transparency log benchmark');
  console.log(`  append ${fmtInt(APPEND)} events, ${WRITERS} writers; verify ${fmtInt(VERIFY)} events; ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, ${loadLine()}`);
  try {
    let adminUrl = process.env.DATABASE_URL;
    if (!adminUrl) {
      const dir = await mkdtemp(path.join(tmpdir(), 'quanlu-tlog-bench-pg-'));
      cleanup.add('remove temp folder', () => rm(dir, { recursive: true, force: true }));
      const emb = await openEmbeddedPostgres(dir);
      cleanup.add('stop embedded PostgreSQL', () => emb.stop());
      adminUrl = emb.superuserUrl;
    }
    const dataDir = await mkdtemp(path.join(tmpdir(), 'quanlu-tlog-bench-data-'));
    cleanup.add('remove data folder', () => rm(dataDir, { recursive: true, force: true }));
    const config = loadConfig({ QUANLU_DATA_DIR: dataDir, QUANLU_LOG_LEVEL: 'silent' });
    const suffix = randomSuffix();

    // ---- 1. append ----
    const aName = `quanlu_tlog_bench_${suffix}`;
    const aUrl = await createFreshDatabase(adminUrl, aName);
    cleanup.add(`drop ${aName}`, () => dropDatabase(adminUrl, aName));
    const db = createDatabase(aUrl, WRITERS + 4);
    cleanup.add('close append pool', () => db.destroy());
    await migrate(db);
    const server = (await sql<{ v: string; s: string }>`SELECT current_setting('server_version') AS v, current_setting('synchronous_commit') AS s`.execute(db)).rows[0]!;
    console.log(`  PostgreSQL ${server.v}, synchronous_commit=${server.s}, ${process.env.DATABASE_URL ? 'external' : 'embedded'}`);
    await sql`CREATE TABLE bench_plain_event (LIKE audit_event INCLUDING ALL)`.execute(db);
    const plainDb = db.withTables<{ bench_plain_event: AuditEventTable }>();
    const total = 200 + 3 * APPEND;
    const inputs = Array.from({ length: total }, (_, i) => input(i));
    const plainRows: ReturnType<typeof row>[] = [];
    let prev: Buffer = GENESIS_HASH;
    for (let i = 0; i < total; i++) {
      plainRows.push(row(i + 1, prev, inputs[i]!, new Date()));
      prev = plainRows[i]!.hash;
    }
    const plain = (i: number) => plainDb.transaction().execute((trx) => trx.insertInto('bench_plain_event').values(plainRows[i]!).execute());
    const chained = (i: number) => db.transaction().execute((trx) => appendAuditEvent(trx, inputs[i]!));
    for (let i = 0; i < 100; i++) await plain(i);
    for (let i = 0; i < 100; i++) await chained(i);
    console.log('\n[1/2] append, one transaction per event, the sequencer integrating every 2 s during the chained runs');
    const rounds: { plain: number; chained: number; alone: number }[] = [];
    // Each round: plain INSERTs, appends while the sequencer runs, appends with no sequencer (what it costs).
    const per = Math.floor(APPEND / 2);
    for (let r = 0; r < 2; r++) {
      const base = 100 + r * 3 * per;
      const p = await loops(per, WRITERS, (i) => plain(base + i));
      const stopSeq = startSequencerLoop(db, 2, (m, x) => console.log(m, x));
      const c = await loops(per, WRITERS, (i) => chained(base + i));
      await stopSeq();
      const a = await loops(per, WRITERS, (i) => chained(base + per + i));
      rounds.push({ plain: (per / p) * 1000, chained: (per / c) * 1000, alone: (per / a) * 1000 });
      const x = rounds[r]!;
      console.log(`  round ${r + 1}: plain ${fmtInt(x.plain)} ev/s; appendAuditEvent with the sequencer ${fmtInt(x.chained)} ev/s → ${fmtRatio(x.chained / x.plain)}; without it ${fmtInt(x.alone)} ev/s → ${fmtRatio(x.alone / x.plain)}`);
    }
    const tCatch = performance.now();
    const caught = await integrate(db, { maxEvents: Number.MAX_SAFE_INTEGER });
    console.log(`  sequencer caught up: tree size ${fmtInt(caught.size)} (last ${fmtInt(caught.added)} in ${fmtNum(elapsedMs(tCatch))} ms)`);
    const chainOk = await verifyAuditChain(db);
    if (!chainOk.ok || caught.size !== chainOk.checked) throw new Error(`after the appends: chain ${JSON.stringify(chainOk)}, tree ${caught.size}`);
    await db.destroy();
    if (VERIFY === 0) {
      console.log(`\nSummary: append ${WRITERS} writers: ${rounds.map((r) => `${fmtRatio(r.chained / r.plain)} with the sequencer, ${fmtRatio(r.alone / r.plain)} without`).join('; ')} of plain INSERT`);
      return;
    }

    // ---- 2. verify ----
    console.log(`\n[2/2] verify over ${fmtInt(VERIFY)} events`);
    const vName = `quanlu_tlog_bench_${suffix}_v`;
    const vUrl = await createFreshDatabase(adminUrl, vName);
    cleanup.add(`drop ${vName}`, () => dropDatabase(adminUrl, vName));
    const vdb = createDatabase(vUrl, 4);
    cleanup.add('close verify pool', () => vdb.destroy());
    await migrate(vdb);
    prev = GENESIS_HASH;
    const tg = performance.now();
    const baseTime = Date.now() - VERIFY * 1000;
    let lastReport = tg;
    for (let start = 0; start < VERIFY; start += GEN_BATCH) {
      const n = Math.min(GEN_BATCH, VERIFY - start);
      const rows = [];
      for (let k = 0; k < n; k++) {
        const r = row(start + k + 1, prev, input(start + k), new Date(baseTime + (start + k) * 1000));
        rows.push(r);
        prev = r.hash;
      }
      await sql`INSERT INTO audit_event (seq, at, actor_id, actor_label, action, target_type, target_id, details, prev_hash, hash)
        SELECT * FROM unnest(${rows.map((r) => r.seq)}::bigint[], ${rows.map((r) => r.at)}::timestamptz[], ${rows.map((r) => r.actor_id)}::uuid[],
          ${rows.map((r) => r.actor_label)}::text[], ${rows.map((r) => r.action)}::text[], ${rows.map((r) => r.target_type)}::text[],
          ${rows.map((r) => r.target_id)}::text[], ${rows.map((r) => r.details)}::jsonb[], ${rows.map((r) => r.prev_hash)}::bytea[], ${rows.map((r) => r.hash)}::bytea[])`.execute(vdb);
      if (performance.now() - lastReport > 10_000) {
        lastReport = performance.now();
        console.log(`  generated ${fmtInt(start + n)} (${fmtNum(elapsedMs(tg) / 1000, 0)} s)`);
      }
    }
    await sql`UPDATE audit_head SET seq = ${String(VERIFY)}, hash = ${prev} WHERE id`.execute(vdb);
    await sql`VACUUM (ANALYZE) audit_event`.execute(vdb);
    console.log(`  generated ${fmtInt(VERIFY)} events in ${fmtNum(elapsedMs(tg) / 1000, 1)} s`);

    const ti = performance.now();
    const integ = await integrate(vdb, { maxEvents: Number.MAX_SAFE_INTEGER });
    const integMs = elapsedMs(ti);
    console.log(`  sequencer integrated ${fmtInt(integ.added)} events in ${fmtNum(integMs / 1000, 1)} s = ${fmtInt((integ.added / integMs) * 1000)} ev/s`);
    const cp = await signCheckpoint({ db: vdb, config }, 'manual');
    console.log(`  checkpoint signed at tree size ${fmtInt(cp.size)}`);
    await sql`VACUUM (ANALYZE)`.execute(vdb);

    const copy = () => {
      const out = openSync('/dev/null', 'w');
      const t0 = performance.now();
      const r = spawnSync('psql', [vUrl, '-qAtX', '-c', `COPY (SELECT seq, at, actor_id, actor_label, action, target_type, target_id, details, prev_hash, hash FROM audit_event ORDER BY seq) TO STDOUT`], { stdio: ['ignore', out, 'inherit'] });
      const ms = elapsedMs(t0);
      closeSync(out);
      if (r.status !== 0) throw new Error(`psql COPY exited ${r.status}`);
      return ms;
    };
    const copy1 = copy();
    const tc = performance.now();
    const chain = await verifyAuditChain(vdb);
    const chainMs = elapsedMs(tc);
    const tv = performance.now();
    const full = await verifyAuditLog(vdb, { dataDir });
    const verifyMs = elapsedMs(tv);
    const copy2 = copy();
    if (!full.ok || full.checked !== VERIFY + 1 || !chain.ok) throw new Error(`verify: ${JSON.stringify({ ...full, tlog: full.tlog })}`);
    const copyMs = Math.min(copy1, copy2);
    const n = full.checked;
    console.log('');
    printTable(
      [`over ${fmtInt(n)} events`, 'seconds', 'ev/s', 'vs COPY TO STDOUT'],
      [
        ['quanlu audit verify (chain + tree + checkpoints)', fmtNum(verifyMs / 1000), fmtInt((n / verifyMs) * 1000), fmtRatio(copyMs / verifyMs)],
        ['chain walk only (verifyAuditChain)', fmtNum(chainMs / 1000), fmtInt((n / chainMs) * 1000), fmtRatio(copyMs / chainMs)],
        ['sequencer integration (chain check + tiles)', fmtNum(integMs / 1000), fmtInt((integ.added / integMs) * 1000), fmtRatio(copyMs / integMs)],
        ['psql COPY (SELECT … ORDER BY seq) TO STDOUT (best of 2)', fmtNum(copyMs / 1000), fmtInt((n / copyMs) * 1000), '1.00×'],
      ],
    );
    const best = rounds.reduce((a, b) => (b.chained / b.plain > a.chained / a.plain ? b : a));
    console.log(`\nSummary (${new Date().toISOString().slice(0, 10)}):`);
    console.log(`  append ${WRITERS} writers: ${rounds.map((r) => `${fmtRatio(r.chained / r.plain)} with the sequencer, ${fmtRatio(r.alone / r.plain)} without`).join('; ')} of plain INSERT (best ${fmtInt(best.chained)} vs ${fmtInt(best.plain)} ev/s)`);
    console.log(`  audit verify ${fmtInt(n)}: ${fmtInt((n / verifyMs) * 1000)} ev/s, ${fmtRatio(copyMs / verifyMs)} of COPY TO STDOUT (${fmtInt((n / copyMs) * 1000)} rows/s); chain only ${fmtInt((n / chainMs) * 1000)} ev/s`);
    console.log(`  total ${fmtNum(elapsedMs(started) / 1000, 1)} s; ${loadLine()}`);
  } finally {
    await cleanup.run();
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
