import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { PdfReport } from '../../src/platform/pdf/pdf-report.ts';

/**
 * The reusable PDF helper (src/platform/pdf): Chinese text that pdftotext reads back, a page number on every
 * page, the table header repeated on every page, and backpressure — a reader that does not read holds the
 * writer at the high-water mark instead of the whole document piling up in memory.
 */

const run = promisify(execFile);
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'quanlu-pdf-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const collect = (pdf: PdfReport) =>
  new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    pdf.stream.on('data', (c: Buffer) => chunks.push(c));
    pdf.stream.on('end', () => resolve(Buffer.concat(chunks)));
    pdf.stream.on('error', reject);
  });

test('Chinese text, a page number on every page, the table header on every page', async () => {
  const sut = await PdfReport.open({ title: '测试报告', footer: '页脚文字' });
  const bytes = collect(sut);
  sut.title('测试报告');
  sut.keyValues([['哈希', 'a'.repeat(64)]]);
  sut.startTable([
    { header: '序号', width: 1 },
    { header: '内容', width: 4 },
  ]);
  for (let i = 1; i <= 300; i++) sut.row([String(i), { text: `第${i}行：执法记录仪视频`, code: 'f'.repeat(64) }]);
  sut.end();
  const file = path.join(dir, 'table.pdf');
  await writeFile(file, await bytes);
  const pages = Number(/Pages:\s+(\d+)/.exec((await run('pdfinfo', [file])).stdout)![1]);
  expect(pages).toBeGreaterThan(3);
  const perPage = (await run('pdftotext', ['-layout', file, '-'])).stdout.split('\f').filter((p) => p.trim());
  expect(perPage).toHaveLength(pages);
  perPage.forEach((text, i) => {
    expect(text).toMatch(new RegExp(`第\\s*${i + 1}\\s*页`));
    expect(text).toContain('页脚文字');
    expect(text).toMatch(/序号\s+内容/);
  });
  const all = perPage.join('\n');
  for (const i of [1, 150, 300]) expect(all).toContain(`第${i}行：执法记录仪视频`);
  expect(sut.pageCount).toBe(pages);
});

test('a reader that stops reading holds the writer (backpressure); reading on lets it finish', async () => {
  const highWaterMark = 64 * 1024;
  const sut = await PdfReport.open({ title: '背压', highWaterMark });
  sut.startTable([{ header: '内容', width: 1 }]);
  let written = 0;
  let flushed = false;
  // Nobody reads yet: flush() must not return while more than the high-water mark is unread.
  const writer = (async () => {
    for (let batch = 0; batch < 20; batch++) {
      for (let i = 0; i < 200; i++) sut.row([`批次${batch}第${i}行 ${'样'.repeat(30)} ${batch * 200 + i}`]);
      written = batch + 1;
      if (!(await sut.flush())) return;
    }
    flushed = true;
    sut.end();
  })();
  await new Promise((r) => setTimeout(r, 500));
  expect(written).toBeLessThan(20);
  expect(flushed).toBe(false);
  const heldAt = sut.stream.readableLength;
  expect(heldAt).toBeGreaterThan(highWaterMark);
  // One batch past the mark at most (a batch is written before flush() is asked).
  expect(heldAt).toBeLessThan(highWaterMark + 2 * 1024 * 1024);
  const bytes = await collect(sut);
  await writer;
  expect(flushed).toBe(true);
  expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
});

test('a reader that goes away ends the writing (flush() answers false)', async () => {
  const sut = await PdfReport.open({ title: '中断', highWaterMark: 1024 });
  sut.startTable([{ header: '内容', width: 1 }]);
  for (let i = 0; i < 400; i++) sut.row([`第${i}行 ${'样'.repeat(40)}`]);
  expect(sut.stream.readableLength).toBeGreaterThan(1024);
  const pending = sut.flush();
  sut.stream.destroy();
  expect(await pending).toBe(false);
  expect(sut.aborted).toBe(true);
});
