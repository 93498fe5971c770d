import { appendAuditEvent } from '../../platform/audit/audit-chain.ts';
import { actorOf, type AuthUser } from '../../platform/auth/auth-user.ts';
import type { DeviceType } from '../../platform/db/schema.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError } from '../../platform/errors/error-catalog.ts';
import { shanghaiDate } from '../../platform/time.ts';
import { accessFilter } from '../access/access.service.ts';
import { STATUS_NAMES } from './device-sheet.ts';
import { deviceView, faultView, repairView } from './device-views.ts';
import { devicesNow } from './devices.clock.ts';
import * as repo from './devices.repository.ts';
import { deviceFor, recordDeviceChange } from './devices.service.ts';

/**
 * 第十八、十九条: maintenance log, faults (a fault stops use at once, even while the device is out), repair
 * tickets to an authorised repairer (anyone else: recorded as such, not reimbursable, a supervision finding),
 * the repairer list and the maintenance interval per device type.
 */

/** 第十八条: log a maintenance; the schedule counts from its day. */
export async function addMaintenance({ db }: Deps, user: AuthUser, deviceId: string, input: { performedOn: string; performedBy: string; work: string }) {
  return db.transaction().execute(async (trx) => {
    await repo.lockDevice(trx, deviceId);
    const d = await deviceFor(trx, user, 'device.manage', deviceId);
    if (d.status === 'retired') throw new AppError('DEVICE_RETIRED', { number: d.device_number });
    const now = devicesNow();
    if (input.performedOn > shanghaiDate(now)) throw new AppError('VALIDATION_FAILED', {}, { performedOn: 'must not be in the future / 不能晚于今天' });
    const id = await repo.insertMaintenance(trx, { deviceId, ...input, recordedBy: user.id, recordedAt: now });
    await recordDeviceChange(trx, user, { deviceId, at: now, kind: 'maintenance', details: { maintenanceId: id, ...input } }, { action: 'device.maintenance' });
    return deviceView((await repo.findDevice(trx, deviceId))!);
  });
}

/** 第十九条: a fault puts the device in 故障停用 at once — also while it is checked out (the checkout stays open until returned). */
export async function reportFault({ db }: Deps, user: AuthUser, deviceId: string, input: { description: string }) {
  return db.transaction().execute(async (trx) => {
    await repo.lockDevice(trx, deviceId);
    const d = await deviceFor(trx, user, 'device.fault', deviceId);
    if (d.status === 'retired') throw new AppError('DEVICE_RETIRED', { number: d.device_number });
    const now = devicesNow();
    const faultId = await repo.insertFault(trx, { deviceId, by: user.id, at: now, description: input.description, checkoutId: d.open_checkout_id, checkId: null });
    // A device already in repair stays there; anything else stops now.
    if (d.status !== 'in_repair') await repo.setStatus(trx, deviceId, 'faulty', now);
    await recordDeviceChange(
      trx,
      user,
      { deviceId, at: now, kind: 'fault', details: { faultId, description: input.description, from: d.status, duringCheckout: d.open_checkout_id } },
      { action: 'device.fault.report' },
    );
    const f = (await repo.listFaults(trx, { scope: await accessFilter(trx, user, 'device.fault', 'dv'), deviceId, limit: 1 }))[0]!;
    return faultView(f);
  });
}

export async function listFaults({ db }: Deps, user: AuthUser, open: boolean) {
  return { items: (await repo.listFaults(db, { scope: await accessFilter(db, user, 'device.read', 'dv'), open, limit: 500 })).map(faultView) };
}

export async function listRepairs({ db }: Deps, user: AuthUser) {
  return { items: (await repo.listRepairs(db, { scope: await accessFilter(db, user, 'device.read', 'dv'), limit: 500 })).map(repairView) };
}

/**
 * 第十九条: open a repair ticket. An authorised repairer (on the active list) → 维修中. A repairer not on the list
 * (e.g. the officer or a street shop) → recorded as such, cost never reimbursable, and a supervision finding.
 */
