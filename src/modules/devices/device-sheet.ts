import ExcelJS from 'exceljs';
import { AppError } from '../../platform/errors/error-catalog.ts';

/**
 * The register as a sheet (CSV or XLSX): reading an import and writing an export. Cells that a spreadsheet
 * would run as a formula (= + - @, tab, carriage return first) are refused on import and neutralised on
 * export with a leading apostrophe (CSV/formula injection).
 */

/** Columns of the register sheet: key, Chinese header (written on export), and headers accepted on import. */
export const COLUMNS = [
  { key: 'deviceNumber', zh: '设备编号', en: 'Device number', accept: ['设备编号', 'device number', 'devicenumber', 'number'] },
  { key: 'type', zh: '类型', en: 'Type', accept: ['类型', '设备类型', 'type'] },
  { key: 'make', zh: '厂商', en: 'Make', accept: ['厂商', '品牌', 'make'] },
  { key: 'model', zh: '型号', en: 'Model', accept: ['型号', 'model'] },
  { key: 'serial', zh: '产品序号', en: 'Serial', accept: ['产品序号', '序列号', 'serial'] },
  { key: 'department', zh: '部门', en: 'Department', accept: ['部门', '所属部门', 'department'] },
  { key: 'purchasedOn', zh: '购置日期', en: 'Purchase date', accept: ['购置日期', 'purchase date', 'purchasedon'] },
  { key: 'status', zh: '状态', en: 'Status', accept: ['状态', 'status'] },
] as const;
export type ColumnKey = (typeof COLUMNS)[number]['key'];

export const TYPE_NAMES = {
  body_camera: { zh: '执法记录仪', en: 'Body camera' },
  camera: { zh: '照相机', en: 'Camera' },
  video_camera: { zh: '摄像机', en: 'Video camera' },
  audio_recorder: { zh: '录音笔', en: 'Audio recorder' },
  other: { zh: '其他', en: 'Other' },
} as const;

export const STATUS_NAMES = {
  available: { zh: '可用', en: 'available' },
  in_use: { zh: '在用', en: 'in use' },
  in_repair: { zh: '维修中', en: 'in repair' },
  faulty: { zh: '故障停用', en: 'out of service (fault)' },
  retired: { zh: '报废', en: 'retired' },
} as const;

/** A type given as its code, its Chinese or its English name. */
export function typeFromCell(v: string): keyof typeof TYPE_NAMES | undefined {
  const t = v.trim().toLowerCase();
  for (const [code, n] of Object.entries(TYPE_NAMES)) if (t === code || t === n.zh || t === n.en.toLowerCase()) return code as keyof typeof TYPE_NAMES;
  return undefined;
}

/** A cell a spreadsheet would evaluate: starts with = + - @, a tab or a carriage return. */
export const FORMULA_START = /^[=+\-@\t\r]/;

/** Export: a leading apostrophe makes a formula-like cell plain text. */
export function neutralise(v: string): string {
  return FORMULA_START.test(v) ? `'${v}` : v;
}

/** One sheet row: cell texts, and which cells held a real formula (XLSX). */
export interface SheetRow {
  row: number;
  cells: string[];
  formulaCells: Set<number>;
}

/** RFC 4180 CSV (quotes, doubled quotes, CRLF or LF), UTF-8 with or without BOM. */
export function parseCsv(text: string): string[][] {
  const s = text.replace(/^\uFEFF/, '');
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quoted) {
      if (c === '"') {
        if (s[i + 1] === '"') {
          cell += '"';
          i++;
        } else quoted = false;
      } else cell += c;
    } else if (c === '"' && cell === '') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\n' || (c === '\r' && s[i + 1] === '\n')) {
      if (c === '\r') i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += c;
  }
  if (cell !== '' || row.length) {
    row.push(cell);
    rows.push(row);
  }
  return rows.filter((r) => r.some((c) => c.trim() !== ''));
}

const cellText = (v: ExcelJS.CellValue): string => {
  if (v === null || v === undefined) return '';
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  if (typeof v === 'object') {
    if ('richText' in v) return v.richText.map((t) => t.text).join('');
    if ('formula' in v || 'sharedFormula' in v) return `=${(v as { formula?: string }).formula ?? ''}`;
    if ('text' in v) return String(v.text);
    if ('error' in v) return String(v.error);
    return '';
  }
  return String(v);
};

/** The rows of an import file, the header first. Unreadable files are a 400 naming the reason. */
export async function readSheet(format: 'csv' | 'xlsx', bytes: Buffer): Promise<SheetRow[]> {
  if (format === 'csv') {
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      throw new AppError('DEVICE_FILE_UNREADABLE', { reason: { zh: '不是 UTF-8 编码的 CSV', en: 'not UTF-8 CSV' } });
    }
    return parseCsv(text).map((cells, i) => ({ row: i + 1, cells, formulaCells: new Set() }));
  }
  const wb = new ExcelJS.Workbook();
  try {
    await wb.xlsx.load(bytes as unknown as ArrayBuffer);
  } catch {
    throw new AppError('DEVICE_FILE_UNREADABLE', { reason: { zh: '不是有效的 XLSX 文件', en: 'not a valid XLSX file' } });
  }
  const ws = wb.worksheets[0];
  if (!ws) throw new AppError('DEVICE_FILE_UNREADABLE', { reason: { zh: '工作簿中没有工作表', en: 'the workbook has no sheet' } });
  const out: SheetRow[] = [];
  ws.eachRow({ includeEmpty: false }, (r, n) => {
    const cells: string[] = [];
    const formulaCells = new Set<number>();
    for (let c = 1; c <= Math.max(r.cellCount, COLUMNS.length); c++) {
      const cell = r.getCell(c);
      if (cell.type === ExcelJS.ValueType.Formula) formulaCells.add(c - 1);
      cells.push(cellText(cell.value));
    }
    if (cells.some((c) => c.trim() !== '')) out.push({ row: n, cells, formulaCells });
  });
  return out;
}

/** CSV text of rows, every cell neutralised and quoted where needed; BOM first so spreadsheets read UTF-8. */
export function toCsv(rows: string[][]): string {
  const q = (v: string) => {
    const n = neutralise(v);
    return /[",\r\n]/.test(n) ? `"${n.replace(/"/g, '""')}"` : n;
  };
  return `\uFEFF${rows.map((r) => r.map(q).join(',')).join('\r\n')}\r\n`;
}

/** XLSX bytes of rows (header bold), every cell a neutralised string (never a formula). */
export async function toXlsx(rows: string[][]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('设备台账');
  for (const r of rows) ws.addRow(r.map(neutralise));
  ws.getRow(1).font = { bold: true };
  ws.columns.forEach((c) => (c.width = 16));
  return Buffer.from(await wb.xlsx.writeBuffer());
}
