import { appendAuditEvent } from '../../platform/audit/audit-chain.ts';
import { actorOf, type AuthUser } from '../../platform/auth/auth-user.ts';
import type { DbOrTx, Tx } from '../../platform/db/database.ts';
import type { DeviceStatus, DeviceType } from '../../platform/db/schema.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError } from '../../platform/errors/error-catalog.ts';
import { formatShanghai, shanghaiDate } from '../../platform/time.ts';
import { accessFilter, isAllowed, requireAccess } from '../access/access.service.ts';
import { findDepartment } from '../departments/departments.repository.ts';
import { getSetting } from '../settings/settings.service.ts';
import { STATUS_NAMES, TYPE_NAMES } from './device-sheet.ts';
import { checkoutView, deviceView, faultView, offsetText, repairView } from './device-views.ts';
import { devicesNow } from './devices.clock.ts';
import * as repo from './devices.repository.ts';

/**
 * 第十五条: the device register — registration, details, the list with status counts, each device's whole
 * history, maintenance reminders for 工作台, and what the register says about recordings (usage, clock notes,
 * review flags). Checkouts are in device-checkout.service.ts, maintenance/faults/repairs in device-care.service.ts.
 */

/** Writes one history entry and its audit event (same transaction). Every device state change goes through it. */
export async function recordDeviceChange(
  trx: Tx,
  user: AuthUser,
  e: { deviceId: string; at: Date; kind: string; details: Record<string, unknown> },
  audit: { action: string; details?: Record<string, unknown> },
): Promise<void> {
  await repo.insertEvent(trx, { deviceId: e.deviceId, at: e.at, kind: e.kind, actorId: user.id, details: e.details });
  await appendAuditEvent(trx, { actor: actorOf(user), action: audit.action, target: { type: 'device', id: e.deviceId }, details: audit.details ?? e.details });
}

/** The device, or NOT_FOUND when it does not exist or is outside the caller's reach for this action. */
export async function deviceFor(db: DbOrTx, user: AuthUser, act: 'device.read' | 'device.manage' | 'device.checkout' | 'device.fault' | 'device.approve', id: string) {
  await requireAccess(db, user, act, [id]);
  const d = await repo.findDevice(db, id);
  if (!d) throw new AppError('NOT_FOUND');
  return d;
}

/** Department must exist and be one the caller may register devices in (the same words for both). */
async function assertRegisterDepartment(db: DbOrTx, user: AuthUser, departmentId: string) {
  if (!(await findDepartment(db, departmentId)) || !(await isAllowed(db, user, 'device.register', departmentId))) {
    throw new AppError('DEPARTMENT_NOT_FOUND', {}, { departmentId: 'not found or outside your departments / 部门不存在或不在您的范围内' });
  }
}

export async function listDevices({ db }: Deps, user: AuthUser, f: { status?: DeviceStatus; type?: DeviceType; departmentId?: string; q?: string; limit: number }) {
  const scope = await accessFilter(db, user, 'device.read', 'dv');
  const rows = await repo.listDevices(db, { ...f, scope, limit: f.limit + 1 });
  const counts = Object.fromEntries((Object.keys(STATUS_NAMES) as DeviceStatus[]).map((s) => [s, 0])) as Record<DeviceStatus, number>;
  for (const c of await repo.statusCounts(db, { ...f, scope })) counts[c.status] = c.n;
  const today = shanghaiDate(devicesNow());
  return { items: rows.slice(0, f.limit).map((d) => deviceView(d, today)), counts, truncated: rows.length > f.limit };
}

export async function createDevice({ db }: Deps, user: AuthUser, input: repo.DeviceFields) {
  return db.transaction().execute(async (trx) => {
    await assertRegisterDepartment(trx, user, input.departmentId);
    if ((await repo.existingNumbers(trx, [input.deviceNumber])).size) throw new AppError('CONFLICT', { what: { zh: `设备编号 ${input.deviceNumber}`, en: `Device number ${input.deviceNumber}` } });
    const id = await repo.insertDevice(trx, input);
    await recordDeviceChange(trx, user, { deviceId: id, at: devicesNow(), kind: 'registered', details: { ...input } }, { action: 'device.create' });
    return deviceView((await repo.findDevice(trx, id))!);
  });
}

