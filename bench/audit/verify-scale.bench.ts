// `quanlu audit verify` at scale (issue 13 figure): verifyAuditChain — the chain walk `quanlu audit verify`
// runs — over N events (default 10,000,000), in events/s and as a ratio to a plain `COPY … TO STDOUT` of the
// same rows in the same run (psql, output discarded; best of one run before and one after the verifies).
// The walk runs twice: on one thread, then on its threads (one per core, up to 4) as the CLI runs it.
// The chain is generated in Node with its real hashes and loaded by `COPY … FROM STDIN` (psql), straight into
// audit_event with its guard triggers off (as the database's owner); the verify then checks every link.
//
//   node --import tsx bench/audit/verify-scale.bench.ts [--events=10000000]
//   (or AUDIT_VERIFY_EVENTS; DATABASE_URL selects an external server, else an embedded PostgreSQL is started)
// Disk: about 1.2 GB per million events (table and indexes), dropped at the end.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { GENESIS_HASH, verifyAuditChain } from '../../src/platform/audit/audit-chain.ts';
import { createDatabase } from '../../src/platform/db/database.ts';
import { openEmbeddedPostgres } from '../../src/platform/db/embedded-postgres.ts';
import { migrate } from '../../src/platform/db/migrate.ts';
import { Cleanup, createFreshDatabase, dropDatabase, elapsedMs, fmtInt, fmtNum, fmtRatio, loadLine, numberOption, printTable, randomSuffix } from '../lib/bench-utils.ts';
import { chainRow, personUpdateInput, type EventRow } from './events.ts';

const EVENTS = numberOption('events', 'AUDIT_VERIFY_EVENTS', 10_000_000);
const COLUMNS = 'seq, at, actor_id, actor_label, action, target_type, target_id, details, prev_hash, hash';

/** One value in COPY's text format. */
function copyText(v: string | null): string {
  if (v === null) return '\\N';
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t');
}
const copyBytea = (b: Buffer) => `\\\\x${b.toString('hex')}`;
const copyLine = (r: EventRow) =>
  [r.seq, r.at.toISOString(), copyText(r.actor_id), copyText(r.actor_label), copyText(r.action), copyText(r.target_type), copyText(r.target_id), copyText(r.details), copyBytea(r.prev_hash), copyBytea(r.hash)].join('\t') + '\n';

function psql(url: string, command: string, o: { stdin?: boolean } = {}) {
  const child = spawn('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', url, '-c', command], { stdio: [o.stdin ? 'pipe' : 'ignore', 'ignore', 'inherit'] });
  const done = new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`psql exited ${code}: ${command.slice(0, 60)}`))));
  });
  return { child, done };
}