export async function openRepair(
  { db }: Deps,
  user: AuthUser,
  deviceId: string,
  input: { faultId: string | null; repairerId: string | null; repairerName: string | null; diagnosis: string | null; costYuan: number | null },
) {
  return db.transaction().execute(async (trx) => {
    await repo.lockDevice(trx, deviceId);
    const d = await deviceFor(trx, user, 'device.manage', deviceId);
    if (d.status === 'retired') throw new AppError('DEVICE_RETIRED', { number: d.device_number });
    if (d.open_checkout_id) throw new AppError('DEVICE_IN_USE', { number: d.device_number });
    if (input.faultId) {
      const f = await repo.findFault(trx, input.faultId);
      if (!f || f.device_id !== deviceId) throw new AppError('VALIDATION_FAILED', {}, { faultId: 'not a fault of this device / 不是本设备的故障' });
    }
    let repairer: { id: string | null; name: string; authorised: boolean };
    if (input.repairerId) {
      const r = await repo.findRepairer(trx, input.repairerId);
      if (!r || !r.active) throw new AppError('VALIDATION_FAILED', {}, { repairerId: 'not an active authorised repairer / 不是有效的授权维修单位' });
      repairer = { id: r.id, name: r.name, authorised: true };
    } else {
      // A name that is on the active list counts as that repairer; anything else is unauthorised.
      const listed = await repo.findRepairerByName(trx, input.repairerName!);
      repairer = listed?.active ? { id: listed.id, name: listed.name, authorised: true } : { id: null, name: input.repairerName!, authorised: false };
    }
    const now = devicesNow();
    const id = await repo.insertRepair(trx, {
      deviceId,
      faultId: input.faultId,
      repairerId: repairer.id,
      repairerName: repairer.name,
      authorised: repairer.authorised,
      diagnosis: input.diagnosis,
      costYuan: input.costYuan,
      by: user.id,
      at: now,
    });
    await repo.setStatus(trx, deviceId, 'in_repair', now);
    await recordDeviceChange(
      trx,
      user,
      { deviceId, at: now, kind: 'repair_opened', details: { repairId: id, repairer: repairer.name, authorised: repairer.authorised, reimbursable: repairer.authorised, from: d.status } },
      { action: 'device.repair.open' },
    );
    if (!repairer.authorised) {
      // 第十九条: 不得私自将设备进行拆装和更换处理，擅自修理的，其费用不予报销 — and the supervisor reviews it.
      const details = { repairer: repairer.name, costYuan: input.costYuan, deviceNumber: d.device_number, openedBy: user.username };
      const findingId = await repo.insertFinding(trx, { deviceId, repairId: id, details, at: now });
      await repo.insertEvent(trx, { deviceId, at: now, kind: 'finding', actorId: user.id, details: { findingId, repairId: id, ...details } });
      await appendAuditEvent(trx, { actor: actorOf(user), action: 'device.finding.create', target: { type: 'device', id: deviceId }, details: { findingId, repairId: id, ...details } });
    }
    return repairView((await repo.findRepair(trx, id))!);
  });
}

async function repairFor(trx: Parameters<typeof repo.findRepair>[0], user: AuthUser, act: 'device.manage' | 'device.approve', id: string) {
  const r = await repo.findRepair(trx, id);
  if (!r) throw new AppError('NOT_FOUND');
  await repo.lockDevice(trx, r.device_id);
  await deviceFor(trx, user, act, r.device_id);
  return r;
}

const repairStatus = { open: { zh: '待审批', en: 'open' }, approved: { zh: '已审批', en: 'approved' }, closed: { zh: '已结束', en: 'closed' } } as const;

/** Diagnosis and cost, while the ticket is open. */
export async function updateRepair({ db }: Deps, user: AuthUser, id: string, input: { diagnosis?: string | null; costYuan?: number | null }) {
  return db.transaction().execute(async (trx) => {
    const r = await repairFor(trx, user, 'device.manage', id);
    if (r.status !== 'open') throw new AppError('REPAIR_STATE', { status: repairStatus[r.status], action: { zh: '修改', en: 'change it' } });
    await repo.updateRepair(trx, id, input);
    await recordDeviceChange(
      trx,
      user,
      { deviceId: r.device_id, at: devicesNow(), kind: 'repair_updated', details: { repairId: id, before: { diagnosis: r.diagnosis, costYuan: r.cost_yuan }, changes: input } },
      { action: 'device.repair.update' },
    );
    return repairView((await repo.findRepair(trx, id))!);
  });
}

