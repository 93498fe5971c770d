/**
 * Throughput of the ways to hash (and store) a 1 GiB file, for STACK.md and for choosing the design.
 * Run: `node --import tsx bench/hashing/hash-throughput.bench.ts [sizeMiB] [rounds]`. Variants run
 * interleaved, several rounds, because this machine's 2 vCPUs are shared (other processes, steal):
 * the best round is the uncontended speed, the median the typical one. Files live under the OS temp
 * folder and are deleted. Hash-only variants read from the page cache (CPU numbers); the put variants
 * include the real write and fsync of a copy.
 */
import { createHash, randomFillSync } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { LocalObjectStore } from '../../src/platform/storage/local-object-store.ts';
import { writeAll } from '../../src/platform/storage/storage-fs.ts';
import { HASH_READ_BYTES, hashFile } from '../../src/platform/hashing/dual-hasher.ts';

const MiB = 1 << 20;
const sizeMiB = Number(process.argv[2] ?? 1024);
const rounds = Number(process.argv[3] ?? 3);

async function readAll(file: string, onChunk: (chunk: Buffer) => void): Promise<void> {
  for await (const chunk of createReadStream(file, { highWaterMark: HASH_READ_BYTES })) onChunk(chunk as Buffer);
}

const dir = await mkdtemp(path.join(tmpdir(), 'quanlu-hash-bench-'));
try {
  const file = path.join(dir, 'data.bin');
  // 64 MiB of random bytes repeated: hashing cost does not depend on the content.
  const block = randomFillSync(Buffer.allocUnsafe(64 * MiB));
  const out = await open(file, 'w');
  for (let written = 0; written < sizeMiB * MiB; written += block.length) await writeAll(out, block.subarray(0, Math.min(block.length, sizeMiB * MiB - written)));
  await out.sync();
  await out.close();

  let n = 0;
  const putWith = (syncEveryBytes: number) => async () => {
    const store = new LocalObjectStore(path.join(dir, `store-${n++}`), { syncEveryBytes });
    if (!(await store.putFile(file)).created) throw new Error('expected a new object');
    await rm(store.rootDir, { recursive: true, force: true });
  };
  const variants: [string, () => Promise<unknown>][] = [
    ['read only', () => readAll(file, () => undefined)],
    ['SHA-256 alone', async () => {
      const h = createHash('sha256');
      await readAll(file, (c) => h.update(c));
      h.digest();
    }],
    ['SM3 alone', async () => {
      const h = createHash('sm3');
      await readAll(file, (c) => h.update(c));
      h.digest();
    }],
    ['SHA-256 then SM3, one thread', async () => {
      const a = createHash('sha256');
      const b = createHash('sm3');
      await readAll(file, (c) => {
        a.update(c);
        b.update(c);
      });
      a.digest();
      b.digest();
    }],
    ['dual hasher (hashFile, SM3 on a worker)', () => hashFile(file)],
    ['put: copy+hash, fsync only at the end', putWith(0)],
    ['put: copy+hash, flush every 64 MiB (default)', putWith(64 * MiB)],
  ];
  const speeds = new Map<string, number[]>(variants.map(([label]) => [label, []]));
  // CPU seconds per wall second of this process (all threads): > 1 means work ran on both cores.
  const cores = new Map<string, number[]>(variants.map(([label]) => [label, []]));
  console.log(`${sizeMiB} MiB, 1 MiB reads, ${rounds} interleaved rounds; load average before: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  for (let r = 0; r < rounds; r++) {
    for (const [label, run] of variants) {
      const started = performance.now();
      const cpu = process.cpuUsage();
      await run();
      const seconds = (performance.now() - started) / 1000;
      const used = process.cpuUsage(cpu);
      speeds.get(label)!.push((sizeMiB * MiB) / 1e6 / seconds);
      cores.get(label)!.push((used.user + used.system) / 1e6 / seconds);
    }
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  console.log(`${'variant'.padEnd(46)} ${'best'.padStart(6)} ${'median'.padStart(7)} ${'cores'.padStart(6)}   all rounds (MB/s, MB = 10^6 B)`);
  for (const [label, s] of speeds) {
    const busy = median(cores.get(label)!).toFixed(2);
    console.log(`${label.padEnd(46)} ${Math.max(...s).toFixed(0).padStart(6)} ${median(s).toFixed(0).padStart(7)} ${busy.padStart(6)}   ${s.map((v) => v.toFixed(0)).join(' ')}`);
  }
  console.log(`load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
