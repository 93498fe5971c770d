// Evidence package build throughput: the package writer exactly as the build job uses it (each original read
// once from the object store, SHA-256 + SM3 computed while it is zipped, stored; manifests and tag files after
// the payload) against `zip -0` of the same files, in the same run; and the peak memory of this process.
// The database steps of a build (custody reports, proofs) are per item and size-independent: not timed here.
// Run: npm run bench:evidence-package [-- --files=4 --mb=250 --rounds=2]
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BagZip } from '../../src/modules/evidence-packages/bag-zip.ts';
import { manifest, type BagFile } from '../../src/modules/evidence-packages/bag.ts';
import { LocalObjectStore } from '../../src/platform/storage/local-object-store.ts';
import { Cleanup, elapsedMs, randomStream, runCommand, fmtNum, fmtRatio, loadLine, median, numberOption, printTable } from '../lib/bench-utils.ts';

const FILES = numberOption('files', 'PKG_BENCH_FILES', 4);
const MB = numberOption('mb', 'PKG_BENCH_MB', 250);
const ROUNDS = numberOption('rounds', 'PKG_BENCH_ROUNDS', 2);

async function main() {
  const cleanup = new Cleanup();
  const dir = await mkdtemp(path.join(tmpdir(), 'quanlu-pkg-bench-'));
  cleanup.add('temp folder', () => rm(dir, { recursive: true, force: true }));
  try {
    console.log(`evidence-package bench: ${FILES} originals × ${MB} MB, ${ROUNDS} rounds — ${loadLine()}`);
    const store = new LocalObjectStore(path.join(dir, 'store'));
    const puts = [];
    for (let i = 0; i < FILES; i++) puts.push(await store.put(randomStream(MB * 1_000_000)));
    const files = puts.map((p) => store.objectPath(p.sha256));
    const totalMB = (FILES * MB * 1_000_000) / 1e6;
    for (const f of files) for await (const _ of createReadStream(f, { highWaterMark: 1 << 20 })) void _;
    const rssBase = process.memoryUsage().rss;
    let peak = rssBase;
    const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);

    const ours: number[] = [];
    const zips: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const out = path.join(dir, `bag-${r}.zip`);
      let t0 = performance.now();
      const zip = new BagZip(out, 'quanlu-evidence-bench');
      const payload: BagFile[] = [];
      for (const [i, p] of puts.entries()) payload.push(await zip.addStream(`data/originals/0${i + 1}-clip.mp4`, await store.get(p.sha256), { size: p.size }));
      zip.addBuffer('manifest-sha256.txt', manifest(payload, 'sha256'));
      zip.addBuffer('manifest-sm3.txt', manifest(payload, 'sm3'));
      await zip.finish();
      ours.push(elapsedMs(t0));
      await rm(out);

      const zout = path.join(dir, `zip-${r}.zip`);
      t0 = performance.now();
      await runCommand('zip', ['-0', '-q', '-j', zout, ...files], { cwd: dir });
      zips.push(elapsedMs(t0));
      await stat(zout);
      await rm(zout);
    }
    clearInterval(timer);
    const mbps = (ms: number) => totalMB / (ms / 1000);
    const o = median(ours);
    const z = median(zips);
    printTable(
      ['what', 'median s', 'MB/s', 'ratio to zip -0'],
      [
        ['package writer (read once: SHA-256 + SM3 + ZIP, manifests)', fmtNum(o / 1000), fmtNum(mbps(o), 0), fmtRatio(z / o)],
        ['zip -0 (store only, CRC-32)', fmtNum(z / 1000), fmtNum(mbps(z), 0), fmtRatio(1)],
      ],
    );
    console.log(`peak RSS ${fmtNum(peak / 2 ** 20, 0)} MiB (before the builds ${fmtNum(rssBase / 2 ** 20, 0)} MiB; ${fmtNum(totalMB, 0)} MB packaged per round)`);
  } finally {
    await cleanup.run();
  }
}

await main();
