import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { setDevicesClock } from '../../src/modules/devices/devices.clock.ts';
import { createTestApp, loginAs, makeDepartment, makePerson, makeRecording, type Session, type TestContext } from '../support/harness.ts';

/**
 * Issue 12 (第七、十、十五至二十条): checkout refusals each with its reason, a fault during use, repairs by an
 * unlisted repairer, maintenance reminders on a controlled clock, clock notes on recordings, out-of-checkout
 * recordings flagged. Expected values are written out literally.
 */

let ctx: TestContext;
let dept: string;
let custodian: Session;
let custodianUserId: string;
let officerSession: Session;
let leader: Session;
let admin: Session;
let supervisor: Session;
let qualified: string;
let qualified2: string;
let unqualified: string;

/** 2026-11-30 09:00 Beijing. */
const NOW = new Date('2026-11-30T01:00:00Z');
let now = NOW;
const ok = { batteryPct: 95, freeStorageMb: 30_000, damage: false, damageNote: null };
/** A qualified officer of the department for one test, so no test depends on another's returns. */
const freshOfficer = async (name: string) => (await makePerson(ctx.db, { departmentId: dept, name })).id;
const clockAt = (d: Date, offsetSec = 0) => new Date(d.getTime() + offsetSec * 1000).toISOString();

