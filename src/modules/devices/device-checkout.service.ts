import type { AuthUser } from '../../platform/auth/auth-user.ts';
import type { Tx } from '../../platform/db/database.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError } from '../../platform/errors/error-catalog.ts';
import { formatShanghai, shanghaiDate } from '../../platform/time.ts';
import { accessFilter, isAllowed, requireAccess } from '../access/access.service.ts';
import { findPerson } from '../personnel/personnel.repository.ts';
import { qualificationAt } from '../personnel/personnel.service.ts';
import { getSetting } from '../settings/settings.service.ts';
import { deviceView } from './device-views.ts';
import { devicesNow } from './devices.clock.ts';
import * as repo from './devices.repository.ts';
import { recordDeviceChange, statusName } from './devices.service.ts';

/**
 * 第十八条 checkout and return: only a qualified officer (第七条), only an available device that is not overdue
 * for maintenance, one device of a type per officer at a time, and a recorded pre-use check (battery, free
 * storage, device clock vs server clock, visible damage). A failed check is kept and refuses the checkout;
 * it can open a fault (第十九条). The return records the same check and shows the day's offload (第十条).
 */

export interface CheckInput {
  batteryPct: number;
  freeStorageMb: number;
  deviceClock: string;
  damage: boolean;
  damageNote: string | null;
}

interface Failure {
  code: string;
  zh: string;
  en: string;
}

/** The failures of a pre-use check against the configured minimums. */
async function judgeCheck(trx: Tx, c: CheckInput): Promise<Failure[]> {
  const minBattery = await getSetting(trx, 'devices.minBatteryPercent');
  const minStorage = await getSetting(trx, 'devices.minFreeStorageMb');
  const out: Failure[] = [];
  if (c.batteryPct < minBattery) out.push({ code: 'battery', zh: `电量 ${c.batteryPct}% 低于 ${minBattery}%`, en: `battery ${c.batteryPct}% is below ${minBattery}%` });
  if (c.freeStorageMb < minStorage) {
    out.push({ code: 'storage', zh: `剩余存储 ${c.freeStorageMb} MB 少于 ${minStorage} MB`, en: `free storage ${c.freeStorageMb} MB is below ${minStorage} MB` });
  }
  if (c.damage) out.push({ code: 'damage', zh: `外观损坏：${c.damageNote ?? ''}`, en: `visible damage: ${c.damageNote ?? ''}` });
  return out;
}

/** The device by number, within the caller's checkout reach; unknown and out-of-reach alike are DEVICE_NOT_FOUND. */
async function deviceByNumber(trx: Tx, user: AuthUser, number: string) {
  const found = await repo.findDeviceByNumber(trx, number);
  if (!found || !(await isAllowed(trx, user, 'device.checkout', found.id))) {
    throw new AppError('DEVICE_NOT_FOUND', { number }, { deviceNumber: { zh: `${number} 未登记`, en: `${number} is not registered` } });
  }
  await repo.lockDevice(trx, found.id);
  return (await repo.findDevice(trx, found.id))!;
}

type CheckoutOutcome = { ok: true; result: Awaited<ReturnType<typeof done>> } | { ok: false; error: AppError };

const done = async (trx: Tx, checkoutId: string, deviceId: string, clockOffsetSec: number) => ({
  checkoutId,
  device: deviceView((await repo.findDevice(trx, deviceId))!),
  clockOffsetSec,
});

