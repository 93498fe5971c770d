import { z } from 'zod';
import { dateString, instant, multilineText, text } from '../../platform/http/schemas.ts';

/** 设备类型: 执法记录仪, 照相机, 摄像机, 录音笔, 其他. */
export const deviceType = z.enum(['body_camera', 'camera', 'video_camera', 'audio_recorder', 'other']).meta({ id: 'DeviceType' });
/** 设备状态: 可用 / 在用 / 维修中 / 故障停用 / 报废. */
export const deviceStatus = z.enum(['available', 'in_use', 'in_repair', 'faulty', 'retired']).meta({ id: 'DeviceStatus' });

/** 设备编号: letters, digits and '-', stored upper-case. */
export const deviceNumber = text(40)
  .regex(/^[A-Za-z0-9][A-Za-z0-9-]*$/, { error: 'letters, digits and - only / 仅限字母、数字和 -' })
  .transform((v) => v.toUpperCase());

const serialRule = (v: { type?: string; serial?: string | null }, ctx: z.RefinementCtx) => {
  if (v.type === 'body_camera' && v.serial && !/^[A-Za-z0-9]{7}$/.test(v.serial)) {
    ctx.addIssue({ code: 'custom', path: ['serial'], message: 'a body camera serial (GA/T 947) has 7 letters or digits / 执法记录仪产品序号（GA/T 947）为 7 位字母或数字' });
  }
};

const deviceFields = {
  /** 设备编号 (unique; upper-cased). */
  deviceNumber,
  /** Device type. */
  type: deviceType,
  /** 厂商 — make. */
  make: text(60).nullable().optional().default(null),
  /** 型号 — model. */
  model: text(60).nullable().optional().default(null),
  /** 产品序号 — GA/T 947 product serial (7 characters for body cameras). */
  serial: text(40).nullable().optional().default(null),
  /** Department that keeps the device. */
  departmentId: z.uuid(),
  /** 购置日期 — purchase date. */
  purchasedOn: dateString.nullable().optional().default(null),
};

export const deviceBody = z.strictObject(deviceFields).superRefine(serialRule);

/** Changes to a device's details (its number never changes; status changes through checkout, faults, repairs). */
export const devicePatch = z
  .strictObject({
    type: deviceType,
    make: text(60).nullable(),
    model: text(60).nullable(),
    serial: text(40).nullable(),
    departmentId: z.uuid(),
    purchasedOn: dateString.nullable(),
  })
  .partial();

export const deviceQuery = z.object({
  status: deviceStatus.optional(),
  type: deviceType.optional(),
  departmentId: z.uuid().optional(),
  /** Matches number, make, model or serial. */
  q: text(60).optional(),
  /** At most this many devices (default 500). */
  limit: z.coerce.number().int().min(1).max(2000).default(500),
});

