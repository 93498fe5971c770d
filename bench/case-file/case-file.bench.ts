// Case-file build (issue 9 figures): QuanLu's bound case file for a 300-page case — cover, 卷内目录 and 备考表
// drawn with pdfkit in the CJK font, the documents merged with pdf-lib, every document page stamped with its
// number, the result stored write-once (SHA-256 + SM3) in the object store — against the same documents
// merged by pdf-lib alone and by `qpdf --empty --pages …` (when installed), in the same run. Each variant runs
// in its own child process, so its peak memory (max RSS) is its own.
// Run: npm run bench:case-file [-- --docs=30 --pages=10 --rounds=3]
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import PDFKit from 'pdfkit';
import { PDFDocument } from 'pdf-lib';
import { buildCaseFilePdf, type CatalogueEntry } from '../../src/modules/case-files/case-file-pdf.ts';
import { cjkFont } from '../../src/platform/pdf/cjk-font.ts';
import { LocalObjectStore } from '../../src/platform/storage/local-object-store.ts';
import { fmtNum, fmtRatio, loadLine, median, numberOption, printTable, stringOption } from '../lib/bench-utils.ts';

const DOCS = numberOption('docs', 'CASEFILE_BENCH_DOCS', 30);
const PAGES = numberOption('pages', 'CASEFILE_BENCH_PAGES', 10);
const ROUNDS = numberOption('rounds', 'CASEFILE_BENCH_ROUNDS', 3);
const MODE = stringOption('mode', 'CASEFILE_BENCH_MODE');
const DIR = stringOption('dir', 'CASEFILE_BENCH_DIR');

/** A generated document: `pages` A4 pages of Chinese text (a 笔录-like page), the CJK font subset embedded. */
async function makeDocument(n: number, pages: number): Promise<Uint8Array> {
  const doc = new PDFKit({ size: 'A4', margin: 60 });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const end = new Promise((r) => doc.on('end', r));
  const font = await cjkFont();
  doc.registerFont('cjk', font.bytes, font.family);
  doc.font('cjk');
  for (let p = 0; p < pages; p++) {
    if (p) doc.addPage();
    doc.fontSize(16).text(`询问笔录（第 ${n + 1} 份，第 ${p + 1} 页）`, { align: 'center' });
    doc.moveDown();
    doc.fontSize(11);
    for (let l = 0; l < 16; l++) doc.text(`问：请说明第 ${l + 1} 项经营情况。答：本公司于二〇二六年在该地址从事商品零售，未取得相关许可。`);
  }
  doc.end();
  await end;
  return new Uint8Array(Buffer.concat(chunks));
}

function files(dir: string): string[] {
  return Array.from({ length: DOCS }, (_, i) => path.join(dir, `doc-${String(i).padStart(3, '0')}.pdf`));
}

