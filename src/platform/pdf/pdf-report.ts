import PDFDocument from 'pdfkit';
import type { Readable } from 'node:stream';
import { cjkFont } from './cjk-font.ts';

/**
 * A streamed A4 report with Chinese text: headings, label/value blocks, tables whose header repeats on each
 * page, and a footer with the page number on every page. Pages are written out as soon as the next one begins
 * (pdfkit without `bufferPages`), and `flush()` waits while the reader is behind, so a report of any length is
 * never held whole in memory. Used by the custody report; meant for the case file and the evidence package too.
 *
 * Text is drawn in the first installed CJK font (cjk-font.ts), embedded as a subset, so `pdftotext` reads the
 * Chinese back.
 */

/**
 * One table cell: text in the CJK font, optionally followed by `code` (hashes, ids) in Courier — a standard PDF
 * font whose metrics cost nothing to measure, where laying out long hex strings in the CJK font is slow. Hex is
 * split into groups of 16 so lines break between groups.
 */
export type PdfCell = string | { text: string; code?: string };

/** One column of a table: its header and its share of the text width (shares are normalised). */
export interface PdfColumn {
  header: string;
  width: number;
}

export interface PdfReportOptions {
  /** Document title (also the PDF's Title metadata). */
  title: string;
  /** PDF metadata: Subject and Author. */
  subject?: string;
  author?: string;
  /** Footer text left of the page number, on every page. */
  footer?: string;
  /** Page number text; default `第 N 页`. */
  pageLabel?: (page: number) => string;
  /** Bytes the reader may fall behind before `flush()` waits (default 1 MiB). */
  highWaterMark?: number;
}

const MARGIN = 48;
const FOOTER_GAP = 28;
const CELL_PAD = 3;
const BODY_SIZE = 9;
/** Longest text one table cell shows; a row must fit on one page. */
const CELL_MAX_CHARS = 900;
const CODE_SIZE = 7.5;
/**
 * pdfkit caches the layout of every distinct run of text it measured (per font, never emptied); Chinese has no
 * spaces, so each distinct cell is one entry and a long report would keep them all. `flush()` starts the cache
 * afresh past this many entries.
 */
const LAYOUT_CACHE_MAX = 4000;

/** Hex strings of a code line in groups of 16 (so a line can break between groups). */
const groupHex = (s: string) => s.replace(/[0-9a-f]{17,}/gi, (h) => h.match(/.{1,16}/g)!.join(' '));

export class PdfReport {
  /** The PDF bytes as they are produced: pipe or send this. */
  readonly stream: Readable;
  private readonly doc: PDFKit.PDFDocument;
  private page = 0;
  private waiter: (() => void) | undefined;
  private readonly highWaterMark: number;
  private table: { columns: PdfColumn[]; widths: number[] } | undefined;

  private constructor(
    doc: PDFKit.PDFDocument,
    private readonly opts: PdfReportOptions,
  ) {
    this.doc = doc;
    this.stream = doc as unknown as Readable;
    this.highWaterMark = opts.highWaterMark ?? 1 << 20;
    // Node asks for more (calls _read) when the reader has taken the buffered bytes: let the writer go on.
    (doc as unknown as { _read: () => void })._read = () => this.wake();
    this.stream.once('close', () => this.wake());
    this.stream.once('error', () => this.wake());
    doc.on('pageAdded', () => this.onPage());
  }

  /** Opens a report (loads the CJK font, writes the first page's footer). Throws PDF_FONT_MISSING without a font. */
  static async open(opts: PdfReportOptions): Promise<PdfReport> {
    const font = await cjkFont();
    const doc = new PDFDocument({
      size: 'A4',
      margins: { top: MARGIN, bottom: MARGIN + FOOTER_GAP, left: MARGIN, right: MARGIN },
      autoFirstPage: false,
      bufferPages: false,
      info: { Title: opts.title, Subject: opts.subject ?? '', Author: opts.author ?? 'QuanLu 全录', Creator: 'QuanLu 全录' },
      lang: 'zh-CN',
      displayTitle: true,
      highWaterMark: 64 * 1024,
    } as PDFKit.PDFDocumentOptions);
    doc.registerFont('cjk', font.bytes, font.family as string);
    const r = new PdfReport(doc, opts);
    doc.addPage();
    return r;
  }