export const deviceView = z.object({
  id: z.uuid(),
  deviceNumber: z.string(),
  type: deviceType,
  make: z.string().nullable(),
  model: z.string().nullable(),
  serial: z.string().nullable(),
  departmentId: z.uuid(),
  departmentName: z.string(),
  purchasedOn: z.string().nullable(),
  status: deviceStatus,
  lastMaintainedOn: z.string().nullable(),
  maintenanceIntervalDays: z.number().int(),
  /** The day the next maintenance is due (第十八条). */
  maintenanceDueOn: z.string(),
  /** Overdue for maintenance today: cannot be checked out. */
  maintenanceOverdue: z.boolean(),
  /** Who has it now (open checkout), if anyone. */
  holder: z.object({ checkoutId: z.uuid(), personId: z.uuid(), name: z.string(), staffNumber: z.string(), since: z.iso.datetime() }).nullable(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});

export const deviceList = z.object({
  items: z.array(deviceView),
  /** How many devices of each status the filter sees (ignoring its status filter). */
  counts: z.record(deviceStatus, z.number().int()),
  /** More devices matched than `limit`. */
  truncated: z.boolean(),
});

/** The pre-use (or return) check, 第十八条: battery, storage, the device's clock, visible damage. */
export const checkInput = z.strictObject({
  /** Battery level, %. */
  batteryPct: z.number().int().min(0).max(100),
  /** Free storage, MB. */
  freeStorageMb: z.number().int().min(0).max(100_000_000),
  /** The time the device's own clock shows now (compared with the server clock). */
  deviceClock: instant,
  /** Visible damage found. */
  damage: z.boolean(),
  /** What the damage is (required when damage is true). */
  damageNote: multilineText(500).nullable().optional().default(null),
});

export const checkoutBody = z
  .strictObject({
    /** 设备编号 (typed or scanned). */
    deviceNumber,
    /** The officer taking the device. */
    personId: z.uuid(),
    check: checkInput,
    /** When the check fails: also open a fault (puts the device in 故障停用). */
    openFaultOnFailure: z.boolean().optional().default(false),
  })
  .superRefine((v, ctx) => {
    if (v.check.damage && !v.check.damageNote) ctx.addIssue({ code: 'custom', path: ['check', 'damageNote'], message: 'describe the damage / 请描述损坏情况' });
  });

export const returnBody = z
  .strictObject({
    /** 设备编号 (typed or scanned). */
    deviceNumber,
    check: checkInput,
  })
  .superRefine((v, ctx) => {
    if (v.check.damage && !v.check.damageNote) ctx.addIssue({ code: 'custom', path: ['check', 'damageNote'], message: 'describe the damage / 请描述损坏情况' });
  });

const checkView = z.object({
  id: z.uuid(),
  kind: z.enum(['checkout', 'return']),
  checkedAt: z.iso.datetime(),
  personName: z.string(),
  batteryPct: z.number().int(),
  freeStorageMb: z.number().int(),
  deviceClock: z.iso.datetime(),
  /** Device clock minus server clock, seconds. */
  clockOffsetSec: z.number().int(),
  damage: z.boolean(),
  damageNote: z.string().nullable(),
  passed: z.boolean(),
  failures: z.array(z.string()),
});

export const checkoutView = z.object({
  id: z.uuid(),
  deviceId: z.uuid(),
  deviceNumber: z.string(),
  personId: z.uuid(),
  personName: z.string(),
  staffNumber: z.string(),
  checkedOutAt: z.iso.datetime(),
  returnedAt: z.iso.datetime().nullable(),
  outCheck: z.object({ batteryPct: z.number().int(), freeStorageMb: z.number().int(), clockOffsetSec: z.number().int(), damage: z.boolean() }),
  returnCheck: z.object({ batteryPct: z.number().int(), freeStorageMb: z.number().int(), clockOffsetSec: z.number().int(), damage: z.boolean() }).nullable(),
  /** Recordings of this device (that the caller may read) whose start falls inside the checkout. */
  recordings: z.number().int(),
});

export const checkoutDone = z.object({
  checkoutId: z.uuid(),
  device: deviceView,
  clockOffsetSec: z.number().int(),
});

export const returnDone = z.object({
  checkoutId: z.uuid(),
  device: deviceView,
  clockOffsetSec: z.number().int(),
  /** 第十条: the day's offload — footage of this checkout goes to the custodian by this deadline. */
  offload: z.object({ day: z.string(), deadline: z.iso.datetime(), recordingsReceived: z.number().int() }),
});

export const openCheckoutsView = z.object({
  items: z.array(
    z.object({
      id: z.uuid(),
      deviceId: z.uuid(),
      deviceNumber: z.string(),
      type: deviceType,
      personId: z.uuid(),
      personName: z.string(),
      staffNumber: z.string(),
      checkedOutAt: z.iso.datetime(),
    }),
  ),
});

export const maintenanceBody = z.strictObject({
  /** Day the work was done (not in the future). */
  performedOn: dateString,
  /** Who did it. */
  performedBy: text(60),
  /** What was done (cleaning, battery test, firmware …). */
  work: multilineText(1000),
});

export const maintenanceView = z.object({ id: z.uuid(), performedOn: z.string(), performedBy: z.string(), work: z.string(), recordedAt: z.iso.datetime() });

export const faultBody = z.strictObject({
  /** What is wrong. */
  description: multilineText(1000),
});

export const faultView = z.object({
  id: z.uuid(),
  deviceId: z.uuid(),
  deviceNumber: z.string(),
  departmentName: z.string(),
  description: z.string(),
  reportedAt: z.iso.datetime(),
  reportedBy: z.string(),
  /** Reported while the device was checked out. */
  duringCheckout: z.boolean(),
  /** Opened by a failed pre-use check. */
  fromCheck: z.boolean(),
  resolvedAt: z.iso.datetime().nullable(),
});

export const repairBody = z
  .strictObject({
    /** The fault this repair addresses (optional). */
    faultId: z.uuid().nullable().optional().default(null),
    /** An authorised repairer from the list … */
    repairerId: z.uuid().nullable().optional().default(null),
    /** … or, for a repair done by someone not on the list (recorded as such, not reimbursable), their name. */
    repairerName: text(100).nullable().optional().default(null),
    diagnosis: multilineText(1000).nullable().optional().default(null),
    /** Cost in yuan. */
    costYuan: z.number().min(0).max(10_000_000).multipleOf(0.01).nullable().optional().default(null),
  })
  .superRefine((v, ctx) => {
    if (!v.repairerId === !v.repairerName) ctx.addIssue({ code: 'custom', path: ['repairerId'], message: 'name one repairer: from the list, or by name / 请选择一个维修单位（名单内）或填写名单外维修人' });
  });

export const repairPatch = z.strictObject({
  diagnosis: multilineText(1000).nullable().optional(),
  costYuan: z.number().min(0).max(10_000_000).multipleOf(0.01).nullable().optional(),
});

export const repairView = z.object({
  id: z.uuid(),
  deviceId: z.uuid(),
  deviceNumber: z.string(),
  faultId: z.uuid().nullable(),
  repairerId: z.uuid().nullable(),
  repairerName: z.string(),
  /** The repairer is on the authorised list (第十九条). */
  authorised: z.boolean(),
  /** Cost may be reimbursed: never for an unauthorised repair. */
  reimbursable: z.boolean(),
  diagnosis: z.string().nullable(),
  costYuan: z.number().nullable(),
  status: z.enum(['open', 'approved', 'closed']),
  openedAt: z.iso.datetime(),
  openedBy: z.string(),
  approvedAt: z.iso.datetime().nullable(),
  approvedBy: z.string().nullable(),
  returnedToServiceAt: z.iso.datetime().nullable(),
});

export const repairerBody = z.strictObject({ name: text(100), contact: text(100).nullable().optional().default(null) });
export const repairerPatch = z.strictObject({ contact: text(100).nullable(), active: z.boolean() }).partial();
export const repairerView = z.object({ id: z.uuid(), name: z.string(), contact: z.string().nullable(), active: z.boolean() });

export const typePolicyView = z.object({ type: deviceType, maintenanceIntervalDays: z.number().int() });
export const typePolicyBody = z.strictObject({ maintenanceIntervalDays: z.number().int().min(1).max(3650) });
export const typeParams = z.object({ type: deviceType });

export const findingView = z.object({
  id: z.uuid(),
  deviceId: z.uuid(),
  deviceNumber: z.string(),
  repairId: z.uuid().nullable(),
  kind: z.enum(['unauthorised_repair']),
  details: z.record(z.string(), z.unknown()),
  foundAt: z.iso.datetime(),
});

export const reminderView = z.object({
  /** Today in Asia/Shanghai, as the reminders were computed. */
  today: z.string(),
  reminderDays: z.number().int(),
  items: z.array(z.object({ device: deviceView, dueOn: z.string(), overdue: z.boolean(), daysLeft: z.number().int() })),
});

const eventView = z.object({ id: z.string(), at: z.iso.datetime(), kind: z.string(), actor: z.string().nullable(), details: z.record(z.string(), z.unknown()) });

export const deviceDetail = z.object({
  device: deviceView,
  history: z.array(eventView),
  checks: z.array(checkView),
  checkouts: z.array(checkoutView),
  maintenance: z.array(maintenanceView),
  faults: z.array(faultView),
  repairs: z.array(repairView),
  findings: z.array(findingView),
});

export const usageView = z.object({
  checkouts: z.array(checkoutView),
  /** Checkouts (returned) during which the device recorded nothing the caller can see. */
  checkoutsWithoutRecordings: z.array(z.uuid()),
  recordings: z.array(
    z.object({
      id: z.uuid(),
      fileName: z.string(),
      recordedStart: z.iso.datetime(),
      recordedEnd: z.iso.datetime().nullable(),
      checkoutId: z.uuid().nullable(),
      /** Who had the device then. */
      holder: z.string().nullable(),
      /** 第二十条: no checkout covers this recording — possible unrelated use, for review (not a judgement). */
      outsideCheckout: z.boolean(),
    }),
  ),
});

export const reviewView = z.object({
  items: z.array(
    z.object({
      recordingId: z.uuid(),
      fileName: z.string(),
      deviceNumber: z.string(),
      recordedStart: z.iso.datetime(),
      uploadedAt: z.iso.datetime(),
      reason: z.enum(['unknown_device', 'outside_checkout']),
    }),
  ),
});

/** What the devices register knows about one recording: clock notes and review flags. */
export const recordingDeviceNotes = z.object({
  deviceNumber: z.string().nullable(),
  deviceId: z.uuid().nullable(),
  /** The device number is not in the register (flagged at ingest, never refused). */
  unknownDevice: z.boolean(),
  /** No checkout of the device covers the recording's start (第二十条: for review). */
  outsideCheckout: z.boolean(),
  holder: z.string().nullable(),
  /**
   * Correction notes: the device clock's offset measured at the checks around this recording and the times
   * corrected by it. The recording's own times and their history are unchanged.
   */
  clockNotes: z.array(
    z.object({
      check: z.enum(['checkout', 'return']),
      checkedAt: z.iso.datetime(),
      clockOffsetSec: z.number().int(),
      correctedStart: z.iso.datetime(),
      correctedEnd: z.iso.datetime().nullable(),
      zh: z.string(),
      en: z.string(),
    }),
  ),
});

export const importBody = z.strictObject({
  /** csv (UTF-8, with or without BOM) or xlsx. */
  format: z.enum(['csv', 'xlsx']),
  /** The file, base64 (at most 5 MB decoded). */
  contentBase64: z.string().min(1).max(7_000_000),
  /** Check only: report what would be imported, change nothing. */
  dryRun: z.boolean().optional().default(false),
});

export const importResult = z.object({
  dryRun: z.boolean(),
  /** Rows read (header excluded). */
  rows: z.number().int(),
  /** Devices registered (0 on a dry run). */
  imported: z.number().int(),
  /** Device numbers that were (or would be) imported. */
  importedNumbers: z.array(z.string()),
  /** Bad rows, by row (1 = header) and column; nothing of a bad row is imported. */
  errors: z.array(z.object({ row: z.number().int(), column: z.string(), value: z.string(), zh: z.string(), en: z.string() })),
});

export const exportQuery = z.object({ format: z.enum(['csv', 'xlsx']).default('csv') });
