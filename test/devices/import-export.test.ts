import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestApp, loginAs, makeDepartment, type Session, type TestContext } from '../support/harness.ts';

/**
 * Issue 12 §1: the register imported from CSV and XLSX with good and bad rows (wrong type, duplicate number,
 * unknown department, a formula injection) — good rows in, bad rows reported by row and column, nothing
 * half-imported — and exported with formula cells neutralised.
 */

let ctx: TestContext;
let admin: Session;
let custodian: Session;

const INJECTION = "=cmd|' /C calc'!A0";

beforeAll(async () => {
  ctx = await createTestApp();
  const dept = await makeDepartment(ctx.db, { name: '商务综合执法支队' });
  await ctx.db.updateTable('department').set({ code: 'ZD01' }).where('id', '=', dept.id).execute();
  await makeDepartment(ctx.db, { name: '市场秩序科' });
  admin = (await loginAs(ctx, ['admin'])).session;
  custodian = (await loginAs(ctx, ['custodian'], { departmentId: dept.id })).session;
  // Already registered: a file row with this number is a duplicate.
  expect((await admin.request('POST', '/api/devices', { deviceNumber: 'DSJ-0001', type: 'body_camera', departmentId: dept.id })).statusCode).toBe(201);
});
afterAll(() => ctx.close());

const HEADER = ['设备编号', '类型', '厂商', '型号', '产品序号', '部门', '购置日期'];
/** Row 2, 3 and 7 are good; 4–6, 8, 9 are bad (row numbers count the header as row 1). */
const ROWS = [
  ['DSJ-1001', '执法记录仪', '警翼', 'X8', 'AB12345', '商务综合执法支队', '2026-01-15'],
  ['ZXJ-2001', '照相机', '佳能', 'EOS R8', '', 'ZD01', ''],
  ['DSJ-1002', '无人机', '大疆', 'M3', '', '商务综合执法支队', ''],
  ['DSJ-0001', '执法记录仪', '警翼', 'X8', '', '商务综合执法支队', ''],
  ['DSJ-1003', '执法记录仪', '警翼', 'X8', '', '不存在的科室', ''],
  ['LYB-3001', 'audio_recorder', '索尼', 'ICD-TX660', '', '市场秩序科', '2025-12-01'],
  ['DSJ-1004', '执法记录仪', INJECTION, 'X8', '', '商务综合执法支队', ''],
  ['DSJ-1001', '执法记录仪', '警翼', 'X8', '', '商务综合执法支队', ''],
];

