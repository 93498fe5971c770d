// verify.html hashing throughput: the page in Debian's Chromium (file picker → every file of the package
// hashed with SHA-256 and SM3 as it streams, plus all the proof checks) against `sha256sum` of the same
// package file, in the same run; `quanlu verify` (Node, same core) beside it. The page hashes in Web Workers
// (SHA-256 and SM3 of each file as separate tasks, longest first, one worker per core). Memory: the peak of
// Chromium's memory (the PSS of all its processes summed) while the page verifies, and the peak RSS of this
// process while `quanlu verify` runs.
// A multi-GB package (clips are generated in memory first, so this needs that much free RAM):
//   npm run bench:verify-html [-- --mb=128 --clips=2 --rounds=2]      e.g. --mb=1000 --clips=4 --rounds=1 (a clip is one buffer: at most 1023 MiB)
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { verifyCommand } from '../../src/cli/verify.command.ts';
import { verifyHtml } from '../../src/modules/verify/verify-html.ts';
import { buildFiles, makeKeys, writeZip } from '../../test/verify/package-fixture.ts';
import { elapsedMs, fmtNum, fmtRatio, loadLine, median, numberOption, printTable } from '../lib/bench-utils.ts';

const MB = numberOption('mb', 'VERIFY_BENCH_MB', 128);
const CLIPS = numberOption('clips', 'VERIFY_BENCH_CLIPS', 2);
const ROUNDS = numberOption('rounds', 'VERIFY_BENCH_ROUNDS', 3);

/** Pids of every process descended from this one (Chromium's browser, renderer, utility processes). */
function descendants(): number[] {
  const parent = new Map<number, number>();
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      parent.set(Number(e), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone
    }
  }
  const out: number[] = [];
  const mine = new Set([process.pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, ppid] of parent) {
      if (!mine.has(pid) && mine.has(ppid)) {
        mine.add(pid);
        out.push(pid);
        grew = true;
      }
    }
  }
  return out;
}

/** Proportional set size: each page shared between processes counted once in total, so the sum is the memory used. */
function pssOf(pid: number): number {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Samples `measure` every 100 ms until stopped; returns the peak. */
function peakOf(measure: () => number): () => number {
  let peak = measure();
  const t = setInterval(() => (peak = Math.max(peak, measure())), 100);
  return () => {
    clearInterval(t);
    return Math.max(peak, measure());
  };
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'] });
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited ${code}`))));
  });
}

const dir = await mkdtemp(path.join(tmpdir(), 'quanlu-bench-verify-'));
try {
  const html = await verifyHtml();
  const keys = await makeKeys();
  const built = await buildFiles(keys, { clipSizes: Array.from({ length: CLIPS }, () => MB << 20), verifyHtml: html });
  const zip = await writeZip(built, path.join(dir, 'package.zip'));
  built.files.clear();
  const bytes = (await stat(zip)).size;
  const htmlFile = path.join(dir, 'verify.html');
  await writeFile(htmlFile, html);
  console.log(`package: ${CLIPS} clips × ${MB} MiB, ${fmtNum(bytes / 1e6, 1)} MB; ${loadLine()}`);

  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  const page = await browser.newPage();
  const base: number[] = [];
  const inPage: number[] = [];
  const onThread: number[] = [];
  const cli: number[] = [];
  let hashedIn = '';
  let browserPeak = 0;
  let cliPeak = 0;
  const browserRss = () => descendants().reduce((n, pid) => n + pssOf(pid), 0);
  const idleBrowser = browserRss();
  for (let r = 0; r < ROUNDS; r++) {
    let t0 = performance.now();
    await run('sha256sum', [zip]);
    base.push(elapsedMs(t0) / 1000);
    // The page as shipped (Web Workers), then the same page hashing on its own thread (as before the workers).
    for (const [query, into] of [['', inPage], ['?hashing=page', onThread]] as const) {
      await page.goto(pathToFileURL(htmlFile).href + query);
      await page.locator('body[data-state="ready"]').waitFor();
      const stop = peakOf(browserRss);
      await page.locator('#file').setInputFiles(zip);
      await page.locator('body[data-state="done"]').waitFor({ timeout: 1_800_000 });
      browserPeak = Math.max(browserPeak, stop());
      const res = await page.evaluate(() => (window as unknown as { quanluVerify: { seconds: number; hashedIn: string; report: { ok: boolean } } }).quanluVerify);
      if (!res.report.ok) throw new Error('the package did not verify in the page');
      if (!query) hashedIn = res.hashedIn;
      into.push(res.seconds);
    }
    t0 = performance.now();
    const stopCli = peakOf(() => process.memoryUsage().rss);
    const code = await verifyCommand(zip, { json: true }, { stdout: { write: () => true }, stderr: { write: () => true } });
    if (code !== 0) throw new Error('the package did not verify with the CLI');
    cli.push(elapsedMs(t0) / 1000);
    cliPeak = Math.max(cliPeak, stopCli());
  }
  await browser.close();
  const mbps = (s: number) => bytes / 1e6 / s;
  const b = mbps(median(base));
  printTable(
    ['what', 'median s', 'MB/s', 'vs sha256sum'],
    [
      ['sha256sum PACKAGE.zip (baseline, SHA-256 only)', fmtNum(median(base)), fmtNum(b, 1), '1.00×'],
      [`verify.html in Chromium (SHA-256 + SM3 + all checks; ${hashedIn})`, fmtNum(median(inPage)), fmtNum(mbps(median(inPage)), 1), fmtRatio(mbps(median(inPage)) / b)],
      ['verify.html?hashing=page (hashing on the page thread, as before the workers)', fmtNum(median(onThread)), fmtNum(mbps(median(onThread)), 1), fmtRatio(mbps(median(onThread)) / b)],
      ['quanlu verify (Node, same core)', fmtNum(median(cli)), fmtNum(mbps(median(cli)), 1), fmtRatio(mbps(median(cli)) / b)],
    ],
  );
  const mib = (n: number) => `${fmtNum(n / 2 ** 20, 0)} MiB`;
  console.log(`memory: Chromium's processes ${mib(idleBrowser)} with the page idle, peak ${mib(browserPeak)} while verifying ${fmtNum(bytes / 1e9, 2)} GB (summed PSS); this process (holding the generated package's manifests) peak ${mib(cliPeak)} during quanlu verify`);
  console.log(`workers vs page thread, same run: ${fmtRatio(median(onThread) / median(inPage))}; ${loadLine()}`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