/** This process's peak resident set (VmHWM), MiB. */
function hwmMiB(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

/** One variant, in this (child) process: prints {ms, rssMiB, pages, bytes} as JSON. */
async function runMode(mode: string, dir: string): Promise<void> {
  // Peak RSS of this process (VmHWM: getrusage's maxrss would carry the forking parent's peak over exec),
  // module loading included; what the work adds is reported beside it.
  const startRssMiB = hwmMiB();
  const t0 = performance.now();
  let pages = 0;
  let bytes = 0;
  // qpdf's own peak (GNU time's %M, KiB), reported instead of this process's.
  let toolPeakMiB = 0;
  if (mode === 'quanlu') {
    const entries: CatalogueEntry[] = files(dir).map((f, i) => ({
      responsible: '市商务局商务综合执法支队',
      number: '',
      title: `询问笔录（第 ${i + 1} 份）`,
      date: '2026-03-01',
      pages: PAGES,
      mimeType: 'application/pdf',
      load: async () => new Uint8Array(await readFile(f)),
    }));
    const built = await buildCaseFilePdf(
      { caseName: '某某商贸有限公司未经许可从事经营活动案', decisionNumber: '冀商执罚〔2026〕1号', agency: '市商务局商务综合执法支队', filedOn: '2026-03-01', closedOn: '2026-04-01', retention: '永久', fondsNumber: 'F001', catalogueNumber: '1', fileNumber: '1', archiveNumber: '20260001', dossierCode: 'F001-ZF·2026-Y-0001' },
      entries,
      { notes: '', compiledBy: '张三', checkedBy: '李四', date: '2026-04-02' },
    );
    const store = new LocalObjectStore(path.join(dir, 'store'));
    const put = await store.put(Readable.from([Buffer.from(built.bytes)]));
    pages = built.totalPages;
    bytes = put.size;
  } else if (mode === 'pdflib') {
    const out = await PDFDocument.create();
    for (const f of files(dir)) {
      const src = await PDFDocument.load(await readFile(f));
      for (const p of await out.copyPages(src, src.getPageIndices())) out.addPage(p);
    }
    const b = await out.save({ useObjectStreams: true });
    await writeFile(path.join(dir, 'pdflib.pdf'), b);
    pages = out.getPageCount();
    bytes = b.length;
  } else if (mode === 'qpdf') {
    const outFile = path.join(dir, 'qpdf.pdf');
    await new Promise<void>((resolve, reject) => {
      const p = spawn('/usr/bin/time', ['-f', '%M', 'qpdf', '--empty', '--pages', ...files(dir), '--', outFile], { stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      p.stderr.on('data', (c) => (err += c));
      p.on('error', reject);
      p.on('exit', (code) => {
        toolPeakMiB = Number(err.trim().split('\n').at(-1)) / 1024;
        return code === 0 ? resolve() : reject(new Error(`qpdf exited ${code}: ${err}`));
      });
    });
    const b = await readFile(outFile);
    pages = (await PDFDocument.load(b)).getPageCount();
    bytes = b.length;
  }
  const ms = performance.now() - t0;
  // qpdf's own memory is a child's: RUSAGE_CHILDREN would be needed; its figure is the node side only.
  process.stdout.write(JSON.stringify({ ms, rssMiB: Math.max(hwmMiB(), toolPeakMiB), startRssMiB: toolPeakMiB ? 0 : startRssMiB, pages, bytes }) + '\n');
}

function child(mode: string, dir: string): Promise<{ ms: number; rssMiB: number; startRssMiB: number; pages: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const self = fileURLToPath(import.meta.url);
    const p = spawn(process.execPath, ['--import', 'tsx', self, `--mode=${mode}`, `--dir=${dir}`, `--docs=${DOCS}`, `--pages=${PAGES}`], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (c) => (out += c));
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').at(-1)!)) : reject(new Error(`${mode} exited ${code}`))));
  });
}

async function hasQpdf(): Promise<boolean> {
  return new Promise((resolve) => {
    const p = spawn('sh', ['-c', 'command -v qpdf && test -x /usr/bin/time'], { stdio: 'ignore' });
    p.on('error', () => resolve(false));
    p.on('exit', (code) => resolve(code === 0));
  });
}

async function main() {
  if (MODE && DIR) return runMode(MODE, DIR);
  console.log(`case-file bench: ${DOCS} documents × ${PAGES} pages = ${DOCS * PAGES} pages, ${ROUNDS} rounds`);
  console.log(`load at start: ${loadLine()}`);
  const dir = await mkdtemp(path.join(tmpdir(), 'quanlu-casefile-bench-'));
  try {
    for (const [i, f] of files(dir).entries()) await writeFile(f, await makeDocument(i, PAGES));
    const modes = ['quanlu', 'pdflib', ...((await hasQpdf()) ? ['qpdf'] : [])];
    const results = new Map<string, { ms: number[]; rss: number[]; added: number[]; pages: number; bytes: number }>();
    for (let r = 0; r < ROUNDS; r++) {
      for (const m of modes) {
        const x = await child(m, dir);
        const acc = results.get(m) ?? { ms: [], rss: [], added: [], pages: x.pages, bytes: x.bytes };
        acc.ms.push(x.ms);
        acc.rss.push(x.rssMiB);
        acc.added.push(x.rssMiB - x.startRssMiB);
        results.set(m, acc);
      }
    }
    const base = median(results.get('pdflib')!.ms);
    const qpdf = results.get('qpdf');
    const label: Record<string, string> = {
      quanlu: 'QuanLu case file (cover+目录+备考表, merge, stamp, store)',
      pdflib: 'pdf-lib alone (merge the same files)',
      qpdf: 'qpdf --empty --pages (merge the same files)',
    };
    printTable(
      ['variant', 'pages out', 'MB out', 'median ms', 'vs pdf-lib', 'vs qpdf', 'peak RSS MiB', 'added by the work MiB'],
      modes.map((m) => {
        const x = results.get(m)!;
        const ms = median(x.ms);
        return [label[m]!, String(x.pages), fmtNum(x.bytes / 1e6), fmtNum(ms, 0), fmtRatio(ms / base), qpdf ? fmtRatio(ms / median(qpdf.ms)) : '—', fmtNum(Math.max(...x.rss), 0), fmtNum(Math.max(...x.added), 0)];
      }),
    );
    console.log('(peak RSS: the variant\'s own process — node with its modules loaded, or qpdf itself measured by GNU time; "added" = peak minus the RSS after loading)');
    console.log(`load at end: ${loadLine()}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