const csvOf = (rows: string[][]) => rows.map((r) => r.map((c) => (/[",\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(',')).join('\r\n');

async function xlsxOf(rows: string[][], formulaAt?: { row: number; col: number; formula: string }) {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('台账');
  for (const r of rows) ws.addRow(r);
  if (formulaAt) ws.getRow(formulaAt.row).getCell(formulaAt.col).value = { formula: formulaAt.formula, result: 0 };
  return Buffer.from(await wb.xlsx.writeBuffer());
}

const errorsOf = (body: { errors: { row: number; column: string; value: string }[] }) => body.errors.map((e) => [e.row, e.column, e.value]);

/** The bad rows as [row, column, value], written out. */
const EXPECTED_ERRORS = [
  [4, '类型', '无人机'],
  [5, '设备编号', 'DSJ-0001'],
  [6, '部门', '不存在的科室'],
  [8, '厂商', INJECTION],
  [9, '设备编号', 'DSJ-1001'],
];

const numbersInDb = async () => (await ctx.db.selectFrom('device').select('device_number').orderBy('device_number').execute()).map((r) => r.device_number);

describe('import', () => {
  test('CSV as the custodian: a dry run changes nothing; the real run takes the good rows of its own departments', async () => {
    const body = { format: 'csv', contentBase64: Buffer.from(`\uFEFF${csvOf([HEADER, ...ROWS])}`).toString('base64') };
    const dry = await custodian.request('POST', '/api/devices/import', { ...body, dryRun: true });
    expect(dry.statusCode, dry.body).toBe(200);
    expect(await numbersInDb()).toEqual(['DSJ-0001']);
    const res = await custodian.request('POST', '/api/devices/import', body);
    expect(res.statusCode, res.body).toBe(200);
    const r = res.json();
    // 市场秩序科 is outside the custodian's departments: it looks unknown, like a department that does not exist.
    expect(errorsOf(r)).toEqual([...EXPECTED_ERRORS.slice(0, 3), [7, '部门', '市场秩序科'], ...EXPECTED_ERRORS.slice(3)]);
    expect(r.errors.find((e: { row: number }) => e.row === 8)).toMatchObject({ zh: '单元格以 = + - @ 或制表符开头（公式注入），已拒绝' });
    expect(r).toMatchObject({ dryRun: false, rows: 8, imported: 2, importedNumbers: ['DSJ-1001', 'ZXJ-2001'] });
    expect(dry.json()).toMatchObject({ dryRun: true, imported: 0, importedNumbers: ['DSJ-1001', 'ZXJ-2001'] });
    expect(await numbersInDb()).toEqual(['DSJ-0001', 'DSJ-1001', 'ZXJ-2001']);
    const d = (await custodian.request('GET', '/api/devices?q=ZXJ-2001')).json().items[0];
    expect(d).toMatchObject({ type: 'camera', make: '佳能', departmentName: '商务综合执法支队', status: 'available' });
    const history = (await custodian.request('GET', `/api/devices/${d.id}`)).json().history;
    expect(history).toMatchObject([{ kind: 'registered', details: { importedFromRow: 3 } }]);
  });

  test('XLSX as the admin, with a real formula cell: good rows in, bad rows reported', async () => {
    const rows = ROWS.map((r) => r.map((c) => c.replace('DSJ-1001', 'DSJ-5001').replace('ZXJ-2001', 'ZXJ-6001')));
    const bytes = await xlsxOf([HEADER, ...rows, ['DSJ-5009', '执法记录仪', '警翼', 'X8', '', '商务综合执法支队', '']], { row: 10, col: 4, formula: 'HYPERLINK("http://x","y")' });
    const res = await admin.request('POST', '/api/devices/import', { format: 'xlsx', contentBase64: bytes.toString('base64') });
    expect(res.statusCode, res.body).toBe(200);
    const r = res.json();
    expect(errorsOf(r)).toEqual([
      ...EXPECTED_ERRORS.slice(0, 4).map(([row, col, v]) => [row, col, v]),
      [9, '设备编号', 'DSJ-5001'],
      [10, '型号', '=HYPERLINK("http://x","y")'],
    ]);
    expect(r).toMatchObject({ rows: 9, imported: 3, importedNumbers: ['DSJ-5001', 'ZXJ-6001', 'LYB-3001'] });
  });

  test('nothing half-imported: a database refusal of one good row leaves none of them', async () => {
    // A trigger refusing one number stands in for any refusal between the check and the commit.
    const { sql } = await import('kysely');
    await sql`CREATE FUNCTION refuse_dsj_9002() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.device_number = 'DSJ-9002' THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END $$`.execute(ctx.ownerDb);
    await sql`CREATE TRIGGER refuse_dsj_9002 BEFORE INSERT ON device FOR EACH ROW EXECUTE FUNCTION refuse_dsj_9002()`.execute(ctx.ownerDb);
    try {
      const csv = csvOf([HEADER, ['DSJ-9001', '执法记录仪', '', '', '', '商务综合执法支队', ''], ['DSJ-9002', '执法记录仪', '', '', '', '商务综合执法支队', '']]);
      const res = await admin.request('POST', '/api/devices/import', { format: 'csv', contentBase64: Buffer.from(csv).toString('base64') });
      expect(res.statusCode).toBe(500);
      expect((await numbersInDb()).filter((n) => n.startsWith('DSJ-900'))).toEqual([]);
    } finally {
      await sql`DROP TRIGGER refuse_dsj_9002 ON device`.execute(ctx.ownerDb);
    }
  });

  test('an unreadable file or a missing column is a clear 400', async () => {
    const notXlsx = await admin.request('POST', '/api/devices/import', { format: 'xlsx', contentBase64: Buffer.from('hello').toString('base64') });
    expect(notXlsx.statusCode).toBe(400);
    expect(notXlsx.json()).toMatchObject({ code: 'DEVICE_FILE_UNREADABLE', message: '无法读取导入文件：不是有效的 XLSX 文件' });
    const noDept = await admin.request('POST', '/api/devices/import', { format: 'csv', contentBase64: Buffer.from('设备编号,类型\nA1,其他').toString('base64') });
    expect(noDept.json()).toMatchObject({ code: 'DEVICE_FILE_UNREADABLE', message: '无法读取导入文件：缺少“部门”列' });
  });
});

describe('export', () => {
  test('CSV and XLSX: formula-like cells get a leading apostrophe; never a formula cell', async () => {
    const dept = (await ctx.db.selectFrom('department').select('id').where('name', '=', '商务综合执法支队').executeTakeFirstOrThrow()).id;
    // Through the API, text is free (it is JSON, not a sheet): the export is where it must be made harmless.
    for (const [n, make, model] of [
      ['EXP-1', INJECTION, '+SUM(1,2)'],
      ['EXP-2', '@HYPERLINK("x")', '-2+3'],
    ]) {
      expect((await admin.request('POST', '/api/devices', { deviceNumber: n, type: 'other', make, model, departmentId: dept })).statusCode).toBe(201);
    }
    const csv = await admin.request('GET', '/api/devices/export?format=csv');
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    const lines = csv.body.replace(/^\uFEFF/, '').split('\r\n');
    expect(lines[0]).toBe('设备编号,类型,厂商,型号,产品序号,部门,购置日期,状态');
    expect(lines.find((l) => l.startsWith('EXP-1'))).toBe(`EXP-1,其他,'=cmd|' /C calc'!A0,"'+SUM(1,2)",,商务综合执法支队,,可用`);
    expect(lines.find((l) => l.startsWith('EXP-2'))).toBe(`EXP-2,其他,"'@HYPERLINK(""x"")",'-2+3,,商务综合执法支队,,可用`);

    const xlsx = await admin.request('GET', '/api/devices/export?format=xlsx');
    expect(xlsx.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer);
    const ws = wb.worksheets[0]!;
    const cells: string[][] = [];
    let formulas = 0;
    ws.eachRow((row) => {
      const r: string[] = [];
      row.eachCell({ includeEmpty: true }, (c) => {
        if (c.type === ExcelJS.ValueType.Formula) formulas++;
        r.push(String(c.value ?? ''));
      });
      cells.push(r);
    });
    expect(formulas).toBe(0);
    expect(cells.find((r) => r[0] === 'EXP-1')!.slice(2, 4)).toEqual([`'${INJECTION}`, "'+SUM(1,2)"]);
    expect(cells.find((r) => r[0] === 'EXP-2')!.slice(2, 4)).toEqual(["'@HYPERLINK(\"x\")", "'-2+3"]);
    // The export round-trips into an import: the neutralised cells are plain text, no longer formula-like.
    const again = await admin.request('POST', '/api/devices/import', { format: 'xlsx', contentBase64: Buffer.from(xlsx.rawPayload).toString('base64'), dryRun: true });
    expect(again.json().errors.filter((e: { zh: string }) => e.zh.includes('公式注入'))).toEqual([]);
  });
});