async function main() {
  const cleanup = new Cleanup();
  const started = performance.now();
  console.log(`quanlu audit verify at scale: ${fmtInt(EVENTS)} events; ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}; ${loadLine()}`);
  try {
    let adminUrl = process.env.DATABASE_URL;
    if (!adminUrl) {
      const dir = await mkdtemp(path.join(tmpdir(), 'quanlu-bench-pg-'));
      cleanup.add('remove temp folder', () => rm(dir, { recursive: true, force: true }));
      const emb = await openEmbeddedPostgres(dir);
      cleanup.add('stop embedded PostgreSQL', () => emb.stop());
      adminUrl = emb.superuserUrl;
    }
    const name = `quanlu_bench_${randomSuffix()}_vscale`;
    const url = await createFreshDatabase(adminUrl, name);
    cleanup.add(`drop ${name}`, () => dropDatabase(adminUrl, name));
    const db = createDatabase(url, 2);
    cleanup.add('close pool', () => db.destroy());
    await migrate(db);
    const version = (await sql<{ v: string }>`SELECT current_setting('server_version') AS v`.execute(db)).rows[0]!.v;
    console.log(`  PostgreSQL ${version} (${process.env.DATABASE_URL ? 'external' : 'embedded'})`);

    // Generate and load.
    await sql`ALTER TABLE audit_event DISABLE TRIGGER USER`.execute(db);
    const t0 = performance.now();
    const load = psql(url, `COPY audit_event (${COLUMNS}) FROM STDIN`, { stdin: true });
    const stdin = load.child.stdin!;
    let prev: Buffer = GENESIS_HASH;
    const baseTime = Date.now() - EVENTS * 1000; // one event a second, ending now
    let lastReport = t0;
    for (let i = 0; i < EVENTS; ) {
      let chunk = '';
      for (const end = Math.min(EVENTS, i + 2000); i < end; i++) {
        const row = chainRow(BigInt(i + 1), prev, personUpdateInput(i), new Date(baseTime + i * 1000));
        prev = row.hash;
        chunk += copyLine(row);
      }
      if (!stdin.write(chunk)) await new Promise((r) => stdin.once('drain', r));
      if (performance.now() - lastReport > 15_000) {
        lastReport = performance.now();
        console.log(`  … generated ${fmtInt(i)} (${fmtNum(elapsedMs(t0) / 1000, 0)} s; ${loadLine()})`);
      }
    }
    stdin.end();
    await load.done;
    await sql`ALTER TABLE audit_event ENABLE TRIGGER USER`.execute(db);
    await sql`UPDATE audit_head SET seq = ${String(EVENTS)}, hash = ${prev} WHERE id`.execute(db);
    const genS = elapsedMs(t0) / 1000;
    const tv = performance.now();
    await sql`VACUUM (ANALYZE) audit_event`.execute(db);
    const size = (await sql<{ t: string }>`SELECT pg_size_pretty(pg_total_relation_size('audit_event')) AS t`.execute(db)).rows[0]!.t;
    console.log(`  generated and loaded in ${fmtNum(genS, 1)} s (${fmtInt(EVENTS / genS)} ev/s); VACUUM ANALYZE ${fmtNum(elapsedMs(tv) / 1000, 1)} s; audit_event ${size}`);

    const copyOut = async (label: string) => {
      const t = performance.now();
      await psql(url, `COPY (SELECT ${COLUMNS} FROM audit_event ORDER BY seq) TO STDOUT`).done;
      const s = elapsedMs(t) / 1000;
      console.log(`  ${label}: ${fmtNum(s, 1)} s = ${fmtInt(EVENTS / s)} rows/s (${loadLine()})`);
      return s;
    };
    const copy1 = await copyOut('COPY … TO STDOUT #1');
    const runVerify = async (label: string, threads?: number) => {
      const tver = performance.now();
      let lastV = tver;
      let used = 1;
      const v = await verifyAuditChain(db, {
        ...(threads && { threads }),
        onThreads: (n) => (used = n),
        onProgress: (n) => {
          if (performance.now() - lastV > 15_000) {
            lastV = performance.now();
            console.log(`  … verified ${fmtInt(n)}`);
          }
        },
      });
      const s = elapsedMs(tver) / 1000;
      if (!v.ok || v.checked !== EVENTS) throw new Error(`verify failed: ${JSON.stringify(v)}`);
      console.log(`  verifyAuditChain ${label} (${used} thread${used > 1 ? 's' : ''}): ok, ${fmtInt(v.checked)} checked in ${fmtNum(s, 1)} s (${loadLine()})`);
      return { s, used };
    };
    // Both walks in the same run: on this thread alone (the walk before threads), then as `quanlu audit verify` runs it.
    const single = await runVerify('on one thread', 1);
    const threaded = await runVerify('as quanlu audit verify runs it');
    const copy2 = await copyOut('COPY … TO STDOUT #2');
    const copyS = Math.min(copy1, copy2);
    const copyRate = EVENTS / copyS;
    const row = (label: string, s: number) => [label, fmtNum(s, 1), fmtInt(EVENTS / s), fmtRatio(EVENTS / s / copyRate)];
    printTable(
      [`over ${fmtInt(EVENTS)} events`, 'seconds', 'ev/s', 'ratio'],
      [
        ['COPY … TO STDOUT by psql (baseline, best of 2)', fmtNum(copyS, 1), fmtInt(copyRate), '1.00×'],
        row('verifyAuditChain on one thread', single.s),
        row(`verifyAuditChain on ${threaded.used} threads (what \`quanlu audit verify\` walks)`, threaded.s),
      ],
    );
    console.log(`  threads / one thread: ${fmtRatio(single.s / threaded.s)}`);
    console.log(`  total ${fmtNum(elapsedMs(started) / 1000, 0)} s; ${loadLine()} at the end`);
  } finally {
    await cleanup.run();
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