async function register(number: string, o: { type?: string; purchasedOn?: string } = {}) {
  const res = await custodian.request('POST', '/api/devices', {
    deviceNumber: number,
    type: o.type ?? 'body_camera',
    make: '警翼',
    model: 'X8',
    serial: 'AB12345',
    departmentId: dept,
    purchasedOn: o.purchasedOn ?? '2026-11-01',
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id as string;
}

const checkout = (deviceNumber: string, personId: string, check: object = ok, extra: object = {}) =>
  custodian.request('POST', '/api/device-checkouts', { deviceNumber, personId, check: { ...check, deviceClock: clockAt(now) }, ...extra });

beforeAll(async () => {
  ctx = await createTestApp();
  setDevicesClock(() => now);
  dept = (await makeDepartment(ctx.db, { name: '商务综合执法支队' })).id;
  qualified = (await makePerson(ctx.db, { departmentId: dept, name: '张三' })).id;
  qualified2 = (await makePerson(ctx.db, { departmentId: dept, name: '李四' })).id;
  unqualified = (await makePerson(ctx.db, { departmentId: dept, name: '王五', certificate: { number: '冀商执X', validUntil: '2026-06-30', examPassedOn: '2020-01-01' } })).id;
  const c = await loginAs(ctx, ['custodian'], { departmentId: dept });
  custodian = c.session;
  custodianUserId = c.user.id;
  officerSession = (await loginAs(ctx, ['officer'], { departmentId: dept, personId: qualified })).session;
  leader = (await loginAs(ctx, ['leader'], { departmentId: dept })).session;
  admin = (await loginAs(ctx, ['admin'])).session;
  supervisor = (await loginAs(ctx, ['supervisor'])).session;
});
afterEach(() => {
  now = NOW;
});
afterAll(async () => {
  setDevicesClock(undefined);
  await ctx.close();
});

describe('checkout refusals, each with its reason (第七、十八条)', () => {
  test('the refusal table', async () => {
    await register('DSJ-A1');
    await register('DSJ-A2');
    await register('DSJ-A3');
    await register('DSJ-OLD', { purchasedOn: '2026-08-01' }); // due 2026-10-30: overdue on 2026-11-30
    await register('DSJ-BAD');
    await register('DSJ-BROKEN');
    expect((await officerSession.request('POST', `/api/devices/${(await ctx.db.selectFrom('device').select('id').where('device_number', '=', 'DSJ-BROKEN').executeTakeFirstOrThrow()).id}/faults`, { description: '镜头破裂' })).statusCode).toBe(201);
    // The first checkout succeeds: it makes DSJ-A1 "already out" and 张三 a body-camera holder.
    const first = await checkout('dsj-a1', qualified);
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json().device).toMatchObject({ deviceNumber: 'DSJ-A1', status: 'in_use', holder: { name: '张三' } });

    const cases: [string, () => Promise<{ statusCode: number; json(): { code: string; message: string } }>, number, string, RegExp][] = [
      ['an unqualified officer', () => checkout('DSJ-A2', unqualified), 422, 'OFFICER_NOT_QUALIFIED', /王五.*行政执法证已于 2026-06-30 过期/],
      ['a faulty device', () => checkout('DSJ-BROKEN', qualified2), 409, 'DEVICE_NOT_AVAILABLE', /DSJ-BROKEN 当前为“故障停用”/],
      ['a device already out', () => checkout('DSJ-A1', qualified2), 409, 'DEVICE_ALREADY_OUT', /DSJ-A1 已由 张三 领用（2026-11-30 09:00）/],
      ['a second camera for one officer', () => checkout('DSJ-A2', qualified), 409, 'DEVICE_TYPE_ALREADY_HELD', /张三 已领用同类设备 DSJ-A1/],
      ['maintenance overdue', () => checkout('DSJ-OLD', qualified2), 409, 'DEVICE_MAINTENANCE_OVERDUE', /DSJ-OLD 的定期保养已于 2026-10-30 到期/],
      ['a failed pre-use check', () => checkout('DSJ-BAD', qualified2, { ...ok, batteryPct: 50 }), 422, 'DEVICE_CHECK_FAILED', /电量 50% 低于 80%/],
      ['an unregistered number', () => checkout('NOPE-1', qualified2), 400, 'DEVICE_NOT_FOUND', /NOPE-1 未登记/],
    ];
    const seen: [string, number, string][] = [];
    for (const [what, call, status, code, message] of cases) {
      const res = await call();
      seen.push([what, res.statusCode, res.json().code]);
      expect(res.json().message, what).toMatch(message);
    }
    expect(seen).toEqual(cases.map(([what, , status, code]) => [what, status, code]));
    // Nothing was checked out by the refusals: only DSJ-A1 is out.
    const open = (await custodian.request('GET', '/api/device-checkouts/open')).json();
    expect(open.items.map((i: { deviceNumber: string }) => i.deviceNumber)).toEqual(['DSJ-A1']);
  });

  test('a failed check is recorded; it can open a fault (故障停用); a passing check then checks out', async () => {
    const who = await freshOfficer('周一');
    const id = await register('DSJ-C1');
    const low = await checkout('DSJ-C1', who, { ...ok, freeStorageMb: 100, damage: true, damageNote: '外壳开裂' });
    expect(low.statusCode).toBe(422);
    expect(low.json().message).toBe('设备 DSJ-C1 使用前检查未通过：剩余存储 100 MB 少于 2048 MB；外观损坏：外壳开裂');
    let detail = (await custodian.request('GET', `/api/devices/${id}`)).json();
    expect(detail.device.status).toBe('available');
    expect(detail.checks).toMatchObject([{ kind: 'checkout', passed: false, failures: ['storage', 'damage'], personName: '周一' }]);
    expect(detail.history.map((h: { kind: string }) => h.kind)).toEqual(['check_failed', 'registered']);

    const withFault = await checkout('DSJ-C1', who, { ...ok, batteryPct: 10 }, { openFaultOnFailure: true });
    expect(withFault.statusCode).toBe(422);
    detail = (await custodian.request('GET', `/api/devices/${id}`)).json();
    expect(detail.device.status).toBe('faulty');
    expect(detail.faults).toMatchObject([{ description: '电量 10% 低于 80%', fromCheck: true, duringCheckout: false }]);
  });
});

describe('two desks at once', () => {
  test('one device to two officers, or two cameras to one officer, at the same instant: one wins, the other is a 409', async () => {
    await register('DSJ-RACE1');
    await register('DSJ-RACE2');
    await register('DSJ-RACE3');
    const [a, b] = [await freshOfficer('甲'), await freshOfficer('乙')];
    const same = await Promise.all([checkout('DSJ-RACE1', a), checkout('DSJ-RACE1', b)]);
    expect(same.map((r) => r.statusCode).sort()).toEqual([201, 409]);
    expect(same.find((r) => r.statusCode === 409)!.json().code).toBe('DEVICE_ALREADY_OUT');
    const c = await freshOfficer('丙');
    const two = await Promise.all([checkout('DSJ-RACE2', c), checkout('DSJ-RACE3', c)]);
    expect(two.map((r) => r.statusCode).sort()).toEqual([201, 409]);
    const open = await ctx.db.selectFrom('device_checkout').select('id').where('person_id', 'in', [a, b, c]).where('returned_at', 'is', null).execute();
    expect(open).toHaveLength(2);
  });
});

describe('faults and repairs (第十九条)', () => {
  test('a fault reported during use takes the device out of service at once; the return keeps it out', async () => {
    const who = await freshOfficer('周二');
    const id = await register('DSJ-F1');
    expect((await checkout('DSJ-F1', who)).statusCode).toBe(201);
    const fault = await officerSession.request('POST', `/api/devices/${id}/faults`, { description: '录像中途自动关机' });
    expect(fault.statusCode, fault.body).toBe(201);
    expect(fault.json()).toMatchObject({ deviceNumber: 'DSJ-F1', duringCheckout: true, resolvedAt: null });
    const d = (await custodian.request('GET', `/api/devices/${id}`)).json().device;
    // Out of service at once, while still in the officer's hands.
    expect(d).toMatchObject({ status: 'faulty', holder: { name: '周二' } });
    const ret = await custodian.request('POST', '/api/device-returns', { deviceNumber: 'DSJ-F1', check: { ...ok, batteryPct: 40, deviceClock: clockAt(now) } });
    expect(ret.statusCode, ret.body).toBe(200);
    expect(ret.json().device).toMatchObject({ status: 'faulty', holder: null });
    expect((await checkout('DSJ-F1', who)).json().code).toBe('DEVICE_NOT_AVAILABLE');
  });

  test('an unlisted repairer: not reimbursable, a supervision finding; a listed one: approved, back in service', async () => {
    expect((await admin.request('POST', '/api/device-repairers', { name: '市执法装备维修中心', contact: '0310-1234567' })).statusCode).toBe(201);
    const repairers = (await custodian.request('GET', '/api/device-repairers')).json().items;
    const listed = repairers.find((r: { name: string }) => r.name === '市执法装备维修中心').id;

    const a = await register('DSJ-R1');
    await officerSession.request('POST', `/api/devices/${a}/faults`, { description: '按键失灵' });
    const unlisted = await custodian.request('POST', `/api/devices/${a}/repairs`, { repairerName: '街边手机维修店', diagnosis: '更换按键', costYuan: 120 });
    expect(unlisted.statusCode, unlisted.body).toBe(201);
    expect(unlisted.json()).toMatchObject({ repairerName: '街边手机维修店', authorised: false, reimbursable: false, costYuan: 120, status: 'open' });
    const findings = (await supervisor.request('GET', '/api/devices/findings')).json().items;
    expect(findings).toMatchObject([{ deviceNumber: 'DSJ-R1', kind: 'unauthorised_repair', repairId: unlisted.json().id, details: { repairer: '街边手机维修店', costYuan: 120 } }]);
    const audit = await ctx.db.selectFrom('audit_event').select(['action']).where('target_id', '=', a).orderBy('seq').execute();
    expect(audit.map((e) => e.action)).toEqual(['device.create', 'device.fault.report', 'device.repair.open', 'device.finding.create']);
    // Approval does not make it reimbursable; the database refuses it too.
    const approved = await leader.request('POST', `/api/device-repairs/${unlisted.json().id}/approve`);
    expect(approved.json()).toMatchObject({ status: 'approved', reimbursable: false });
    await expect(ctx.db.updateTable('device_repair').set({ reimbursable: true }).where('id', '=', unlisted.json().id).execute()).rejects.toThrow(/check/i);

    const b = await register('DSJ-R2');
    await officerSession.request('POST', `/api/devices/${b}/faults`, { description: '无法充电' });
    const ticket = await custodian.request('POST', `/api/devices/${b}/repairs`, { repairerId: listed, diagnosis: '电池老化', costYuan: 260.5 });
    expect(ticket.json()).toMatchObject({ repairerName: '市执法装备维修中心', authorised: true, reimbursable: true });
    expect((await custodian.request('GET', `/api/devices/${b}`)).json().device.status).toBe('in_repair');
    // Back in service only after approval, by the leader (the custodian may not approve).
    expect((await custodian.request('POST', `/api/device-repairs/${ticket.json().id}/return-to-service`)).json().code).toBe('REPAIR_STATE');
    expect((await custodian.request('POST', `/api/device-repairs/${ticket.json().id}/approve`)).statusCode).toBe(403);
    expect((await leader.request('POST', `/api/device-repairs/${ticket.json().id}/approve`)).statusCode).toBe(200);
    const back = await custodian.request('POST', `/api/device-repairs/${ticket.json().id}/return-to-service`);
    expect(back.json()).toMatchObject({ status: 'closed', returnedToServiceAt: NOW.toISOString() });
    const detail = (await custodian.request('GET', `/api/devices/${b}`)).json();
    expect(detail.device.status).toBe('available');
    expect(detail.faults[0].resolvedAt).toBe(NOW.toISOString());
    expect(detail.findings).toEqual([]);
  });
});

describe('maintenance reminders on a controlled clock (第十八条)', () => {
  test('due in 14 days → reminded; due day → still usable; the day after → overdue and refused; logged → gone', async () => {
    const who = await freshOfficer('周三');
    // Photo cameras every 30 days here (an admin's setting), purchased 2026-11-01: due 2026-12-01.
    expect((await admin.request('PUT', '/api/device-types/camera', { maintenanceIntervalDays: 30 })).statusCode).toBe(200);
    const id = await register('ZXJ-01', { type: 'camera', purchasedOn: '2026-11-01' });
    const reminded = async () =>
      ((await custodian.request('GET', '/api/devices/reminders')).json().items as { device: { deviceNumber: string }; dueOn: string; overdue: boolean; daysLeft: number }[])
        .filter((i) => i.device.deviceNumber === 'ZXJ-01')
        .map((i) => [i.dueOn, i.overdue, i.daysLeft]);

    now = new Date('2026-11-16T01:00:00Z'); // 15 days before
    expect(await reminded()).toEqual([]);
    now = new Date('2026-11-17T01:00:00Z'); // 14 days before
    expect(await reminded()).toEqual([['2026-12-01', false, 14]]);
    now = new Date('2026-12-01T15:59:00Z'); // 23:59 Beijing on the due day: still usable
    expect(await reminded()).toEqual([['2026-12-01', false, 0]]);
    const out = await checkout('ZXJ-01', who);
    expect(out.statusCode, out.body).toBe(201);
    expect((await custodian.request('POST', '/api/device-returns', { deviceNumber: 'ZXJ-01', check: { ...ok, deviceClock: clockAt(now) } })).statusCode).toBe(200);
    now = new Date('2026-12-01T16:00:00Z'); // 00:00 Beijing the next day: overdue
    expect(await reminded()).toEqual([['2026-12-01', true, -1]]);
    expect((await checkout('ZXJ-01', who)).json().code).toBe('DEVICE_MAINTENANCE_OVERDUE');
    const m = await custodian.request('POST', `/api/devices/${id}/maintenance`, { performedOn: '2026-12-02', performedBy: '赵六', work: '清洁镜头，电池检测' });
    expect(m.statusCode, m.body).toBe(201);
    expect(m.json()).toMatchObject({ lastMaintainedOn: '2026-12-02', maintenanceDueOn: '2027-01-01', maintenanceOverdue: false });
    expect(await reminded()).toEqual([]);
    const log = (await custodian.request('GET', `/api/devices/${id}`)).json().maintenance;
    expect(log).toMatchObject([{ performedOn: '2026-12-02', performedBy: '赵六', work: '清洁镜头，电池检测' }]);
  });
});

describe('usage and clock (第十五、二十条)', () => {
  test('the clock offset found at the checks is shown beside the recording; the recording itself is unchanged', async () => {
    const who = await freshOfficer('周四');
    const id = await register('DSJ-K1');
    const out = await custodian.request('POST', '/api/device-checkouts', { deviceNumber: 'DSJ-K1', personId: who, check: { ...ok, deviceClock: clockAt(now, 95) } });
    expect(out.json().clockOffsetSec).toBe(95);
    // Recorded 10:00 by the device clock (Beijing), during the checkout.
    const rec = await makeRecording(ctx.db, { departmentId: dept, officerIds: [who], uploadedBy: custodianUserId, recordedStart: '2026-11-30T02:00:00Z', deviceNumber: 'dsj-k1' });
    now = new Date('2026-11-30T09:00:00Z'); // 17:00 Beijing
    const ret = await custodian.request('POST', '/api/device-returns', { deviceNumber: 'DSJ-K1', check: { ...ok, batteryPct: 30, deviceClock: clockAt(now, 97) } });
    expect(ret.statusCode, ret.body).toBe(200);
    // 第十条: the day's offload is due by midnight (cut-off 24) of the checkout day; one recording is in already.
    expect(ret.json().offload).toEqual({ day: '2026-11-30', deadline: '2026-11-30T16:00:00.000Z', recordingsReceived: 1 });

    const notes = (await custodian.request('GET', `/api/recordings/${rec}/device-notes`)).json();
    expect(notes).toMatchObject({ deviceId: id, unknownDevice: false, outsideCheckout: false, holder: '周四' });
    expect(notes.clockNotes).toEqual([
      {
        check: 'checkout',
        checkedAt: '2026-11-30T01:00:00.000Z',
        clockOffsetSec: 95,
        correctedStart: '2026-11-30T01:58:25.000Z',
        correctedEnd: null,
        zh: '领用检查（2026-11-30 09:00）发现设备时钟偏差 +1 分 35 秒；按此校正，开始时间约为 2026-11-30 09:58（原始时间不变）',
        en: 'The checkout check (2026-11-30 09:00) found the device clock off by +1 min 35 s; corrected by it, the start is about 2026-11-30 09:58 (the original time is unchanged)',
      },
      expect.objectContaining({ check: 'return', clockOffsetSec: 97, correctedStart: '2026-11-30T01:58:23.000Z' }),
    ]);
    const r = (await custodian.request('GET', `/api/recordings/${rec}`)).json();
    expect(r.recordedStart).toBe('2026-11-30T02:00:00.000Z');
    expect(r.corrections).toEqual([]);
  });

  test('recordings outside any checkout are flagged for review; unknown device numbers too; checkouts without recordings listed', async () => {
    const who = await freshOfficer('周五');
    const id = await register('DSJ-U1');
    now = new Date('2026-11-29T01:00:00Z');
    expect((await checkout('DSJ-U1', who)).statusCode).toBe(201);
    now = new Date('2026-11-29T09:00:00Z');
    expect((await custodian.request('POST', '/api/device-returns', { deviceNumber: 'DSJ-U1', check: { ...ok, deviceClock: clockAt(now) } })).statusCode).toBe(200);
    // Sunday night 22:00 Beijing, no checkout: possible unrelated use (第二十条).
    const outside = await makeRecording(ctx.db, { departmentId: dept, officerIds: [who], uploadedBy: custodianUserId, recordedStart: '2026-11-29T14:00:00Z', deviceNumber: 'DSJ-U1' });
    const unknown = await makeRecording(ctx.db, { departmentId: dept, officerIds: [who], uploadedBy: custodianUserId, recordedStart: '2026-11-29T03:00:00Z', deviceNumber: 'GHOST-9' });

    const usage = (await custodian.request('GET', `/api/devices/${id}/usage`)).json();
    expect(usage.recordings).toMatchObject([{ id: outside, outsideCheckout: true, checkoutId: null, holder: null }]);
    expect(usage.checkouts).toMatchObject([{ personName: '周五', recordings: 0, checkedOutAt: '2026-11-29T01:00:00.000Z', returnedAt: '2026-11-29T09:00:00.000Z' }]);
    expect(usage.checkoutsWithoutRecordings).toEqual([usage.checkouts[0].id]);

    const review = (await custodian.request('GET', '/api/devices/review')).json().items as { recordingId: string; reason: string }[];
    expect(review.filter((i) => [outside, unknown].includes(i.recordingId)).map((i) => [i.recordingId, i.reason]).sort()).toEqual(
      [
        [outside, 'outside_checkout'],
        [unknown, 'unknown_device'],
      ].sort(),
    );
    expect((await custodian.request('GET', `/api/recordings/${unknown}/device-notes`)).json()).toMatchObject({ deviceNumber: 'GHOST-9', deviceId: null, unknownDevice: true });
    expect((await custodian.request('GET', `/api/recordings/${outside}/device-notes`)).json()).toMatchObject({ outsideCheckout: true, clockNotes: [] });
  });
});
