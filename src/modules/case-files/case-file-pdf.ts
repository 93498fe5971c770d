import PDFKit from 'pdfkit';
import { PDFDocument, StandardFonts, type PDFFont, type PDFPage } from 'pdf-lib';
import { AppError } from '../../platform/errors/error-catalog.ts';
import { cjkFont, type CjkFont } from '../../platform/pdf/cjk-font.ts';

/**
 * The bound case file (案卷) as one PDF (第九条; 河北省行政处罚案卷标准, GB/T 9705 layouts): cover, 卷内目录,
 * the documents in binding order with page numbers stamped, 备考表. Generated pages are drawn with pdfkit in
 * a CJK font (real, extractable Chinese text); uploaded PDFs and images are merged and stamped with pdf-lib.
 * Only one uploaded document is held in memory at a time besides the output.
 */

const A4 = { width: 595.28, height: 841.89 };
const MARGIN = 56;

export interface CoverFields {
  /** 案件名称 = party + violation + 案 */
  caseName: string;
  /** 决定书文号 */
  decisionNumber: string;
  /** 办案机构 */
  agency: string;
  filedOn: string;
  closedOn: string;
  /** 保管期限 as printed (永久, 30年). */
  retention: string;
  fondsNumber: string;
  catalogueNumber: string;
  /** 案卷号 */
  fileNumber: string;
  /** 归档号 (8 digits) once archived. */
  archiveNumber: string;
  /** 档号 (DA/T 22) once archived. */
  dossierCode: string;
}

/** One catalogue row: an uploaded document, a generated page (the electronic data list), or a row pointing into one. */
export interface CatalogueEntry {
  responsible: string;
  number: string;
  title: string;
  date: string;
  /** The pages this row brings into the volume (0 for a row that points into another entry's pages). */
  pages: number;
  /** Loads the bytes to bind (PDF, JPEG or PNG); absent for generated or pointing rows. */
  load?: () => Promise<Uint8Array>;
  mimeType?: string;
  /** Generated pages (already a PDF). */
  generated?: Uint8Array;
  /** For a pointing row: the index of the entry whose first page it refers to. */
  pointsTo?: number;
  note?: string;
}

export interface ReferenceTable {
  notes: string;
  /** 立卷人 */
  compiledBy: string;
  /** 检查人 */
  checkedBy: string;
  date: string;
}

export interface BuiltCaseFile {
  bytes: Uint8Array;
  totalPages: number;
  /** Pages carrying a number (the documents). */
  numberedPages: number;
  /** Unnumbered pages before the documents: cover + catalogue. */
  frontPages: number;
  /** The page number each catalogue row starts at (1-based numbering of the documents). */
  startPages: number[];
}

/** The platform's CJK font (found and read once per process); none installed answers CASE_FILE_FONT_MISSING (503). */
async function caseFileFont(): Promise<CjkFont> {
  return cjkFont().catch((e: unknown) => {
    throw e instanceof AppError && e.code === 'PDF_FONT_MISSING' ? new AppError('CASE_FILE_FONT_MISSING') : e;
  });
}

/** Renders with pdfkit into bytes. */
async function render(draw: (doc: PDFKit.PDFDocument) => void): Promise<Uint8Array> {
  const font = await caseFileFont();
  const doc = new PDFKit({ size: 'A4', margin: MARGIN, autoFirstPage: true, info: { Producer: 'QuanLu', Creator: 'QuanLu' } });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((resolve, reject) => {
    doc.on('end', () => resolve());
    doc.on('error', reject);
  });
  doc.registerFont('cjk', font.bytes, font.family);
  doc.font('cjk');
  draw(doc);
  doc.end();
  await done;
  return new Uint8Array(Buffer.concat(chunks));
}

function drawCover(doc: PDFKit.PDFDocument, c: CoverFields, items: number, pages: number): void {
  const w = A4.width - 2 * MARGIN;
  doc.fontSize(10);
  const codes: [string, string][] = [
    ['全宗号', c.fondsNumber],
    ['目录号', c.catalogueNumber],
    ['案卷号', c.fileNumber],
  ];
  let y = MARGIN;
  for (const [k, v] of codes) {
    doc.rect(A4.width - MARGIN - 180, y, 70, 20).stroke().rect(A4.width - MARGIN - 110, y, 110, 20).stroke();
    doc.text(k, A4.width - MARGIN - 175, y + 5, { width: 60, lineBreak: false });
    doc.text(v || ' ', A4.width - MARGIN - 105, y + 5, { width: 100, lineBreak: false });
    y += 20;
  }
  doc.fontSize(26).text('行政处罚案卷', MARGIN, 180, { width: w, align: 'center', characterSpacing: 6 });
  const rows: [string, string][] = [
    ['案件名称', c.caseName],
    ['决定书文号', c.decisionNumber],
    ['办案机构', c.agency],
    ['立案日期', c.filedOn],
    ['结案日期', c.closedOn],
    ['保管期限', c.retention],
    ['本卷件数', `${items} 件`],
    ['本卷页数', `${pages} 页`],
    ['归档号', c.archiveNumber],
    ['档号', c.dossierCode],
  ];
  y = 280;
  doc.fontSize(13);
  for (const [k, v] of rows) {
    const h = Math.max(32, doc.heightOfString(v || ' ', { width: w - 130 }) + 14);
    doc.rect(MARGIN, y, 110, h).stroke().rect(MARGIN + 110, y, w - 110, h).stroke();
    doc.text(k, MARGIN + 10, y + 8, { width: 95, lineBreak: false });
    doc.text(v || ' ', MARGIN + 120, y + 8, { width: w - 130 });
    y += h;
  }
}

