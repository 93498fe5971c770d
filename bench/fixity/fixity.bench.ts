// Fixity throughput: QuanLu's check of stored objects (SHA-256 + SM3 through the object store's read
// interface, one object at a time, as a pass runs) against `sha256sum` and `openssl dgst -sm3` of the same
// files run in parallel, in the same run. Run: npm run bench:fixity [-- --files=6 --mb=200 --rounds=2]
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { checkObject } from '../../src/modules/fixity/fixity-check.ts';
import { LocalObjectStore } from '../../src/platform/storage/local-object-store.ts';
import type { FixityTarget } from '../../src/modules/fixity/fixity.repository.ts';
import { Cleanup, elapsedMs, randomStream, runCommand, fmtNum, fmtRatio, loadLine, numberOption, printTable } from '../lib/bench-utils.ts';

const FILES = numberOption('files', 'FIXITY_BENCH_FILES', 6);
const MB = numberOption('mb', 'FIXITY_BENCH_MB', 200);
const ROUNDS = numberOption('rounds', 'FIXITY_BENCH_ROUNDS', 2);
const THROTTLE_MBPS = numberOption('throttle', 'FIXITY_BENCH_THROTTLE_MBPS', 100);

async function main() {
  const cleanup = new Cleanup();
  const dir = await mkdtemp(path.join(tmpdir(), 'quanlu-fixity-bench-'));
  cleanup.add('temp folder', () => rm(dir, { recursive: true, force: true }));
  try {
    console.log(`fixity bench: ${FILES} files × ${MB} MB, ${ROUNDS} rounds — ${loadLine()}`);
    const store = new LocalObjectStore(dir);
    const targets: FixityTarget[] = [];
    for (let i = 0; i < FILES; i++) {
      const put = await store.put(randomStream(MB * 1_000_000));
      targets.push({ sha256: put.sha256, kind: 'original', sm3: put.sm3, sizeBytes: put.size });
    }
    const files = targets.map((t) => store.objectPath(t.sha256));
    const totalMB = (FILES * MB * 1_000_000) / 1e6;
    // Read everything once so that every contender below starts from the same (warm) page cache.
    for (const f of files) for await (const _ of createReadStream(f, { highWaterMark: 1 << 20 })) void _;

    const fixityRuns: number[] = [];
    const baselineRuns: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      // Baseline: the two standard tools over the same files, side by side (two processes, two cores).
      let t0 = performance.now();
      await Promise.all([runCommand('sha256sum', files), runCommand('openssl', ['dgst', '-sm3', ...files])]);
      baselineRuns.push(elapsedMs(t0));
      // QuanLu: one object at a time, SHA-256 here and SM3 on its worker thread, through store.get().
      t0 = performance.now();
      for (const t of targets) {
        const r = await checkObject(store, t);
        if (r.result !== 'ok') throw new Error(`fixity check failed: ${t.sha256} ${r.result}`);
      }
      fixityRuns.push(elapsedMs(t0));
    }
    const best = (xs: number[]) => Math.min(...xs);
    const fixityMBps = totalMB / (best(fixityRuns) / 1000);
    const baselineMBps = totalMB / (best(baselineRuns) / 1000);

    // The pace a scheduled slice keeps: one file at the read budget.
    const t0 = performance.now();
    const throttled = await checkObject(store, targets[0]!, { bytesPerSecond: THROTTLE_MBPS * 1_000_000 });
    const throttledMBps = MB / (elapsedMs(t0) / 1000);
    if (throttled.result !== 'ok') throw new Error('throttled check failed');

    console.log('');
    printTable(
      ['what', 'MB/s (best of rounds)', 'per-round seconds', 'ratio to baseline'],
      [
        ['QuanLu fixity check (SHA-256 + SM3, one object at a time)', fmtNum(fixityMBps, 0), fixityRuns.map((x) => fmtNum(x / 1000)).join(', '), fmtRatio(fixityMBps / baselineMBps)],
        ['sha256sum ‖ openssl dgst -sm3 (same files, in parallel)', fmtNum(baselineMBps, 0), baselineRuns.map((x) => fmtNum(x / 1000)).join(', '), fmtRatio(1)],
        [`QuanLu with the read budget at ${THROTTLE_MBPS} MB/s (one file)`, fmtNum(throttledMBps, 0), fmtNum(elapsedMs(t0) / 1000), '—'],
      ],
    );
    console.log(`\n${loadLine()}`);
  } finally {
    await cleanup.run();
  }
}

await main();
