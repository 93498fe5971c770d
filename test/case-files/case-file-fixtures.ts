import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { deflateSync, crc32 } from 'node:zlib';
import PDFKit from 'pdfkit';
import type { Session } from '../support/harness.ts';

const run = promisify(execFile);
const FONT = '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc';

/**
 * A PDF of `pages` A4 pages; page i carries `${marker}-P${i}` (ASCII, to find where a document landed) and a
 * Chinese line, both well below the top strip where page numbers are stamped. `userPassword` encrypts it.
 */
export async function makePdf(pages: number, marker: string, o: { userPassword?: string; plain?: boolean } = {}): Promise<Buffer> {
  const doc = new PDFKit({ size: 'A4', margin: 72, ...(o.userPassword && { userPassword: o.userPassword, ownerPassword: `${o.userPassword}-owner` }) });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const end = new Promise((r) => doc.on('end', r));
  if (!o.plain) {
    doc.registerFont('cjk', FONT, 'NotoSansCJKsc-Regular');
    doc.font('cjk');
  }
  for (let i = 1; i <= pages; i++) {
    if (i > 1) doc.addPage();
    doc.fontSize(14).text(`${marker}-P${i}`, 72, 200);
    if (!o.plain) doc.text('执法文书正文（测试）', 72, 240);
  }
  doc.end();
  await end;
  return Buffer.concat(chunks);
}

/** A real PNG (RGB, solid colour with a stripe) of the given size, encoded here (no image library needed). */
export function makePng(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td) >>> 0);
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1);
    for (let x = 0; x < width; x++) {
      const o = row + 1 + x * 3;
      const stripe = Math.floor(y / 10) % 2 === 0;
      raw[o] = stripe ? 200 : 40;
      raw[o + 1] = 120;
      raw[o + 2] = stripe ? 40 : 200;
    }
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

export interface UploadMeta {
  type: string;
  title: string;
  responsible?: string;
  number?: string;
  date: string;
  fileName?: string;
  receiptSigned?: boolean;
}

/** Uploads a document's bytes through the API as the web page does (raw body, metadata in the query). */
export function uploadDocument(s: Session, caseId: string, bytes: Buffer, meta: UploadMeta, contentType = 'application/pdf') {
  const q = new URLSearchParams({
    type: meta.type,
    title: meta.title,
    responsible: meta.responsible ?? '市商务局商务综合执法支队',
    date: meta.date,
    fileName: meta.fileName ?? `${meta.type}.pdf`,
    ...(meta.number !== undefined && { number: meta.number }),
    ...(meta.receiptSigned !== undefined && { receiptSigned: String(meta.receiptSigned) }),
  });
  return s.request('POST', `/api/cases/${caseId}/documents?${q}`, bytes, { 'content-type': contentType });
}

/** A PDF inspected with poppler: page count, and per page its text and the text of the top strip (where numbers go). */
export async function readPdf(bytes: Buffer) {
  const dir = await mkdtemp(path.join(tmpdir(), 'quanlu-casefile-test-'));
  try {
    const file = path.join(dir, 'f.pdf');
    await writeFile(file, bytes);
    const info = (await run('pdfinfo', [file])).stdout;
    const pages = Number(/Pages:\s+(\d+)/.exec(info)![1]);
    const text: string[] = [];
    const top: string[] = [];
    for (let p = 1; p <= pages; p++) {
      text.push((await run('pdftotext', ['-f', String(p), '-l', String(p), '-layout', file, '-'])).stdout);
      // The top 45 points of an A4 page (pdftotext crops in pixels at 72 dpi = points).
      top.push((await run('pdftotext', ['-f', String(p), '-l', String(p), '-x', '0', '-y', '0', '-W', '600', '-H', '45', file, '-'])).stdout.replace(/\f/g, '').trim());
    }
    return { pages, text, top };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Text without whitespace (pdftotext spaces CJK runs apart in layout mode). */
export const squash = (s: string) => s.replace(/\s+/g, '');