/** The leader approves the ticket (and its cost, when reimbursable). */
export async function approveRepair({ db }: Deps, user: AuthUser, id: string) {
  return db.transaction().execute(async (trx) => {
    const r = await repairFor(trx, user, 'device.approve', id);
    if (r.status !== 'open') throw new AppError('REPAIR_STATE', { status: repairStatus[r.status], action: { zh: '审批', en: 'approve it' } });
    const now = devicesNow();
    await repo.updateRepair(trx, id, { status: 'approved', approvedBy: user.id, approvedAt: now });
    await recordDeviceChange(
      trx,
      user,
      { deviceId: r.device_id, at: now, kind: 'repair_approved', details: { repairId: id, costYuan: r.cost_yuan, reimbursable: r.reimbursable } },
      { action: 'device.repair.approve' },
    );
    return repairView((await repo.findRepair(trx, id))!);
  });
}

/** Back in service after an approved repair: the device is 可用 again and its faults are resolved. */
export async function returnToService({ db }: Deps, user: AuthUser, id: string) {
  return db.transaction().execute(async (trx) => {
    const r = await repairFor(trx, user, 'device.manage', id);
    if (r.status !== 'approved') throw new AppError('REPAIR_STATE', { status: repairStatus[r.status], action: { zh: '恢复使用（须先审批）', en: 'return the device to service (approve it first)' } });
    const now = devicesNow();
    await repo.updateRepair(trx, id, { status: 'closed', returnedAt: now });
    const d = (await repo.findDevice(trx, r.device_id))!;
    if (d.status !== 'retired') await repo.setStatus(trx, r.device_id, 'available', now);
    await repo.resolveFaults(trx, r.device_id, now);
    await recordDeviceChange(
      trx,
      user,
      { deviceId: r.device_id, at: now, kind: 'returned_to_service', details: { repairId: id, from: d.status, fromName: STATUS_NAMES[d.status] } },
      { action: 'device.repair.close' },
    );
    return repairView((await repo.findRepair(trx, id))!);
  });
}

const repairerView = (r: { id: string; name: string; contact: string | null; active: boolean }) => ({ id: r.id, name: r.name, contact: r.contact, active: r.active });

export async function listRepairers({ db }: Deps) {
  return { items: (await repo.listRepairers(db)).map(repairerView) };
}

export async function addRepairer({ db }: Deps, user: AuthUser, input: { name: string; contact: string | null }) {
  return db.transaction().execute(async (trx) => {
    if (await repo.findRepairerByName(trx, input.name)) throw new AppError('CONFLICT', { what: { zh: `维修单位 ${input.name}`, en: `Repairer ${input.name}` } });
    const r = await repo.insertRepairer(trx, input);
    await appendAuditEvent(trx, { actor: actorOf(user), action: 'device.repairer.create', target: { type: 'device_repairer', id: r.id }, details: input });
    return repairerView(r);
  });
}

export async function updateRepairer({ db }: Deps, user: AuthUser, id: string, input: { contact?: string | null; active?: boolean }) {
  return db.transaction().execute(async (trx) => {
    const before = await repo.findRepairer(trx, id);
    if (!before) throw new AppError('NOT_FOUND');
    const r = (await repo.updateRepairer(trx, id, input))!;
    await appendAuditEvent(trx, {
      actor: actorOf(user),
      action: 'device.repairer.update',
      target: { type: 'device_repairer', id },
      details: { before: repairerView(before), changes: input },
    });
    return repairerView(r);
  });
}

export async function listTypePolicies({ db }: Deps) {
  return { items: (await repo.listTypePolicies(db)).map((p) => ({ type: p.type, maintenanceIntervalDays: p.maintenance_interval_days })) };
}

/** 第十八条: the maintenance interval of a device type. */
export async function setTypePolicy({ db }: Deps, user: AuthUser, type: DeviceType, days: number) {
  return db.transaction().execute(async (trx) => {
    const before = await repo.updateTypePolicy(trx, type, days, devicesNow());
    await appendAuditEvent(trx, {
      actor: actorOf(user),
      action: 'device.type_policy.update',
      target: { type: 'device_type', id: type },
      details: { before: before?.maintenance_interval_days ?? null, after: days },
    });
    return { type, maintenanceIntervalDays: days };
  });
}