  /** Pages written so far. */
  get pageCount(): number {
    return this.page;
  }

  /** Whether the reader went away (then stop producing). */
  get aborted(): boolean {
    return this.stream.destroyed;
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  private get textWidth(): number {
    return this.doc.page.width - MARGIN * 2;
  }

  private get bottom(): number {
    return this.doc.page.height - this.doc.page.margins.bottom;
  }

  /** Footer (and the repeated table header) of each new page. */
  private onPage(): void {
    this.page++;
    const doc = this.doc;
    const { x, y } = doc;
    const margins = doc.page.margins;
    const saved = margins.bottom;
    // Text in the bottom margin would open another page: lift the margin while the footer is written.
    margins.bottom = 0;
    doc.font('cjk').fontSize(8).fillColor('#555555');
    const footY = doc.page.height - MARGIN - 10;
    doc.moveTo(MARGIN, footY - 4).lineTo(doc.page.width - MARGIN, footY - 4).lineWidth(0.5).strokeColor('#999999').stroke();
    if (this.opts.footer) doc.text(this.opts.footer, MARGIN, footY, { width: this.textWidth - 80, lineBreak: false, ellipsis: true });
    const label = (this.opts.pageLabel ?? ((n: number) => `第 ${n} 页`))(this.page);
    doc.text(label, doc.page.width - MARGIN - 80, footY, { width: 80, align: 'right', lineBreak: false });
    margins.bottom = saved;
    doc.fillColor('#000000').strokeColor('#000000').fontSize(BODY_SIZE);
    doc.x = x;
    doc.y = margins.top;
    if (this.table) this.drawHeader();
  }

  /** Starts a new page unless `height` more points fit on this one. */
  ensureSpace(height: number): void {
    if (this.doc.y + height > this.bottom) this.doc.addPage();
  }

  /** The document title, centred. */
  title(text: string): void {
    this.doc.font('cjk').fontSize(18).text(text, MARGIN, this.doc.y, { width: this.textWidth, align: 'center' });
    this.doc.moveDown(0.6).fontSize(BODY_SIZE);
  }

  /** A section heading. */
  heading(text: string): void {
    this.endTable();
    this.ensureSpace(40);
    this.doc.moveDown(0.4).font('cjk').fontSize(12).text(text, MARGIN, this.doc.y, { width: this.textWidth });
    this.doc.moveDown(0.3).fontSize(BODY_SIZE);
  }

  /** A paragraph of body text. */
  paragraph(text: string, o: { size?: number; color?: string } = {}): void {
    this.endTable();
    this.doc.font('cjk').fontSize(o.size ?? BODY_SIZE).fillColor(o.color ?? '#000000').text(text, MARGIN, this.doc.y, { width: this.textWidth });
    this.doc.fillColor('#000000').fontSize(BODY_SIZE);
  }

  /** Label/value lines (值 wraps under itself; long hashes break anywhere). */
  keyValues(rows: readonly (readonly [string, string])[], labelWidth = 110): void {
    this.endTable();
    const doc = this.doc.font('cjk').fontSize(BODY_SIZE);
    const valueWidth = this.textWidth - labelWidth;
    for (const [k, v] of rows) {
      const value = v || '—';
      const h = Math.max(doc.heightOfString(k, { width: labelWidth - 6 }), doc.heightOfString(value, { width: valueWidth })) + 3;
      this.ensureSpace(h);
      const y = doc.y;
      doc.fillColor('#444444').text(k, MARGIN, y, { width: labelWidth - 6 });
      doc.fillColor('#000000').text(value, MARGIN + labelWidth, y, { width: valueWidth });
      doc.y = y + h;
    }
    doc.x = MARGIN;
  }

  /** Starts a table; `row()` adds rows until the next heading, paragraph or `endTable()`. */
  startTable(columns: PdfColumn[]): void {
    this.endTable();
    const total = columns.reduce((s, c) => s + c.width, 0);
    this.ensureSpace(40);
    this.table = { columns, widths: columns.map((c) => (c.width / total) * this.textWidth) };
    this.drawHeader();
  }

  endTable(): void {
    if (this.table) this.doc.moveDown(0.5);
    this.table = undefined;
  }

  private drawHeader(): void {
    const t = this.table!;
    const doc = this.doc.font('cjk').fontSize(BODY_SIZE);
    const h = Math.max(...t.columns.map((c, i) => doc.heightOfString(c.header, { width: t.widths[i]! - CELL_PAD * 2 }))) + CELL_PAD * 2;
    const y = doc.y;
    doc.rect(MARGIN, y, this.textWidth, h).fill('#e8e8e8');
    doc.fillColor('#000000');
    this.cells(t.columns.map((c) => c.header), t.widths, y, h);
    doc.y = y + h;
  }

  private cells(texts: readonly PdfCell[], widths: readonly number[], y: number, h: number): void {
    const doc = this.doc;
    let x = MARGIN;
    texts.forEach((cell, i) => {
      const w = widths[i]!;
      const { text, code } = typeof cell === 'string' ? { text: cell, code: undefined } : cell;
      doc.font('cjk').fontSize(BODY_SIZE).text(text, x + CELL_PAD, y + CELL_PAD, { width: w - CELL_PAD * 2 });
      if (code) doc.font('Courier').fontSize(CODE_SIZE).fillColor('#444444').text(code, x + CELL_PAD, doc.y, { width: w - CELL_PAD * 2 });
      doc.fillColor('#000000').font('cjk').fontSize(BODY_SIZE);
      doc.rect(x, y, w, h).lineWidth(0.4).strokeColor('#888888').stroke();
      x += w;
    });
    doc.strokeColor('#000000');
  }

  /** The height a cell needs at this column width. */
  private cellHeight(cell: PdfCell, width: number): number {
    const doc = this.doc;
    const { text, code } = typeof cell === 'string' ? { text: cell, code: undefined } : cell;
    let h = text ? doc.font('cjk').fontSize(BODY_SIZE).heightOfString(text, { width }) : 0;
    if (code) h += doc.font('Courier').fontSize(CODE_SIZE).heightOfString(code, { width });
    doc.font('cjk').fontSize(BODY_SIZE);
    return h;
  }

  /** One table row; moves to a new page (header repeated) when it does not fit. */
  row(cells: readonly PdfCell[]): void {
    const t = this.table;
    if (!t) throw new Error('row() outside a table');
    const clip = (s: string) => (s.length > CELL_MAX_CHARS ? `${s.slice(0, CELL_MAX_CHARS)}…` : s);
    const shown = cells.map((c): PdfCell => (typeof c === 'string' ? clip(c) || '—' : { text: clip(c.text), code: c.code && groupHex(clip(c.code)) }));
    const h = Math.max(...shown.map((c, i) => this.cellHeight(c, t.widths[i]! - CELL_PAD * 2))) + CELL_PAD * 2;
    this.ensureSpace(h);
    const y = this.doc.y;
    this.cells(shown, t.widths, y, h);
    this.doc.y = y + h;
    this.doc.x = MARGIN;
  }

  /**
   * Waits while the reader has more than the high-water mark unread (backpressure), so producing rows from a
   * database cursor never outruns a slow download, and bounds pdfkit's text layout cache. Call it after each
   * batch of rows. Returns false when the reader went away.
   */
  async flush(): Promise<boolean> {
    this.trimLayoutCaches();
    while (!this.aborted && this.stream.readableLength > this.highWaterMark) {
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
      });
    }
    return !this.aborted;
  }

  private trimLayoutCaches(): void {
    const families = (this.doc as unknown as { _fontFamilies?: Record<string, { layoutCache?: Record<string, unknown> }> })._fontFamilies ?? {};
    for (const f of Object.values(families)) {
      if (f.layoutCache && Object.keys(f.layoutCache).length > LAYOUT_CACHE_MAX) f.layoutCache = Object.create(null) as Record<string, unknown>;
    }
  }

  /** Finishes the document (the font subset and cross-reference table are written now). */
  end(): void {
    this.endTable();
    this.doc.end();
  }

  /** Ends the stream with an error (the reader sees a cut-off download). */
  fail(e: Error): void {
    this.stream.destroy(e);
  }
}