const CATALOGUE_COLUMNS = [
  { title: '序号', width: 32 },
  { title: '责任者', width: 78 },
  { title: '文号', width: 88 },
  { title: '题名', width: 148 },
  { title: '日期', width: 62 },
  { title: '页号', width: 44 },
  { title: '备注', width: 31.28 },
] as const;

function drawCatalogue(doc: PDFKit.PDFDocument, rows: string[][]): void {
  const header = () => {
    doc.fontSize(18).text('卷内目录', MARGIN, MARGIN, { width: A4.width - 2 * MARGIN, align: 'center' });
    doc.fontSize(9);
    let x = MARGIN;
    const y = MARGIN + 36;
    for (const col of CATALOGUE_COLUMNS) {
      doc.rect(x, y, col.width, 22).stroke();
      doc.text(col.title, x + 2, y + 6, { width: col.width - 4, align: 'center', lineBreak: false });
      x += col.width;
    }
    return y + 22;
  };
  let y = header();
  for (const row of rows) {
    const h = Math.max(22, ...row.map((cell, i) => doc.heightOfString(cell || ' ', { width: CATALOGUE_COLUMNS[i]!.width - 4 }) + 8));
    if (y + h > A4.height - MARGIN) {
      doc.addPage();
      y = header();
    }
    let x = MARGIN;
    row.forEach((cell, i) => {
      const col = CATALOGUE_COLUMNS[i]!;
      doc.rect(x, y, col.width, h).stroke();
      doc.text(cell || ' ', x + 2, y + 4, { width: col.width - 4, align: i === 0 || i >= 4 ? 'center' : 'left' });
      x += col.width;
    });
    y += h;
  }
}

function drawReferenceTable(doc: PDFKit.PDFDocument, r: ReferenceTable, items: number, pages: number): void {
  const w = A4.width - 2 * MARGIN;
  doc.fontSize(18).text('卷内备考表', MARGIN, MARGIN, { width: w, align: 'center' });
  doc.fontSize(12);
  const top = MARGIN + 40;
  const boxH = 480;
  doc.rect(MARGIN, top, w, boxH).stroke();
  doc.text('本卷情况说明', MARGIN + 12, top + 12);
  doc.text(`本卷共有文件材料 ${items} 件，共 ${pages} 页（封面、卷内目录、备考表不编页号）。`, MARGIN + 12, top + 40, { width: w - 24 });
  if (r.notes) doc.text(r.notes, MARGIN + 12, top + 70, { width: w - 24, height: boxH - 90, ellipsis: true });
  let y = top + boxH + 30;
  for (const [k, v] of [
    ['立卷人', r.compiledBy],
    ['检查人', r.checkedBy],
    ['立卷时间', r.date],
  ] as const) {
    doc.text(`${k}：${v}`, MARGIN + w / 2, y, { width: w / 2 });
    y += 28;
  }
}

/** The generated list of linked recordings (电子数据清单): one block per recording with its hashes and storage reference. */
export async function renderElectronicDataList(
  items: { title: string; recordedAt: string; sha256: string; sm3: string; sizeBytes: number; storage: string; officers: string }[],
): Promise<Uint8Array> {
  await caseFileFont();
  return render((doc) => {
    const w = A4.width - 2 * MARGIN;
    doc.fontSize(16).text('电子数据（声像资料）清单', { width: w, align: 'center' });
    doc.moveDown();
    doc.fontSize(10);
    items.forEach((it, i) => {
      if (doc.y > A4.height - MARGIN - 120) doc.addPage();
      doc.text(`${i + 1}. ${it.title}`, { width: w });
      doc.text(`    记录时间：${it.recordedAt}    执法人员：${it.officers}`, { width: w });
      doc.text(`    大小：${it.sizeBytes} 字节    存储位置：${it.storage}`, { width: w });
      doc.text(`    SHA-256：${it.sha256}`, { width: w });
      doc.text(`    SM3：${it.sm3}`, { width: w });
      doc.moveDown(0.6);
    });
    doc.moveDown();
    doc.text('以上电子数据原件保存于本系统存储，可按上列校验值核对其完整性（第八条、第十三条）。', { width: w });
  });
}

