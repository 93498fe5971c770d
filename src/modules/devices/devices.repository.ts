import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { DbOrTx } from '../../platform/db/database.ts';
import type { DeviceStatus, DeviceType } from '../../platform/db/schema.ts';

/** A device's fields as the register keeps them. */
export interface DeviceFields {
  deviceNumber: string;
  type: DeviceType;
  make: string | null;
  model: string | null;
  serial: string | null;
  departmentId: string;
  purchasedOn: string | null;
}

const deviceColumns = sql`dv.id, dv.device_number, dv.type, dv.make, dv.model, dv.serial, dv.department_id, d.name AS department_name,
  dv.purchased_on::text AS purchased_on, dv.status, dv.last_maintained_on::text AS last_maintained_on, dv.created_at, dv.updated_at,
  tp.maintenance_interval_days,
  (coalesce(dv.last_maintained_on, dv.purchased_on, (dv.created_at AT TIME ZONE 'Asia/Shanghai')::date) + tp.maintenance_interval_days)::text AS maintenance_due_on,
  co.id AS open_checkout_id, co.person_id AS holder_person_id, hp.name AS holder_name, hp.staff_number AS holder_staff_number, co.checked_out_at AS holder_since`;

const deviceFrom = sql`device dv JOIN department d ON d.id = dv.department_id JOIN device_type_policy tp ON tp.type = dv.type
  LEFT JOIN device_checkout co ON co.device_id = dv.id AND co.returned_at IS NULL LEFT JOIN person hp ON hp.id = co.person_id`;

export interface DeviceRow {
  id: string;
  device_number: string;
  type: DeviceType;
  make: string | null;
  model: string | null;
  serial: string | null;
  department_id: string;
  department_name: string;
  purchased_on: string | null;
  status: DeviceStatus;
  last_maintained_on: string | null;
  created_at: Date;
  updated_at: Date;
  maintenance_interval_days: number;
  maintenance_due_on: string;
  open_checkout_id: string | null;
  holder_person_id: string | null;
  holder_name: string | null;
  holder_staff_number: string | null;
  holder_since: Date | null;
}

/** One device with its department, maintenance due date and current holder. */
export async function findDevice(db: DbOrTx, id: string): Promise<DeviceRow | undefined> {
  return (await sql<DeviceRow>`SELECT ${deviceColumns} FROM ${deviceFrom} WHERE dv.id = ${id}`.execute(db)).rows[0];
}

/** The device with this number (case-insensitive). */
export async function findDeviceByNumber(db: DbOrTx, deviceNumber: string): Promise<DeviceRow | undefined> {
  return (await sql<DeviceRow>`SELECT ${deviceColumns} FROM ${deviceFrom} WHERE dv.device_number = ${deviceNumber.toUpperCase()}`.execute(db)).rows[0];
}

/** Locks the device row for a state change (checkout, return, fault, repair). */
export async function lockDevice(db: DbOrTx, id: string): Promise<void> {
  await sql`SELECT 1 FROM device WHERE id = ${id} FOR UPDATE`.execute(db);
}

export interface DeviceFilter {
  scope: RawBuilder<SqlBool>;
  status?: DeviceStatus;
  type?: DeviceType;
  departmentId?: string;
  q?: string;
}

