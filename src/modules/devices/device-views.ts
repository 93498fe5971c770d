import { shanghaiDate } from '../../platform/time.ts';
import { devicesNow } from './devices.clock.ts';
import type * as repo from './devices.repository.ts';

/** A device as the API returns it; overdue is judged against the devices clock's date in Asia/Shanghai. */
export function deviceView(d: repo.DeviceRow, today = shanghaiDate(devicesNow())) {
  return {
    id: d.id,
    deviceNumber: d.device_number,
    type: d.type,
    make: d.make,
    model: d.model,
    serial: d.serial,
    departmentId: d.department_id,
    departmentName: d.department_name,
    purchasedOn: d.purchased_on,
    status: d.status,
    lastMaintainedOn: d.last_maintained_on,
    maintenanceIntervalDays: d.maintenance_interval_days,
    maintenanceDueOn: d.maintenance_due_on,
    // Due on day X: may be used through X, overdue from the next day (第十八条).
    maintenanceOverdue: d.status !== 'retired' && d.maintenance_due_on < today,
    holder:
      d.open_checkout_id && d.holder_person_id
        ? { checkoutId: d.open_checkout_id, personId: d.holder_person_id, name: d.holder_name!, staffNumber: d.holder_staff_number!, since: d.holder_since!.toISOString() }
        : null,
    createdAt: d.created_at.toISOString(),
    updatedAt: d.updated_at.toISOString(),
  };
}

export function checkoutView(c: repo.CheckoutRow) {
  return {
    id: c.id,
    deviceId: c.device_id,
    deviceNumber: c.device_number,
    personId: c.person_id,
    personName: c.person_name,
    staffNumber: c.staff_number,
    checkedOutAt: c.checked_out_at.toISOString(),
    returnedAt: c.returned_at?.toISOString() ?? null,
    outCheck: { batteryPct: c.out_battery_pct, freeStorageMb: c.out_free_storage_mb, clockOffsetSec: c.out_clock_offset_sec, damage: c.out_damage },
    returnCheck:
      c.in_battery_pct === null
        ? null
        : { batteryPct: c.in_battery_pct, freeStorageMb: c.in_free_storage_mb!, clockOffsetSec: c.in_clock_offset_sec!, damage: c.in_damage! },
    recordings: c.recordings,
  };
}

export function faultView(f: repo.FaultRow) {
  return {
    id: f.id,
    deviceId: f.device_id,
    deviceNumber: f.device_number,
    departmentName: f.department_name,
    description: f.description,
    reportedAt: f.reported_at.toISOString(),
    reportedBy: f.reported_by_name,
    duringCheckout: f.checkout_id !== null,
    fromCheck: f.check_id !== null,
    resolvedAt: f.resolved_at?.toISOString() ?? null,
  };
}

export function repairView(r: repo.RepairRow) {
  return {
    id: r.id,
    deviceId: r.device_id,
    deviceNumber: r.device_number,
    faultId: r.fault_id,
    repairerId: r.repairer_id,
    repairerName: r.repairer_name,
    authorised: r.authorised,
    reimbursable: r.reimbursable,
    diagnosis: r.diagnosis,
    costYuan: r.cost_yuan === null ? null : Number(r.cost_yuan),
    status: r.status,
    openedAt: r.opened_at.toISOString(),
    openedBy: r.opened_by_name,
    approvedAt: r.approved_at?.toISOString() ?? null,
    approvedBy: r.approved_by_name,
    returnedToServiceAt: r.returned_to_service_at?.toISOString() ?? null,
  };
}

/** Seconds as "+1 分 5 秒" / "+1 min 5 s" (device clock ahead is +). */
export function offsetText(sec: number): { zh: string; en: string } {
  const sign = sec < 0 ? '−' : '+';
  const a = Math.abs(sec);
  const m = Math.floor(a / 60);
  const s = a % 60;
  return { zh: `${sign}${m ? `${m} 分 ` : ''}${s} 秒`, en: `${sign}${m ? `${m} min ` : ''}${s} s` };
}