export async function updateDevice({ db }: Deps, user: AuthUser, id: string, input: Partial<Omit<repo.DeviceFields, 'deviceNumber'>>) {
  return db.transaction().execute(async (trx) => {
    const before = await deviceFor(trx, user, 'device.manage', id);
    if (before.status === 'retired') throw new AppError('DEVICE_RETIRED', { number: before.device_number });
    if (input.departmentId && input.departmentId !== before.department_id) await assertRegisterDepartment(trx, user, input.departmentId);
    const type = input.type ?? before.type;
    const serial = input.serial !== undefined ? input.serial : before.serial;
    if (type === 'body_camera' && serial && !/^[A-Za-z0-9]{7}$/.test(serial)) {
      throw new AppError('VALIDATION_FAILED', {}, { serial: 'a body camera serial (GA/T 947) has 7 letters or digits / 执法记录仪产品序号为 7 位字母或数字' });
    }
    const now = devicesNow();
    await repo.updateDevice(trx, id, input, now);
    const was = { type: before.type, make: before.make, model: before.model, serial: before.serial, departmentId: before.department_id, purchasedOn: before.purchased_on };
    await recordDeviceChange(trx, user, { deviceId: id, at: now, kind: 'updated', details: { before: was, changes: input } }, { action: 'device.update' });
    return deviceView((await repo.findDevice(trx, id))!);
  });
}

/** 报废: a retired device leaves service for good (not while checked out). */
export async function retireDevice({ db }: Deps, user: AuthUser, id: string, reason: string) {
  return db.transaction().execute(async (trx) => {
    await repo.lockDevice(trx, id);
    const d = await deviceFor(trx, user, 'device.manage', id);
    if (d.status === 'retired') throw new AppError('DEVICE_RETIRED', { number: d.device_number });
    if (d.open_checkout_id) throw new AppError('DEVICE_IN_USE', { number: d.device_number });
    const now = devicesNow();
    await repo.setStatus(trx, id, 'retired', now);
    await recordDeviceChange(trx, user, { deviceId: id, at: now, kind: 'retired', details: { from: d.status, reason } }, { action: 'device.retire' });
    return deviceView((await repo.findDevice(trx, id))!);
  });
}

const eventView = (e: Awaited<ReturnType<typeof repo.listEvents>>[number]) => ({
  id: String(e.id),
  at: e.at.toISOString(),
  kind: e.kind,
  actor: e.display_name ?? e.username ?? null,
  details: (e.details ?? {}) as Record<string, unknown>,
});

/** One device with its whole history: changes, checks, checkouts, maintenance, faults, repairs, findings. */
export async function getDevice({ db }: Deps, user: AuthUser, id: string) {
  const d = await deviceFor(db, user, 'device.read', id);
  const recordingScope = await accessFilter(db, user, 'recording.metadata.read', 'r');
  const scope = await accessFilter(db, user, 'device.read', 'dv');
  const [history, checks, checkouts, maintenance, faults, repairs, findings] = await Promise.all([
    repo.listEvents(db, id),
    repo.listChecks(db, id),
    repo.listCheckouts(db, id, recordingScope),
    repo.listMaintenance(db, id),
    repo.listFaults(db, { scope, deviceId: id, limit: 500 }),
    repo.listRepairs(db, { scope, deviceId: id, limit: 500 }),
    repo.listFindings(db, { scope, deviceId: id, limit: 500 }),
  ]);
  return {
    device: deviceView(d),
    history: history.map(eventView),
    checks: checks.map((k) => ({
      id: k.id,
      kind: k.kind,
      checkedAt: k.checked_at.toISOString(),
      personName: k.person_name,
      batteryPct: k.battery_pct,
      freeStorageMb: k.free_storage_mb,
      deviceClock: k.device_clock.toISOString(),
      clockOffsetSec: k.clock_offset_sec,
      damage: k.damage,
      damageNote: k.damage_note,
      passed: k.passed,
      failures: k.failures,
    })),
    checkouts: checkouts.map(checkoutView),
    maintenance: maintenance.map((m) => ({ id: m.id, performedOn: m.performed_on, performedBy: m.performed_by, work: m.work, recordedAt: m.recorded_at.toISOString() })),
    faults: faults.map(faultView),
    repairs: repairs.map(repairView),
    findings: findings.map(findingView),
  };
}

export const findingView = (f: Awaited<ReturnType<typeof repo.listFindings>>[number]) => ({
  id: f.id,
  deviceId: f.device_id,
  deviceNumber: f.device_number,
  repairId: f.repair_id,
  kind: f.kind,
  details: (f.details ?? {}) as Record<string, unknown>,
  foundAt: f.found_at.toISOString(),
});

/** Supervision findings about devices in reach (法制督察 reviews them). */
export async function listFindings({ db }: Deps, user: AuthUser) {
  return { items: (await repo.listFindings(db, { scope: await accessFilter(db, user, 'device.read', 'dv'), limit: 500 })).map(findingView) };
}

