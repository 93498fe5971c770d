// ISO build throughput (第十二条 disc sets): QuanLu's volume build — each original copied out of the object store
// with SHA-256 + SM3 checked against the recorded digests, manifest / checksum lists / verifier written, the image
// made by xorriso, then read back file by file (both hashes) — against `xorriso -as mkisofs` run by hand on the same
// files already in a folder, in the same run. Run: npm run bench:iso [-- --files=4 --mb=100 --rounds=2]
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { mkisofsArgs, writeIso } from '../../src/modules/media-sets/iso-image.ts';
import { copyOriginal, MANIFEST_FORMAT, writeVolumeFiles, type ManifestFile } from '../../src/modules/media-sets/volume-content.ts';
import { verifyVolume } from '../../src/modules/media-sets/volume-verify.ts';
import { LocalObjectStore } from '../../src/platform/storage/local-object-store.ts';
import { Cleanup, elapsedMs, fmtNum, fmtRatio, loadLine, numberOption, printTable } from '../lib/bench-utils.ts';

const FILES = numberOption('files', 'ISO_BENCH_FILES', 4);
const MB = numberOption('mb', 'ISO_BENCH_MB', 100);
const ROUNDS = numberOption('rounds', 'ISO_BENCH_ROUNDS', 2);

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'ignore'] });
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited ${code}`))));
  });
}

function randomStream(bytes: number): Readable {
  let left = bytes;
  return new Readable({
    read() {
      if (left <= 0) return this.push(null);
      const n = Math.min(left, 4 << 20);
      left -= n;
      this.push(randomBytes(n));
    },
  });
}

async function main() {
  const cleanup = new Cleanup();
  const dir = await mkdtemp(path.join(tmpdir(), 'quanlu-iso-bench-'));
  cleanup.add('temp folder', () => rm(dir, { recursive: true, force: true }));
  try {
    console.log(`iso bench: ${FILES} files × ${MB} MB, ${ROUNDS} rounds — ${loadLine()}`);
    const store = new LocalObjectStore(path.join(dir, 'store'));
    const originals: { sha256: string; sm3: string; size: number; name: string }[] = [];
    for (let i = 0; i < FILES; i++) {
      const put = await store.put(randomStream(MB * 1_000_000));
      originals.push({ sha256: put.sha256, sm3: put.sm3, size: put.size, name: `执法记录_${i + 1}.mp4` });
    }
    const totalMB = (FILES * MB * 1_000_000) / 1e6;
    // The by-hand folder: the same files, already in place (hard links of the stored objects).
    const byHand = path.join(dir, 'by-hand');
    await mkdir(path.join(byHand, 'recordings'), { recursive: true });
    for (const o of originals) await run('ln', [store.objectPath(o.sha256), path.join(byHand, 'recordings', o.name)]);
    for (const o of originals) for await (const _ of createReadStream(store.objectPath(o.sha256), { highWaterMark: 1 << 20 })) void _;

    const quanlu: number[] = [];
    const writeOnly: number[] = [];
    const readBack: number[] = [];
    const hand: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      // Baseline: xorriso by hand over the folder.
      const handIso = path.join(dir, `hand-${round}.iso`);
      let t0 = performance.now();
      await run('xorriso', mkisofsArgs(byHand, 'QL_BENCH_1', handIso));
      hand.push(elapsedMs(t0));
      await rm(handIso, { force: true });

      // QuanLu: copy with both hashes, manifest, image, read back.
      const stage = path.join(dir, `stage-${round}`);
      const iso = path.join(dir, `quanlu-${round}.iso`);
      t0 = performance.now();
      const files: ManifestFile[] = [];
      for (const o of originals) {
        const p = `recordings/${o.name}`;
        const got = await copyOriginal(store, o.sha256, path.join(stage, p), () => undefined);
        if (got.sha256 !== o.sha256 || got.sm3 !== o.sm3) throw new Error('copy does not match');
        files.push({
          path: p,
          sizeBytes: got.size,
          sha256: o.sha256,
          sm3: o.sm3,
          recording: { id: o.sha256.slice(0, 8), fileName: o.name, department: '', officers: [], recordedStart: '', recordedEnd: null, deviceNumber: null, activity: 'patrol', caseNumber: null },
          grounds: [],
        });
      }
      const { manifestSha256 } = await writeVolumeFiles(stage, { format: MANIFEST_FORMAT, agency: 'bench', set: { id: 'bench', label: 'QL_BENCH', mediaType: 'dvd' }, volume: { number: 1, count: 1, label: 'QL_BENCH_1' }, createdAt: new Date().toISOString(), files });
      const tw = performance.now();
      await writeIso(stage, 'QL_BENCH_1', iso);
      writeOnly.push(elapsedMs(tw));
      await rm(stage, { recursive: true, force: true });
      const tr = performance.now();
      const check = await verifyVolume({ kind: 'iso', file: iso }, files.map((f) => ({ path: f.path, sha256: f.sha256, sm3: f.sm3, size: f.sizeBytes })), manifestSha256);
      readBack.push(elapsedMs(tr));
      if (!check.ok) throw new Error(`read-back failed: ${JSON.stringify(check.problems)}`);
      quanlu.push(elapsedMs(t0));
      if (round === 0) console.log(`image size ${fmtNum((await stat(iso)).size / 1e6, 1)} MB for ${fmtNum(totalMB, 0)} MB of originals`);
      await rm(iso, { force: true });
    }
    const best = (xs: number[]) => Math.min(...xs);
    const mbps = (ms: number) => totalMB / (ms / 1000);
    console.log('');
    printTable(
      ['what', 'MB/s (best of rounds)', 'per-round seconds', 'ratio to baseline'],
      [
        ['QuanLu volume build (copy + SHA-256/SM3 check, manifest, xorriso, read-back)', fmtNum(mbps(best(quanlu)), 0), quanlu.map((x) => fmtNum(x / 1000)).join(', '), fmtRatio(best(hand) / best(quanlu))],
        ['  of which: xorriso on the staged folder (writeIso)', fmtNum(mbps(best(writeOnly)), 0), writeOnly.map((x) => fmtNum(x / 1000)).join(', '), fmtRatio(best(hand) / best(writeOnly))],
        ['  of which: read-back of every file (SHA-256 + SM3)', fmtNum(mbps(best(readBack)), 0), readBack.map((x) => fmtNum(x / 1000)).join(', '), fmtRatio(best(hand) / best(readBack))],
        ['xorriso -as mkisofs by hand (same files in a folder)', fmtNum(mbps(best(hand)), 0), hand.map((x) => fmtNum(x / 1000)).join(', '), fmtRatio(1)],
      ],
    );
    console.log(`\n${loadLine()}`);
  } finally {
    await cleanup.run();
  }
}

await main();