/** Page numbers (Arabic numerals): recto pages top right, verso pages top left (档案装订惯例). */
function stamp(page: PDFPage, n: number, font: PDFFont): void {
  const { width, height } = page.getSize();
  const label = String(n);
  const size = 12;
  const tw = font.widthOfTextAtSize(label, size);
  const x = n % 2 === 1 ? width - 28 - tw : 28;
  page.drawText(label, { x, y: height - 30, size, font });
}

/** Puts an image on an A4 page of its own, fitted within the margins, centred (portrait or landscape page by its shape). */
async function imagePage(out: PDFDocument, bytes: Uint8Array, mimeType: string): Promise<void> {
  const img = mimeType === 'image/png' ? await out.embedPng(bytes) : await out.embedJpg(bytes);
  const landscape = img.width > img.height;
  const pw = landscape ? A4.height : A4.width;
  const ph = landscape ? A4.width : A4.height;
  const scale = Math.min((pw - 2 * 36) / img.width, (ph - 2 * 48) / img.height);
  const w = img.width * scale;
  const h = img.height * scale;
  const page = out.addPage([pw, ph]);
  page.drawImage(img, { x: (pw - w) / 2, y: (ph - h) / 2, width: w, height: h });
}

/**
 * Builds the volume. Entries come in binding order; the catalogue gives each the page it starts on (pointing
 * rows, such as each recording under 电子数据, the page of what they point into).
 */
export async function buildCaseFilePdf(cover: CoverFields, entries: CatalogueEntry[], reference: ReferenceTable): Promise<BuiltCaseFile> {
  await caseFileFont();
  const startPages: number[] = [];
  let next = 1;
  for (const e of entries) {
    if (e.pointsTo !== undefined) {
      startPages.push(startPages[e.pointsTo] ?? next);
      continue;
    }
    startPages.push(next);
    next += e.pages;
  }
  const numbered = next - 1;
  const items = entries.filter((e) => e.pointsTo === undefined && e.pages > 0).length;
  const rows = entries.map((e, i) => {
    const start = startPages[i]!;
    const end = start + e.pages - 1;
    const isLast = i === entries.length - 1 && e.pages > 1;
    return [String(i + 1), e.responsible, e.number, e.title, e.date, isLast ? `${start}-${end}` : String(start), e.note ?? ''];
  });
  // One pdfkit document for all generated pages (the CJK font is parsed once): cover, catalogue, and the
  // 备考表 as its last page (always one page: its notes are clipped to the box).
  const generated = await render((doc) => {
    drawCover(doc, cover, items, numbered);
    doc.addPage();
    drawCatalogue(doc, rows);
    doc.addPage();
    drawReferenceTable(doc, reference, items, numbered);
  });

  const out = await PDFDocument.create({ updateMetadata: false });
  out.setTitle(cover.caseName);
  out.setProducer('QuanLu');
  out.setCreator('QuanLu');
  const font = await out.embedFont(StandardFonts.Helvetica);
  const append = async (bytes: Uint8Array | PDFDocument, indices?: number[]) => {
    const src = bytes instanceof PDFDocument ? bytes : await PDFDocument.load(bytes, { updateMetadata: false });
    const pages = await out.copyPages(src, indices ?? src.getPageIndices());
    for (const p of pages) out.addPage(p);
    return pages.length;
  };
  const gen = await PDFDocument.load(generated, { updateMetadata: false });
  const genPages = gen.getPageIndices();
  const frontPages = await append(gen, genPages.slice(0, -1));
  let n = 1;
  for (const e of entries) {
    if (e.pointsTo !== undefined || e.pages === 0) continue;
    const before = out.getPageCount();
    if (e.generated) await append(e.generated);
    else if (e.load) {
      const bytes = await e.load();
      if (e.mimeType === 'image/jpeg' || e.mimeType === 'image/png') await imagePage(out, bytes, e.mimeType);
      else await append(bytes);
    }
    const added = out.getPageCount() - before;
    if (added !== e.pages) throw new AppError('CASE_FILE_BUILD_FAILED', { reason: `${e.title}: ${added} pages, ${e.pages} recorded` });
    for (let i = before; i < before + added; i++) stamp(out.getPage(i), n++, font);
  }
  await append(gen, genPages.slice(-1));
  const bytes = await out.save({ useObjectStreams: true });
  return { bytes, totalPages: out.getPageCount(), numberedPages: numbered, frontPages, startPages };
}