export async function checkout(
  { db }: Deps,
  user: AuthUser,
  input: { deviceNumber: string; personId: string; check: CheckInput; openFaultOnFailure: boolean },
) {
  // A failed check is a fact to keep (why the checkout was refused): its transaction commits, then the refusal is thrown.
  const outcome = await db.transaction().execute(async (trx): Promise<CheckoutOutcome> => {
    const d = await deviceByNumber(trx, user, input.deviceNumber);
    const now = devicesNow();
    await requireAccess(trx, user, 'person.read', [input.personId], 'PERSON_NOT_FOUND');
    const person = (await findPerson(trx, input.personId))!;
    // 第七条: only a qualified officer records, so only one takes a recording device.
    const q = await qualificationAt(trx, input.personId, now);
    if (!q.qualified) {
      throw new AppError(
        'OFFICER_NOT_QUALIFIED',
        { name: person.name, on: q.on, reasons: { zh: q.reasons.map((r) => r.zh).join('；'), en: q.reasons.map((r) => r.en).join('; ') } },
        { personId: { zh: q.reasons.map((r) => r.zh).join('；'), en: q.reasons.map((r) => r.en).join('; ') } },
      );
    }
    if (d.open_checkout_id) {
      throw new AppError('DEVICE_ALREADY_OUT', { number: d.device_number, name: d.holder_name!, since: formatShanghai(d.holder_since!) });
    }
    if (d.status !== 'available') throw new AppError('DEVICE_NOT_AVAILABLE', { number: d.device_number, status: statusName(d.status) });
    const held = await repo.openCheckoutOfPersonType(trx, input.personId, d.type);
    if (held) throw new AppError('DEVICE_TYPE_ALREADY_HELD', { name: person.name, number: held.device_number });
    // 第十八条: maintained on schedule; due on day X it may be used through X.
    if (d.maintenance_due_on < shanghaiDate(now)) throw new AppError('DEVICE_MAINTENANCE_OVERDUE', { number: d.device_number, due: d.maintenance_due_on });

    const failures = await judgeCheck(trx, input.check);
    const clockOffsetSec = Math.round((Date.parse(input.check.deviceClock) - now.getTime()) / 1000);
    const checkId = await repo.insertCheck(trx, {
      deviceId: d.id,
      personId: input.personId,
      kind: 'checkout',
      checkedAt: now,
      checkedBy: user.id,
      batteryPct: input.check.batteryPct,
      freeStorageMb: input.check.freeStorageMb,
      deviceClock: new Date(input.check.deviceClock),
      clockOffsetSec,
      damage: input.check.damage,
      damageNote: input.check.damageNote,
      passed: failures.length === 0,
      failures: failures.map((f) => f.code),
    });
    const checkFacts = { checkId, personId: input.personId, personName: person.name, ...input.check, clockOffsetSec };
    if (failures.length) {
      let faultId: string | null = null;
      if (input.openFaultOnFailure) {
        faultId = await repo.insertFault(trx, { deviceId: d.id, by: user.id, at: now, description: failures.map((f) => f.zh).join('；'), checkoutId: null, checkId });
        await repo.setStatus(trx, d.id, 'faulty', now);
      }
      await recordDeviceChange(
        trx,
        user,
        { deviceId: d.id, at: now, kind: 'check_failed', details: { ...checkFacts, failures: failures.map((f) => f.code), faultId } },
        { action: 'device.check.failed' },
      );
      if (faultId) {
        await recordDeviceChange(trx, user, { deviceId: d.id, at: now, kind: 'fault', details: { faultId, from: d.status, checkId } }, { action: 'device.fault.report' });
      }
      return {
        ok: false,
        error: new AppError(
          'DEVICE_CHECK_FAILED',
          { number: d.device_number, reasons: { zh: failures.map((f) => f.zh).join('；'), en: failures.map((f) => f.en).join('; ') } },
          Object.fromEntries(failures.map((f) => [`check.${f.code}`, { zh: f.zh, en: f.en }])),
        ),
      };
    }
    const checkoutId = await repo.insertCheckout(trx, { deviceId: d.id, type: d.type, personId: input.personId, checkId, at: now, by: user.id });
    await repo.setStatus(trx, d.id, 'in_use', now);
    await recordDeviceChange(trx, user, { deviceId: d.id, at: now, kind: 'checkout', details: { checkoutId, ...checkFacts } }, { action: 'device.checkout' });
    return { ok: true, result: await done(trx, checkoutId, d.id, clockOffsetSec) };
  });
  if (!outcome.ok) throw outcome.error;
  return outcome.result;
}