/** 第十八条 reminders for 工作台: devices in reach due for maintenance within the reminder window, or overdue. */
export async function maintenanceReminders({ db }: Deps, user: AuthUser) {
  const reminderDays = await getSetting(db, 'devices.maintenanceReminderDays');
  const now = devicesNow();
  const today = shanghaiDate(now);
  const until = shanghaiDate(new Date(Date.parse(`${today}T12:00:00+08:00`) + reminderDays * 86_400_000));
  const rows = await repo.maintenanceDue(db, await accessFilter(db, user, 'device.read', 'dv'), until);
  const dayMs = (d: string) => Date.parse(`${d}T00:00:00Z`);
  return {
    today,
    reminderDays,
    items: rows.map((d) => ({
      device: deviceView(d, today),
      dueOn: d.maintenance_due_on,
      overdue: d.maintenance_due_on < today,
      daysLeft: Math.round((dayMs(d.maintenance_due_on) - dayMs(today)) / 86_400_000),
    })),
  };
}

/**
 * 第二十条 usage of one device: who had it when, what it recorded, checkouts without recordings, and
 * recordings outside every checkout (possible unrelated use: flagged for review, not judged).
 */
export async function deviceUsage({ db }: Deps, user: AuthUser, id: string) {
  const d = await deviceFor(db, user, 'device.read', id);
  const recordingScope = await accessFilter(db, user, 'recording.metadata.read', 'r');
  const checkouts = (await repo.listCheckouts(db, id, recordingScope)).map(checkoutView);
  const recs = await repo.usageRecordings(db, d.device_number, recordingScope, 1000);
  return {
    checkouts,
    checkoutsWithoutRecordings: checkouts.filter((c) => c.returnedAt && c.recordings === 0).map((c) => c.id),
    recordings: recs.map((r) => ({
      id: r.id,
      fileName: r.file_name,
      recordedStart: r.recorded_start.toISOString(),
      recordedEnd: r.recorded_end?.toISOString() ?? null,
      checkoutId: r.checkout_id,
      holder: r.person_name,
      outsideCheckout: r.checkout_id === null,
    })),
  };
}

/** Recordings the caller may read whose device is unregistered or that fall outside every checkout (review list). */
export async function reviewList({ db }: Deps, user: AuthUser) {
  const rows = await repo.reviewRecordings(db, await accessFilter(db, user, 'recording.metadata.read', 'r'), 500);
  return {
    items: rows.map((r) => ({
      recordingId: r.id,
      fileName: r.file_name,
      deviceNumber: r.device_number,
      recordedStart: r.recorded_start.toISOString(),
      uploadedAt: r.uploaded_at.toISOString(),
      reason: r.reason,
    })),
  };
}

/**
 * What the register says about one recording: whether its device is registered (flagged at ingest when not,
 * never refused), whether a checkout covers it, and the clock correction notes of that checkout's checks
 * (第十五条 files recordings by time of use). The recording's own times and their history are never changed.
 */
export async function recordingDeviceNotes({ db }: Deps, user: AuthUser, recordingId: string) {
  await requireAccess(db, user, 'recording.metadata.read', [recordingId]);
  const f = await repo.recordingDeviceFacts(db, recordingId);
  if (!f) throw new AppError('NOT_FOUND');
  const notes: { check: 'checkout' | 'return'; checkedAt: string; clockOffsetSec: number; correctedStart: string; correctedEnd: string | null; zh: string; en: string }[] = [];
  const note = (check: 'checkout' | 'return', offset: number | null, at: Date | null) => {
    if (offset === null || at === null || offset === 0) return;
    const start = new Date(f.recorded_start.getTime() - offset * 1000);
    const end = f.recorded_end ? new Date(f.recorded_end.getTime() - offset * 1000) : null;
    const o = offsetText(offset);
    const when = formatShanghai(at);
    notes.push({
      check,
      checkedAt: at.toISOString(),
      clockOffsetSec: offset,
      correctedStart: start.toISOString(),
      correctedEnd: end?.toISOString() ?? null,
      zh: `${check === 'checkout' ? '领用' : '归还'}检查（${when}）发现设备时钟偏差 ${o.zh}；按此校正，开始时间约为 ${formatShanghai(start)}（原始时间不变）`,
      en: `The ${check} check (${when}) found the device clock off by ${o.en}; corrected by it, the start is about ${formatShanghai(start)} (the original time is unchanged)`,
    });
  };
  note('checkout', f.out_offset, f.out_at);
  note('return', f.in_offset, f.in_at);
  return {
    deviceNumber: f.device_number,
    deviceId: f.device_id,
    unknownDevice: !!f.device_number && !f.device_id,
    outsideCheckout: !!f.device_id && !f.checkout_id,
    holder: f.person_name,
    clockNotes: notes,
  };
}

/** Names for messages. */
export const typeName = (t: DeviceType) => TYPE_NAMES[t];
export const statusName = (s: DeviceStatus) => STATUS_NAMES[s];
