import { z } from 'zod';
import { text } from '../../platform/http/schemas.ts';

/** Every system setting, with its schema and default. Settings are data an admin edits, never code. */
export const settingsRegistry = {
  /** 机关名称 — the agency's name: descriptive data kept for the reports and evidence packages to come (nothing prints it yet). */
  'agency.name': { schema: text(100), default: '市商务局商务综合执法支队', label: { zh: '机关名称', en: 'Agency name' }, input: { type: 'text' } },
  /** 全宗号 — fonds number used in archive references (DA/T 22). */
  'agency.fondsNumber': { schema: text(20, 0), default: '', label: { zh: '全宗号', en: 'Fonds number' }, input: { type: 'text' } },
  /** 第十条: hour of the recording day by which footage must be offloaded (24 = midnight). */
  'offload.cutoffHour': {
    schema: z.number().int().min(1).max(48),
    default: 24,
    label: { zh: '当日上传截止时间（时，24 为当天午夜）', en: 'Same-day offload cut-off (hour; 24 = midnight)' },
    input: { type: 'integer', min: 1, max: 48 },
  },
  /** Fixity (完整性巡检): every stored object is re-hashed at least once in this many days. */
  'fixity.periodDays': {
    schema: z.number().int().min(1).max(3650),
    default: 30,
    label: { zh: '完整性巡检周期（天，每个存储文件至少复核一次）', en: 'Fixity period (days; every stored file is re-hashed once per period)' },
    input: { type: 'integer', min: 1, max: 3650 },
  },
  /** Fixity: read budget of scheduled checks, so ingest and playback keep the disk. */
  'fixity.readMBps': {
    schema: z.number().int().min(1).max(100000),
    default: 50,
    label: { zh: '完整性巡检读取速率上限（MB/秒，保障采集与播放优先）', en: 'Fixity read budget (MB/s; ingest and playback keep priority)' },
    input: { type: 'integer', min: 1, max: 100000 },
  },
  /** 第十四条 policy table exception: hours after upload the uploader / recording officer sees their own footage without a grant (tagging). 0 = never. */
  'access.ownMediaHours': {
    schema: z.number().int().min(0).max(720),
    default: 24,
    label: { zh: '上传后本人可查看自己声像资料（缩略图、代理视频）的小时数（0 为不可，须审批）', en: 'Hours after upload the uploader/recording officer may view their own footage (thumbnail, proxy) without approval (0 = never)' },
    input: { type: 'integer', min: 0, max: 720 },
  },
  /** Break-glass (紧急调阅): fixed length of an emergency grant, in hours. */
  'access.breakGlassHours': {
    schema: z.number().int().min(1).max(24),
    default: 2,
    label: { zh: '紧急调阅有效时长（小时）', en: 'Emergency (break-glass) access period (hours)' },
    input: { type: 'integer', min: 1, max: 24 },
  },
  /** Case documents (案卷文书): most pages one uploaded document may have (a thicker one is uploaded in parts). */
  'caseFile.maxDocumentPages': {
    schema: z.number().int().min(1).max(10000),
    default: 500,
    label: { zh: '每份案卷文书的最大页数', en: 'Most pages per case document' },
    input: { type: 'integer', min: 1, max: 10000 },
  },
  /** 第十三条 / 行政复议法 art. 48: days to hand the reconsideration body the evidence and basis. */
  'deadlines.reconsiderationDays': {
    schema: z.number().int().min(1).max(60),
    default: 10,
    label: { zh: '行政复议提交证据期限（工作日）', en: 'Reconsideration: evidence hand-over period (working days)' },
    input: { type: 'integer', min: 1, max: 60 },
  },
  /** 行政复议法 art. 54: the same under the simplified reconsideration procedure (简易程序). */
  'deadlines.reconsiderationSimpleDays': {
    schema: z.number().int().min(1).max(60),
    default: 5,
    label: { zh: '行政复议（简易程序）提交证据期限（工作日）', en: 'Reconsideration, simplified procedure: evidence period (working days)' },
    input: { type: 'integer', min: 1, max: 60 },
  },
  /** 行政诉讼法 art. 67: days after receiving the complaint to hand the court the evidence. */
  'deadlines.litigationDays': {
    schema: z.number().int().min(1).max(90),
    default: 15,
    label: { zh: '行政诉讼提交证据期限（日）', en: 'Litigation: evidence hand-over period (days)' },
    input: { type: 'integer', min: 1, max: 90 },
  },
  /**
   * Statutory holidays (法定休假日) the deadline counting skips: Beijing dates, comma-separated, and
   * make-up working weekends (调休上班) prefixed with `+` (e.g. `2026-10-01,2026-10-02,+2026-10-10`).
   * The State Council publishes them each year; the admin enters them.
   */
  'deadlines.holidays': {
    schema: z
      .string()
      .trim()
      .max(4000)
      .regex(/^(\+?\d{4}-\d{2}-\d{2}(\s*,\s*\+?\d{4}-\d{2}-\d{2})*)?$/, 'comma-separated dates YYYY-MM-DD, make-up working days with + / 以逗号分隔的日期 YYYY-MM-DD，调休上班日前加 +'),
    default: '',
    label: { zh: '法定节假日（期限计算跳过；调休上班日前加 +）', en: 'Statutory holidays skipped by deadlines (make-up working days prefixed with +)' },
    input: { type: 'text' },
  },
  /** 第十八条: a pre-use check with less battery than this refuses the checkout. */
  'devices.minBatteryPercent': {
    schema: z.number().int().min(0).max(100),
    default: 80,
    label: { zh: '设备领用前检查：最低电量（%）', en: 'Device pre-use check: minimum battery (%)' },
    input: { type: 'integer', min: 0, max: 100 },
  },
  /** 第十八条: a pre-use check with less free storage than this refuses the checkout. */
  'devices.minFreeStorageMb': {
    schema: z.number().int().min(0).max(10_000_000),
    default: 2048,
    label: { zh: '设备领用前检查：最少剩余存储空间（MB）', en: 'Device pre-use check: minimum free storage (MB)' },
    input: { type: 'integer', min: 0, max: 10_000_000 },
  },
  /** 第十八条: days before a device's maintenance falls due that 工作台 starts reminding. */
  'devices.maintenanceReminderDays': {
    schema: z.number().int().min(0).max(365),
    default: 14,
    label: { zh: '设备保养到期前提前提醒天数', en: 'Days before maintenance is due that the dashboard reminds' },
    input: { type: 'integer', min: 0, max: 365 },
  },
  /** 档案法实施条例 art. 41: each registered preservation medium is re-verified at least this often (months); the scheduled job opens a check round once per interval. */
  'media.checkIntervalMonths': {
    schema: z.number().int().min(1).max(120),
    default: 12,
    label: { zh: '长期保存介质复检周期（月）', en: 'Re-verification interval of preservation media (months)' },
    input: { type: 'integer', min: 1, max: 120 },
  },
  /** Archive rules (GB/T 18894): each check round samples at least this share of all media (never below 10 %). */
  'media.checkSamplePercent': {
    schema: z.number().int().min(10).max(100),
    default: 10,
    label: { zh: '每轮抽检介质比例（%，不低于 10）', en: 'Share of media sampled per check round (%, at least 10)' },
    input: { type: 'integer', min: 10, max: 100 },
  },
  /** 0025: days the media sampled by a scheduled check round have to be checked before each is an overdue alert. */
  'media.checkRoundDays': {
    schema: z.number().int().min(1).max(365),
    default: 30,
    label: { zh: '定期复检轮次的完成期限（天，逾期未检的介质告警）', en: 'Days to complete a scheduled media check round (unchecked media then alert as overdue)' },
    input: { type: 'integer', min: 1, max: 365 },
  },
  /** 销毁冷静期: days an approved disposal waits (a leader may restore items meanwhile) before bytes are deleted. */
  'retention.disposalGraceDays': {
    schema: z.number().int().min(0).max(90),
    default: 7,
    label: { zh: '销毁审批后的冷静期（天，期间领导可恢复；0 为不等待）', en: 'Disposal grace period after approval (days; a leader may restore meanwhile; 0 = none)' },
    input: { type: 'integer', min: 0, max: 90 },
  },
  /** 工作台: how many days ahead the retention digest lists recordings reaching their date. */
  'retention.digestDays': {
    schema: z.number().int().min(1).max(365),
    default: 30,
    label: { zh: '工作台提示即将到期的天数（保存期限）', en: 'Days ahead the dashboard lists recordings reaching their retention date' },
    input: { type: 'integer', min: 1, max: 365 },
  },
  /** 0028: days routine 'ok' fixity checks are kept (failures, workstation checks and each object's latest check: for ever). */
  'fixity.checkHistoryDays': {
    schema: z.number().int().min(30).max(36500),
    default: 400,
    label: {
      zh: '完整性巡检正常记录的保留天数（不少于 30；异常记录、采集工作站核验记录和每个文件的最近一次记录永久保留）',
      en: 'Days routine OK fixity checks are kept (at least 30; failures, workstation checks and each file’s latest check are kept for ever)',
    },
    input: { type: 'integer', min: 30, max: 36500 },
  },
  /** 0028: days finished jobs stay listed on the jobs page (their audit events stay for ever). */
  'jobs.historyDays': {
    schema: z.number().int().min(1).max(3650),
    default: 90,
    label: { zh: '后台任务完成记录的保留天数（任务产生的审计事件永久保留）', en: 'Days finished jobs stay listed (the audit events they wrote are kept for ever)' },
    input: { type: 'integer', min: 1, max: 3650 },
  },
  /** 0028: hours after which a case-file object written without its row (a crash, a failed insert) is removed. */
  'storage.orphanSweepHours': {
    schema: z.number().int().min(1).max(720),
    default: 24,
    label: {
      zh: '案卷文件写入后未登记的孤立对象的清理等待时间（小时；有记录引用的对象从不清理）',
      en: 'Hours before a case-file object stored without its row (a crash, a failed insert) is removed (objects any row references are never removed)',
    },
    input: { type: 'integer', min: 1, max: 720 },
  },
} as const;

export type SettingKey = keyof typeof settingsRegistry;
export const settingKeys = Object.keys(settingsRegistry) as [SettingKey, ...SettingKey[]];
