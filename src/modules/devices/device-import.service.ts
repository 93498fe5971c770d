import { appendAuditEvent } from '../../platform/audit/audit-chain.ts';
import { actorOf, type AuthUser } from '../../platform/auth/auth-user.ts';
import type { DeviceType } from '../../platform/db/schema.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError } from '../../platform/errors/error-catalog.ts';
import { unsafeTextProblem } from '../../platform/http/safe-text.ts';
import { accessFilter, allowedIds } from '../access/access.service.ts';
import { COLUMNS, FORMULA_START, readSheet, STATUS_NAMES, toCsv, toXlsx, TYPE_NAMES, typeFromCell, type ColumnKey } from './device-sheet.ts';
import { devicesNow } from './devices.clock.ts';
import * as repo from './devices.repository.ts';

/**
 * 第十五条: the register imported from and exported to CSV or XLSX. Import: every row checked, bad rows reported
 * by row and column, the good rows registered together in one transaction (all of them or, if the database
 * refuses one, none). Export: the register in reach, formula-like cells neutralised.
 */

interface RowError {
  row: number;
  column: string;
  value: string;
  zh: string;
  en: string;
}

const MAX_BYTES = 5 * 1024 * 1024;
const MAX_ROWS = 5000;

export async function importDevices({ db }: Deps, user: AuthUser, input: { format: 'csv' | 'xlsx'; contentBase64: string; dryRun: boolean }) {
  const bytes = Buffer.from(input.contentBase64, 'base64');
  if (bytes.length > MAX_BYTES) throw new AppError('DEVICE_FILE_UNREADABLE', { reason: { zh: '文件超过 5 MB', en: 'the file is larger than 5 MB' } });
  const sheet = await readSheet(input.format, bytes);
  const [header, ...rows] = sheet;
  if (!header) throw new AppError('DEVICE_FILE_UNREADABLE', { reason: { zh: '文件为空', en: 'the file is empty' } });
  if (rows.length > MAX_ROWS) throw new AppError('DEVICE_FILE_UNREADABLE', { reason: { zh: `超过 ${MAX_ROWS} 行`, en: `more than ${MAX_ROWS} rows` } });
  const index = new Map<ColumnKey, number>();
  header.cells.forEach((h, i) => {
    const c = COLUMNS.find((col) => (col.accept as readonly string[]).includes(h.trim().toLowerCase()) || col.zh === h.trim());
    if (c && !index.has(c.key)) index.set(c.key, i);
  });
  for (const need of ['deviceNumber', 'type', 'department'] as const) {
    if (!index.has(need)) {
      const c = COLUMNS.find((x) => x.key === need)!;
      throw new AppError('DEVICE_FILE_UNREADABLE', { reason: { zh: `缺少“${c.zh}”列`, en: `no "${c.en}" column` } });
    }
  }

  const errors: RowError[] = [];
  const cell = (r: (typeof rows)[number], k: ColumnKey) => {
    const i = index.get(k);
    return i === undefined ? '' : (r.cells[i] ?? '');
  };
  // Departments by name or code, only those the caller may register devices in (others look unknown).
  const deptKeys = [...new Set(rows.map((r) => cell(r, 'department').trim()).filter(Boolean))];
  const depts = await repo.departmentsByNameOrCode(db, deptKeys);
  const allowed = await allowedIds(db, user, 'device.register', depts.map((d) => d.id));
  const deptOf = new Map<string, string>();
  for (const d of depts.filter((x) => allowed.has(x.id))) {
    deptOf.set(d.name, d.id);
    if (d.code) deptOf.set(d.code, d.id);
  }
  const numbers = rows.map((r) => cell(r, 'deviceNumber').trim().toUpperCase());
  const existing = await repo.existingNumbers(db, numbers.filter(Boolean));
  const seen = new Map<string, number>();
  const good: { row: number; fields: repo.DeviceFields }[] = [];

  for (const r of rows) {
    const rowErrors: RowError[] = [];
    const bad = (k: ColumnKey, value: string, zh: string, en: string) => {
      const c = COLUMNS.find((x) => x.key === k)!;
      rowErrors.push({ row: r.row, column: c.zh, value: value.slice(0, 100), zh, en });
    };
    // Formula injection: a cell a spreadsheet would evaluate is refused, whatever column it is in.
    let injected = false;
    r.cells.forEach((v, i) => {
      if (r.formulaCells.has(i) || FORMULA_START.test(v)) {
        const key = [...index.entries()].find(([, j]) => j === i)?.[0];
        const colName = key ? COLUMNS.find((x) => x.key === key)!.zh : `第 ${i + 1} 列`;
        rowErrors.push({ row: r.row, column: colName, value: v.slice(0, 100), zh: '单元格以 = + - @ 或制表符开头（公式注入），已拒绝', en: 'the cell starts with = + - @ or a tab (formula injection); refused' });
        injected = true;
      } else if (v && unsafeTextProblem(v, { multiline: false })) {
        rowErrors.push({ row: r.row, column: `第 ${i + 1} 列`, value: '', zh: '含控制字符或不可见字符', en: 'contains control or invisible characters' });
        injected = true;
      }
    });
    const number = cell(r, 'deviceNumber').trim().toUpperCase();
    if (!injected) {
      if (!/^[A-Z0-9][A-Z0-9-]{0,39}$/.test(number)) bad('deviceNumber', number, '设备编号须为 1–40 位字母、数字或 -', 'the device number must be 1–40 letters, digits or -');
      else if (existing.has(number)) bad('deviceNumber', number, '设备编号已登记', 'this device number is already registered');
      else if (seen.has(number)) bad('deviceNumber', number, `设备编号与第 ${seen.get(number)} 行重复`, `duplicate of row ${seen.get(number)}`);
    }
    if (number && !seen.has(number)) seen.set(number, r.row);
    const typeCell = cell(r, 'type');
    const type = typeFromCell(typeCell) as DeviceType | undefined;
    if (!type && !injected) bad('type', typeCell, `类型无效（可用：${Object.values(TYPE_NAMES).map((t) => t.zh).join('、')}）`, `unknown type (use: ${Object.values(TYPE_NAMES).map((t) => t.en).join(', ')})`);
    const deptCell = cell(r, 'department').trim();
    const departmentId = deptOf.get(deptCell);
    if (!departmentId && !injected) bad('department', deptCell, '部门不存在或不在您的范围内', 'unknown department (or outside your departments)');
    const serial = cell(r, 'serial').trim() || null;
    if (type === 'body_camera' && serial && !/^[A-Za-z0-9]{7}$/.test(serial)) bad('serial', serial, '执法记录仪产品序号（GA/T 947）须为 7 位字母或数字', 'a body camera serial (GA/T 947) has 7 letters or digits');
    const purchasedOn = cell(r, 'purchasedOn').trim() || null;
    if (purchasedOn && (!/^\d{4}-\d{2}-\d{2}$/.test(purchasedOn) || Number.isNaN(Date.parse(`${purchasedOn}T00:00:00Z`)) || new Date(`${purchasedOn}T00:00:00Z`).toISOString().slice(0, 10) !== purchasedOn)) {
      bad('purchasedOn', purchasedOn, '购置日期须为 YYYY-MM-DD', 'the purchase date must be YYYY-MM-DD');
    }
    const make = cell(r, 'make').trim() || null;
    const model = cell(r, 'model').trim() || null;
    if ((make?.length ?? 0) > 60) bad('make', make!, '厂商超过 60 字', 'make longer than 60 characters');
    if ((model?.length ?? 0) > 60) bad('model', model!, '型号超过 60 字', 'model longer than 60 characters');
    if (rowErrors.length) errors.push(...rowErrors);
    else good.push({ row: r.row, fields: { deviceNumber: number, type: type!, make, model, serial, departmentId: departmentId!, purchasedOn } });
  }

  if (!input.dryRun && good.length) {
    await db.transaction().execute(async (trx) => {
      const now = devicesNow();
      for (const g of good) {
        const id = await repo.insertDevice(trx, g.fields);
        await repo.insertEvent(trx, { deviceId: id, at: now, kind: 'registered', actorId: user.id, details: { ...g.fields, importedFromRow: g.row } });
      }
      await appendAuditEvent(trx, {
        actor: actorOf(user),
        action: 'device.import',
        target: { type: 'device', id: null },
        details: { format: input.format, rows: rows.length, imported: good.map((g) => g.fields.deviceNumber), badRows: [...new Set(errors.map((e) => e.row))] },
      });
    });
  }
  return {
    dryRun: input.dryRun,
    rows: rows.length,
    imported: input.dryRun ? 0 : good.length,
    importedNumbers: good.map((g) => g.fields.deviceNumber),
    errors,
  };
}

/** The register in reach as CSV or XLSX; every formula-like cell neutralised. */
export async function exportDevices({ db }: Deps, user: AuthUser, format: 'csv' | 'xlsx') {
  const rows = await repo.listDevices(db, { scope: await accessFilter(db, user, 'device.read', 'dv'), limit: 100_000 });
  const table = [
    COLUMNS.map((c) => c.zh),
    ...rows.map((d) => [d.device_number, TYPE_NAMES[d.type].zh, d.make ?? '', d.model ?? '', d.serial ?? '', d.department_name, d.purchased_on ?? '', STATUS_NAMES[d.status].zh]),
  ];
  const stamp = new Date().toISOString().slice(0, 10);
  if (format === 'csv') return { body: Buffer.from(toCsv(table), 'utf8'), mimeType: 'text/csv; charset=utf-8', fileName: `devices-${stamp}.csv` };
  return { body: await toXlsx(table), mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', fileName: `devices-${stamp}.xlsx` };
}
