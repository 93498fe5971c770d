// One "api process" of the audit bench's multi-process figure (issue 10 §3): its own pool, WRITERS concurrent
// loops each appending one event per transaction with appendAuditEvent. It warms up, prints `ready`, waits for
// a line on stdin (so all processes start together), runs COUNT appends and prints one JSON line with its times.
//
//   node --import tsx bench/audit/append-process.ts DATABASE_URL COUNT WRITERS
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { appendAuditEvent } from '../../src/platform/audit/audit-chain.ts';
import { createDatabase } from '../../src/platform/db/database.ts';

const [url, countArg, writersArg] = process.argv.slice(2);
const count = Number(countArg);
const writers = Number(writersArg);
const db = createDatabase(url!, writers + 1);
const actor = { kind: 'user' as const, id: randomUUID(), label: `张伟（admin${process.pid}）` };
const append = (i: number) =>
  db.transaction().execute((trx) =>
    appendAuditEvent(trx, {
      actor,
      action: 'person.update',
      target: { type: 'person', id: randomUUID() },
      details: { i, pid: process.pid, before: { enrolled: false }, after: { enrolled: true, issuer: '上海市司法局' }, reason: '通过行政执法资格考试' },
    }),
  );

for (let i = 0; i < 50; i++) await append(-1 - i);
process.stdout.write('ready\n');
await new Promise<void>((resolve) => {
  const rl = createInterface({ input: process.stdin });
  rl.once('line', () => {
    rl.close();
    process.stdin.destroy();
    resolve();
  });
});
const cpu0 = process.cpuUsage();
const t0 = Date.now();
let next = 0;
await Promise.all(
  Array.from({ length: writers }, async () => {
    for (;;) {
      const i = next++;
      if (i >= count) return;
      await append(i);
    }
  }),
);
const end = Date.now();
const cpu = process.cpuUsage(cpu0);
process.stdout.write(`${JSON.stringify({ start: t0, end, events: count, cpuMs: (cpu.user + cpu.system) / 1000 })}\n`);
await db.destroy();
process.exit(0);