const filterSql = (f: DeviceFilter) => {
  const w: RawBuilder<unknown>[] = [f.scope];
  if (f.status) w.push(sql`dv.status = ${f.status}`);
  if (f.type) w.push(sql`dv.type = ${f.type}`);
  if (f.departmentId) w.push(sql`dv.department_id = ${f.departmentId}`);
  if (f.q) {
    const like = `%${f.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    w.push(sql`(dv.device_number ILIKE ${like} OR dv.make ILIKE ${like} OR dv.model ILIKE ${like} OR dv.serial ILIKE ${like})`);
  }
  return sql.join(w, sql` AND `);
};

/** Devices of the register, by number (the whole list: a register holds hundreds, not millions). */
export async function listDevices(db: DbOrTx, f: DeviceFilter & { limit: number }): Promise<DeviceRow[]> {
  return (await sql<DeviceRow>`SELECT ${deviceColumns} FROM ${deviceFrom} WHERE ${filterSql(f)} ORDER BY dv.device_number LIMIT ${f.limit}`.execute(db)).rows;
}

/** How many devices of each status the filter sees (the list's counters). */
export async function statusCounts(db: DbOrTx, f: DeviceFilter): Promise<{ status: DeviceStatus; n: number }[]> {
  return (await sql<{ status: DeviceStatus; n: number }>`SELECT dv.status, count(*)::int AS n FROM device dv WHERE ${filterSql({ ...f, status: undefined })} GROUP BY dv.status`.execute(db)).rows;
}

/** Devices whose maintenance falls due on or before `until` (a date), in the scope, not retired. */
export async function maintenanceDue(db: DbOrTx, scope: RawBuilder<SqlBool>, until: string): Promise<DeviceRow[]> {
  return (
    await sql<DeviceRow>`SELECT * FROM (SELECT ${deviceColumns} FROM ${deviceFrom} WHERE ${scope} AND dv.status <> 'retired') x
      WHERE x.maintenance_due_on::date <= ${until}::date ORDER BY x.maintenance_due_on, x.device_number`.execute(db)
  ).rows;
}

export async function insertDevice(db: DbOrTx, d: DeviceFields): Promise<string> {
  const r = await db
    .insertInto('device')
    .values({
      device_number: d.deviceNumber,
      type: d.type,
      make: d.make,
      model: d.model,
      serial: d.serial,
      department_id: d.departmentId,
      purchased_on: d.purchasedOn,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return r.id;
}

export async function updateDevice(db: DbOrTx, id: string, d: Partial<DeviceFields>, now: Date): Promise<void> {
  await db
    .updateTable('device')
    .set({
      ...(d.type !== undefined && { type: d.type }),
      ...(d.make !== undefined && { make: d.make }),
      ...(d.model !== undefined && { model: d.model }),
      ...(d.serial !== undefined && { serial: d.serial }),
      ...(d.departmentId !== undefined && { department_id: d.departmentId }),
      ...(d.purchasedOn !== undefined && { purchased_on: d.purchasedOn }),
      updated_at: now,
    })
    .where('id', '=', id)
    .execute();
}

export async function setStatus(db: DbOrTx, id: string, status: DeviceStatus, now: Date): Promise<void> {
  await db.updateTable('device').set({ status, updated_at: now }).where('id', '=', id).execute();
}

/** Which of these numbers are registered already. */
export async function existingNumbers(db: DbOrTx, numbers: string[]): Promise<Set<string>> {
  if (!numbers.length) return new Set();
  const rows = await db.selectFrom('device').select('device_number').where('device_number', 'in', numbers).execute();
  return new Set(rows.map((r) => r.device_number));
}

/** Departments matched by name or code (import). */
export async function departmentsByNameOrCode(db: DbOrTx, keys: string[]): Promise<{ id: string; name: string; code: string | null }[]> {
  if (!keys.length) return [];
  return db
    .selectFrom('department')
    .select(['id', 'name', 'code'])
    .where((eb) => eb.or([eb('name', 'in', keys), eb('code', 'in', keys)]))
    .execute();
}

// ---- history -------------------------------------------------------------------------------------------

export async function insertEvent(db: DbOrTx, e: { deviceId: string; at: Date; kind: string; actorId: string | null; details: unknown }): Promise<void> {
  await db
    .insertInto('device_event')
    .values({ device_id: e.deviceId, at: e.at, kind: e.kind, actor_id: e.actorId, details: JSON.stringify(e.details ?? {}) })
    .execute();
}

export async function listEvents(db: DbOrTx, deviceId: string) {
  return db
    .selectFrom('device_event as e')
    .leftJoin('app_user as u', 'u.id', 'e.actor_id')
    .select(['e.id', 'e.at', 'e.kind', 'e.details', 'u.username', 'u.display_name'])
    .where('e.device_id', '=', deviceId)
    .orderBy('e.id', 'desc')
    .execute();
}

// ---- checks and checkouts ------------------------------------------------------------------------------

export interface CheckFields {
  deviceId: string;
  personId: string;
  kind: 'checkout' | 'return';
  checkedAt: Date;
  checkedBy: string;
  batteryPct: number;
  freeStorageMb: number;
  deviceClock: Date;
  clockOffsetSec: number;
  damage: boolean;
  damageNote: string | null;
  passed: boolean;
  failures: string[];
}

export async function insertCheck(db: DbOrTx, c: CheckFields): Promise<string> {
  const r = await db
    .insertInto('device_check')
    .values({
      device_id: c.deviceId,
      person_id: c.personId,
      kind: c.kind,
      checked_at: c.checkedAt,
      checked_by: c.checkedBy,
      battery_pct: c.batteryPct,
      free_storage_mb: c.freeStorageMb,
      device_clock: c.deviceClock,
      clock_offset_sec: c.clockOffsetSec,
      damage: c.damage,
      damage_note: c.damageNote,
      passed: c.passed,
      failures: c.failures,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return r.id;
}

/** The officer's open checkout of a device of this type, if any (one per officer and type). */
export async function openCheckoutOfPersonType(db: DbOrTx, personId: string, type: DeviceType) {
  return db
    .selectFrom('device_checkout as c')
    .innerJoin('device as dv', 'dv.id', 'c.device_id')
    .select(['c.id', 'dv.device_number'])
    .where('c.person_id', '=', personId)
    .where('c.device_type', '=', type)
    .where('c.returned_at', 'is', null)
    .executeTakeFirst();
}

export async function insertCheckout(db: DbOrTx, c: { deviceId: string; type: DeviceType; personId: string; checkId: string; at: Date; by: string }): Promise<string> {
  const r = await db
    .insertInto('device_checkout')
    .values({ device_id: c.deviceId, device_type: c.type, person_id: c.personId, checkout_check_id: c.checkId, checked_out_at: c.at, checked_out_by: c.by })
    .returning('id')
    .executeTakeFirstOrThrow();
  return r.id;
}

export async function closeCheckout(db: DbOrTx, id: string, c: { checkId: string; at: Date; by: string }): Promise<void> {
  await db.updateTable('device_checkout').set({ return_check_id: c.checkId, returned_at: c.at, returned_by: c.by }).where('id', '=', id).execute();
}

export interface CheckoutRow {
  id: string;
  device_id: string;
  device_number: string;
  person_id: string;
  person_name: string;
  staff_number: string;
  checked_out_at: Date;
  returned_at: Date | null;
  out_battery_pct: number;
  out_free_storage_mb: number;
  out_clock_offset_sec: number;
  out_damage: boolean;
  in_battery_pct: number | null;
  in_free_storage_mb: number | null;
  in_clock_offset_sec: number | null;
  in_damage: boolean | null;
  recordings: number;
}

/** A device's checkouts, newest first, with both checks and how many recordings fall inside each. */
export async function listCheckouts(db: DbOrTx, deviceId: string, recordingScope: RawBuilder<SqlBool>): Promise<CheckoutRow[]> {
  return (
    await sql<CheckoutRow>`SELECT c.id, c.device_id, dv.device_number, c.person_id, p.name AS person_name, p.staff_number, c.checked_out_at, c.returned_at,
        o.battery_pct AS out_battery_pct, o.free_storage_mb AS out_free_storage_mb, o.clock_offset_sec AS out_clock_offset_sec, o.damage AS out_damage,
        i.battery_pct AS in_battery_pct, i.free_storage_mb AS in_free_storage_mb, i.clock_offset_sec AS in_clock_offset_sec, i.damage AS in_damage,
        (SELECT count(*)::int FROM recording r WHERE upper(r.device_number) = dv.device_number AND ${recordingScope}
           AND r.recorded_start >= c.checked_out_at AND (c.returned_at IS NULL OR r.recorded_start <= c.returned_at)) AS recordings
      FROM device_checkout c JOIN device dv ON dv.id = c.device_id JOIN person p ON p.id = c.person_id
        JOIN device_check o ON o.id = c.checkout_check_id LEFT JOIN device_check i ON i.id = c.return_check_id
      WHERE c.device_id = ${deviceId} ORDER BY c.checked_out_at DESC`.execute(db)
  ).rows;
}

/** The open checkouts in scope (the checkout screen's "out now" list). */
export async function openCheckouts(db: DbOrTx, scope: RawBuilder<SqlBool>) {
  return (
    await sql<{ id: string; device_id: string; device_number: string; type: DeviceType; person_id: string; person_name: string; staff_number: string; checked_out_at: Date }>`
      SELECT c.id, dv.id AS device_id, dv.device_number, dv.type, p.id AS person_id, p.name AS person_name, p.staff_number, c.checked_out_at
      FROM device_checkout c JOIN device dv ON dv.id = c.device_id JOIN person p ON p.id = c.person_id
      WHERE c.returned_at IS NULL AND ${scope} ORDER BY c.checked_out_at`.execute(db)
  ).rows;
}

/** A device's checks, newest first. */
export async function listChecks(db: DbOrTx, deviceId: string) {
  return db
    .selectFrom('device_check as k')
    .innerJoin('person as p', 'p.id', 'k.person_id')
    .select([
      'k.id',
      'k.kind',
      'k.checked_at',
      'k.battery_pct',
      'k.free_storage_mb',
      'k.device_clock',
      'k.clock_offset_sec',
      'k.damage',
      'k.damage_note',
      'k.passed',
      'k.failures',
      'p.name as person_name',
    ])
    .where('k.device_id', '=', deviceId)
    .orderBy('k.checked_at', 'desc')
    .execute();
}

// ---- usage -------------------------------------------------------------------------------------------

export interface UsageRecordingRow {
  id: string;
  file_name: string;
  recorded_start: Date;
  recorded_end: Date | null;
  checkout_id: string | null;
  person_name: string | null;
}

/**
 * The device's recordings the caller may read, each with the checkout whose period holds its start (第二十条:
 * a recording outside every checkout may be unrelated use — flagged for review, not judged).
 */
export async function usageRecordings(db: DbOrTx, deviceNumber: string, recordingScope: RawBuilder<SqlBool>, limit: number): Promise<UsageRecordingRow[]> {
  return (
    await sql<UsageRecordingRow>`SELECT r.id, r.file_name, r.recorded_start, r.recorded_end, c.id AS checkout_id, p.name AS person_name
      FROM recording r
      LEFT JOIN LATERAL (SELECT c.id, c.person_id FROM device_checkout c JOIN device dv ON dv.id = c.device_id
          WHERE dv.device_number = upper(r.device_number) AND r.recorded_start >= c.checked_out_at AND (c.returned_at IS NULL OR r.recorded_start <= c.returned_at)
          ORDER BY c.checked_out_at DESC LIMIT 1) c ON true
      LEFT JOIN person p ON p.id = c.person_id
      WHERE upper(r.device_number) = ${deviceNumber} AND ${recordingScope}
      ORDER BY r.recorded_start DESC LIMIT ${limit}`.execute(db)
  ).rows;
}

/** Review list: recordings the caller may read whose device is not registered, or that fall outside every checkout. */
export async function reviewRecordings(db: DbOrTx, recordingScope: RawBuilder<SqlBool>, limit: number) {
  return (
    await sql<{ id: string; file_name: string; device_number: string; recorded_start: Date; uploaded_at: Date; reason: 'unknown_device' | 'outside_checkout' }>`
      SELECT r.id, r.file_name, r.device_number, r.recorded_start, r.uploaded_at,
        CASE WHEN dv.id IS NULL THEN 'unknown_device' ELSE 'outside_checkout' END AS reason
      FROM recording r LEFT JOIN device dv ON dv.device_number = upper(r.device_number)
      WHERE r.device_number IS NOT NULL AND ${recordingScope}
        AND (dv.id IS NULL OR NOT EXISTS (SELECT 1 FROM device_checkout c WHERE c.device_id = dv.id
          AND r.recorded_start >= c.checked_out_at AND (c.returned_at IS NULL OR r.recorded_start <= c.returned_at)))
      ORDER BY r.uploaded_at DESC LIMIT ${limit}`.execute(db)
  ).rows;
}

/**
 * The device facts of one recording: whether its device number is registered, the checkout holding its start,
 * and the clock offsets measured at that checkout's two checks (第十五条: recordings are filed by time of use).
 */
export async function recordingDeviceFacts(db: DbOrTx, recordingId: string) {
  return (
    await sql<{
      device_number: string | null;
      recorded_start: Date;
      recorded_end: Date | null;
      device_id: string | null;
      checkout_id: string | null;
      person_name: string | null;
      out_offset: number | null;
      out_at: Date | null;
      in_offset: number | null;
      in_at: Date | null;
    }>`SELECT r.device_number, r.recorded_start, r.recorded_end, dv.id AS device_id, c.id AS checkout_id, p.name AS person_name,
        o.clock_offset_sec AS out_offset, o.checked_at AS out_at, i.clock_offset_sec AS in_offset, i.checked_at AS in_at
      FROM recording r LEFT JOIN device dv ON dv.device_number = upper(r.device_number)
      LEFT JOIN LATERAL (SELECT * FROM device_checkout c WHERE c.device_id = dv.id AND r.recorded_start >= c.checked_out_at
          AND (c.returned_at IS NULL OR r.recorded_start <= c.returned_at) ORDER BY c.checked_out_at DESC LIMIT 1) c ON true
      LEFT JOIN person p ON p.id = c.person_id
      LEFT JOIN device_check o ON o.id = c.checkout_check_id LEFT JOIN device_check i ON i.id = c.return_check_id
      WHERE r.id = ${recordingId}`.execute(db)
  ).rows[0];
}

/** Recordings of a device made during a checkout (the return shows the day's offload, 第十条). */
export async function recordingsDuring(db: DbOrTx, deviceNumber: string, from: Date, until: Date): Promise<number> {
  const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM recording WHERE upper(device_number) = ${deviceNumber}
    AND recorded_start >= ${from} AND recorded_start <= ${until}`.execute(db);
  return r.rows[0]!.n;
}

// ---- maintenance, faults, repairs ------------------------------------------------------------------------

export async function insertMaintenance(db: DbOrTx, m: { deviceId: string; performedOn: string; performedBy: string; work: string; recordedBy: string; recordedAt: Date }) {
  const r = await db
    .insertInto('device_maintenance')
    .values({ device_id: m.deviceId, performed_on: m.performedOn, performed_by: m.performedBy, work: m.work, recorded_by: m.recordedBy, recorded_at: m.recordedAt })
    .returning('id')
    .executeTakeFirstOrThrow();
  await sql`UPDATE device SET last_maintained_on = greatest(last_maintained_on, ${m.performedOn}::date), updated_at = ${m.recordedAt} WHERE id = ${m.deviceId}`.execute(db);
  return r.id;
}

export async function listMaintenance(db: DbOrTx, deviceId: string) {
  return db
    .selectFrom('device_maintenance')
    .select(['id', sql<string>`performed_on::text`.as('performed_on'), 'performed_by', 'work', 'recorded_at'])
    .where('device_id', '=', deviceId)
    .orderBy('performed_on', 'desc')
    .execute();
}

export async function insertFault(db: DbOrTx, f: { deviceId: string; by: string; at: Date; description: string; checkoutId: string | null; checkId: string | null }) {
  const r = await db
    .insertInto('device_fault')
    .values({ device_id: f.deviceId, reported_by: f.by, reported_at: f.at, description: f.description, checkout_id: f.checkoutId, check_id: f.checkId })
    .returning('id')
    .executeTakeFirstOrThrow();
  return r.id;
}

export async function resolveFaults(db: DbOrTx, deviceId: string, at: Date) {
  await db.updateTable('device_fault').set({ resolved_at: at }).where('device_id', '=', deviceId).where('resolved_at', 'is', null).execute();
}

export interface FaultRow {
  id: string;
  device_id: string;
  device_number: string;
  department_name: string;
  description: string;
  reported_at: Date;
  reported_by_name: string;
  checkout_id: string | null;
  check_id: string | null;
  resolved_at: Date | null;
}

export async function listFaults(db: DbOrTx, f: { scope: RawBuilder<SqlBool>; deviceId?: string; open?: boolean; limit: number }): Promise<FaultRow[]> {
  return (
    await sql<FaultRow>`SELECT f.id, f.device_id, dv.device_number, d.name AS department_name, f.description, f.reported_at,
        coalesce(u.display_name, u.username) AS reported_by_name, f.checkout_id, f.check_id, f.resolved_at
      FROM device_fault f JOIN device dv ON dv.id = f.device_id JOIN department d ON d.id = dv.department_id JOIN app_user u ON u.id = f.reported_by
      WHERE ${f.scope} ${f.deviceId ? sql`AND f.device_id = ${f.deviceId}` : sql``} ${f.open ? sql`AND f.resolved_at IS NULL` : sql``}
      ORDER BY f.reported_at DESC LIMIT ${f.limit}`.execute(db)
  ).rows;
}

export async function findFault(db: DbOrTx, id: string) {
  return db.selectFrom('device_fault').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listRepairers(db: DbOrTx) {
  return db.selectFrom('device_repairer').selectAll().orderBy('name').execute();
}

export async function findRepairer(db: DbOrTx, id: string) {
  return db.selectFrom('device_repairer').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findRepairerByName(db: DbOrTx, name: string) {
  return db.selectFrom('device_repairer').selectAll().where('name', '=', name).executeTakeFirst();
}

export async function insertRepairer(db: DbOrTx, r: { name: string; contact: string | null }) {
  return db.insertInto('device_repairer').values({ name: r.name, contact: r.contact }).returningAll().executeTakeFirstOrThrow();
}

export async function updateRepairer(db: DbOrTx, id: string, r: { contact?: string | null; active?: boolean }) {
  return db
    .updateTable('device_repairer')
    .set({ ...(r.contact !== undefined && { contact: r.contact }), ...(r.active !== undefined && { active: r.active }) })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

export async function insertRepair(
  db: DbOrTx,
  r: { deviceId: string; faultId: string | null; repairerId: string | null; repairerName: string; authorised: boolean; diagnosis: string | null; costYuan: number | null; by: string; at: Date },
) {
  const row = await db
    .insertInto('device_repair')
    .values({
      device_id: r.deviceId,
      fault_id: r.faultId,
      repairer_id: r.repairerId,
      repairer_name: r.repairerName,
      authorised: r.authorised,
      // 第十九条: 擅自修理的，其费用不予报销.
      reimbursable: r.authorised,
      diagnosis: r.diagnosis,
      cost_yuan: r.costYuan,
      opened_by: r.by,
      opened_at: r.at,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function updateRepair(
  db: DbOrTx,
  id: string,
  r: { diagnosis?: string | null; costYuan?: number | null; status?: 'open' | 'approved' | 'closed'; approvedBy?: string; approvedAt?: Date; returnedAt?: Date },
) {
  await db
    .updateTable('device_repair')
    .set({
      ...(r.diagnosis !== undefined && { diagnosis: r.diagnosis }),
      ...(r.costYuan !== undefined && { cost_yuan: r.costYuan }),
      ...(r.status !== undefined && { status: r.status }),
      ...(r.approvedBy !== undefined && { approved_by: r.approvedBy, approved_at: r.approvedAt }),
      ...(r.returnedAt !== undefined && { returned_to_service_at: r.returnedAt }),
    })
    .where('id', '=', id)
    .execute();
}

export interface RepairRow {
  id: string;
  device_id: string;
  device_number: string;
  fault_id: string | null;
  repairer_id: string | null;
  repairer_name: string;
  authorised: boolean;
  reimbursable: boolean;
  diagnosis: string | null;
  cost_yuan: string | null;
  status: 'open' | 'approved' | 'closed';
  opened_at: Date;
  opened_by_name: string;
  approved_at: Date | null;
  approved_by_name: string | null;
  returned_to_service_at: Date | null;
}

const repairSelect = sql`SELECT t.id, t.device_id, dv.device_number, t.fault_id, t.repairer_id, t.repairer_name, t.authorised, t.reimbursable, t.diagnosis,
    t.cost_yuan::text AS cost_yuan, t.status, t.opened_at, coalesce(ou.display_name, ou.username) AS opened_by_name, t.approved_at,
    coalesce(au.display_name, au.username) AS approved_by_name, t.returned_to_service_at
  FROM device_repair t JOIN device dv ON dv.id = t.device_id JOIN app_user ou ON ou.id = t.opened_by LEFT JOIN app_user au ON au.id = t.approved_by`;

export async function findRepair(db: DbOrTx, id: string): Promise<RepairRow | undefined> {
  return (await sql<RepairRow>`${repairSelect} WHERE t.id = ${id}`.execute(db)).rows[0];
}

export async function listRepairs(db: DbOrTx, f: { scope: RawBuilder<SqlBool>; deviceId?: string; limit: number }): Promise<RepairRow[]> {
  return (
    await sql<RepairRow>`${repairSelect} WHERE ${f.scope} ${f.deviceId ? sql`AND t.device_id = ${f.deviceId}` : sql``}
      ORDER BY t.opened_at DESC LIMIT ${f.limit}`.execute(db)
  ).rows;
}

export async function insertFinding(db: DbOrTx, f: { deviceId: string; repairId: string; details: unknown; at: Date }) {
  const r = await db
    .insertInto('device_finding')
    .values({ device_id: f.deviceId, repair_id: f.repairId, kind: 'unauthorised_repair', details: JSON.stringify(f.details), found_at: f.at })
    .returning('id')
    .executeTakeFirstOrThrow();
  return r.id;
}

export async function listFindings(db: DbOrTx, f: { scope: RawBuilder<SqlBool>; deviceId?: string; limit: number }) {
  return (
    await sql<{ id: string; device_id: string; device_number: string; repair_id: string | null; kind: 'unauthorised_repair'; details: unknown; found_at: Date }>`
      SELECT fi.id, fi.device_id, dv.device_number, fi.repair_id, fi.kind, fi.details, fi.found_at
      FROM device_finding fi JOIN device dv ON dv.id = fi.device_id
      WHERE ${f.scope} ${f.deviceId ? sql`AND fi.device_id = ${f.deviceId}` : sql``} ORDER BY fi.found_at DESC LIMIT ${f.limit}`.execute(db)
  ).rows;
}

export async function listTypePolicies(db: DbOrTx) {
  return db
    .selectFrom('device_type_policy')
    .selectAll()
    .orderBy(sql`array_position(ARRAY['body_camera', 'camera', 'video_camera', 'audio_recorder', 'other'], type)`)
    .execute();
}

export async function updateTypePolicy(db: DbOrTx, type: DeviceType, days: number, now: Date) {
  const before = await db.selectFrom('device_type_policy').selectAll().where('type', '=', type).executeTakeFirst();
  await db.updateTable('device_type_policy').set({ maintenance_interval_days: days, updated_at: now }).where('type', '=', type).execute();
  return before;
}