/** Instant of `cutoffHour` o'clock on a Beijing calendar day (24 = the following midnight). */
function deadlineOf(day: string, cutoffHour: number): Date {
  return new Date(Date.parse(`${day}T00:00:00+08:00`) + cutoffHour * 3_600_000);
}

export async function returnDevice({ db }: Deps, user: AuthUser, input: { deviceNumber: string; check: CheckInput }) {
  return db.transaction().execute(async (trx) => {
    const d = await deviceByNumber(trx, user, input.deviceNumber);
    if (!d.open_checkout_id) throw new AppError('DEVICE_NOT_CHECKED_OUT', { number: d.device_number });
    const now = devicesNow();
    const failures = await judgeCheck(trx, input.check);
    const clockOffsetSec = Math.round((Date.parse(input.check.deviceClock) - now.getTime()) / 1000);
    const checkId = await repo.insertCheck(trx, {
      deviceId: d.id,
      personId: d.holder_person_id!,
      kind: 'return',
      checkedAt: now,
      checkedBy: user.id,
      batteryPct: input.check.batteryPct,
      freeStorageMb: input.check.freeStorageMb,
      deviceClock: new Date(input.check.deviceClock),
      clockOffsetSec,
      damage: input.check.damage,
      damageNote: input.check.damageNote,
      // Low battery at return is normal; only damage is a failure worth keeping here.
      passed: !input.check.damage,
      failures: failures.filter((f) => f.code === 'damage').map((f) => f.code),
    });
    await repo.closeCheckout(trx, d.open_checkout_id, { checkId, at: now, by: user.id });
    // A device reported faulty while out stays 故障停用 after its return.
    const status = d.status === 'in_use' ? 'available' : d.status;
    if (status !== d.status) await repo.setStatus(trx, d.id, status, now);
    let faultId: string | null = null;
    if (input.check.damage) {
      faultId = await repo.insertFault(trx, { deviceId: d.id, by: user.id, at: now, description: `归还时发现损坏：${input.check.damageNote ?? ''}`, checkoutId: d.open_checkout_id, checkId });
      await repo.setStatus(trx, d.id, 'faulty', now);
    }
    const cutoffHour = await getSetting(trx, 'offload.cutoffHour');
    const day = shanghaiDate(d.holder_since!);
    const deadline = deadlineOf(day, cutoffHour);
    const received = await repo.recordingsDuring(trx, d.device_number, d.holder_since!, now);
    await recordDeviceChange(
      trx,
      user,
      {
        deviceId: d.id,
        at: now,
        kind: 'return',
        details: { checkoutId: d.open_checkout_id, checkId, personId: d.holder_person_id, personName: d.holder_name, ...input.check, clockOffsetSec, faultId },
      },
      { action: 'device.return' },
    );
    if (faultId) await recordDeviceChange(trx, user, { deviceId: d.id, at: now, kind: 'fault', details: { faultId, checkId } }, { action: 'device.fault.report' });
    return {
      checkoutId: d.open_checkout_id,
      device: deviceView((await repo.findDevice(trx, d.id))!),
      clockOffsetSec,
      offload: { day, deadline: deadline.toISOString(), recordingsReceived: received },
    };
  });
}

/** Devices out now, in the caller's checkout reach (the checkout screen's list). */
export async function listOpenCheckouts({ db }: Deps, user: AuthUser) {
  const rows = await repo.openCheckouts(db, await accessFilter(db, user, 'device.checkout', 'dv'));
  return {
    items: rows.map((r) => ({
      id: r.id,
      deviceId: r.device_id,
      deviceNumber: r.device_number,
      type: r.type,
      personId: r.person_id,
      personName: r.person_name,
      staffNumber: r.staff_number,
      checkedOutAt: r.checked_out_at.toISOString(),
    })),
  };
}
