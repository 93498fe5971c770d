import { z } from 'zod';
import { dateString, multilineText, text } from '../../platform/http/schemas.ts';
import { CASE_STAGES } from './case-stages.ts';

/** 案件阶段 code (立案 … 结案). */
export const caseStage = z.enum(CASE_STAGES).meta({ id: 'CaseStage' });
/** 简易程序 / 一般程序. */
export const procedure = z.enum(['simple', 'general']);

/** A party (当事人) as written: the ID number is encrypted before storage and shown masked afterwards. */
export const partyCreate = z.strictObject({
  /** person 自然人 or organisation 法人/其他组织. */
  kind: z.enum(['person', 'organisation']),
  name: text(200),
  /** resident_id 居民身份证, credit_code 统一社会信用代码, passport 护照, other. */
  idType: z.enum(['resident_id', 'credit_code', 'passport', 'other']),
  /** The ID number: letters, digits and hyphens. */
  idNumber: z
    .string()
    .trim()
    .min(4)
    .max(40)
    .regex(/^[0-9A-Za-z-]+$/, 'letters, digits and - only / 仅限字母、数字和连字符'),
  /** 法定代表人 of an organisation. */
  representative: text(100).nullable().optional(),
  address: text(300).nullable().optional(),
});

const officerRef = z.strictObject({ personId: z.uuid(), lead: z.boolean().optional() });

/** 立案: a new case. */
export const caseCreate = z.strictObject({
  /** 案件编号, unique in the installation. */
  caseNumber: text(100),
  /** 案由. */
  cause: text(500),
  /** Kind of enforcement act (a category of the recording checklist): penalty, coercion, inspection … */
  actKind: z.string().regex(/^[a-z][a-z0-9_]{0,39}$/),
  procedure,
  /** Whether coercive measures (查封、扣押 …) were taken: their checklist rows then apply. */
  coerciveMeasures: z.boolean().default(false),
  departmentId: z.uuid(),
  /** 立案日期 (Beijing date); today when left out. */
  filedOn: dateString.optional(),
  /** 承办人员: at least two qualified officers in the general procedure (第七条). */
  officers: z.array(officerRef).min(1).max(20),
  parties: z.array(partyCreate).max(50).default([]),
});

export const caseUpdate = z.strictObject({
  cause: text(500).optional(),
  coerciveMeasures: z.boolean().optional(),
  officers: z.array(officerRef).min(1).max(20).optional(),
});

/** A stage change: the reason is required for a skip (other than the hearing alone) or a move back. */
export const stageMove = z.strictObject({
  to: caseStage,
  reason: multilineText(1000, 4).optional(),
  /** The Beijing date of the change; today when left out. */
  on: dateString.optional(),
});

export const revealBody = z.strictObject({ reason: text(200, 2) });

export const linkCreate = z.strictObject({ recordingId: z.uuid(), stage: caseStage, note: text(300).nullable().optional() });
export const linkFromRecording = linkCreate.omit({ recordingId: true }).extend({ caseId: z.uuid() });
export const unlinkBody = z.strictObject({ reason: multilineText(500, 2) });
export const writtenReasonCreate = z.strictObject({ stage: caseStage, reason: multilineText(1000, 4) });

export const deadlineCreate = z.strictObject({
  /** reconsideration 行政复议 or litigation 行政诉讼. */
  kind: z.enum(['reconsideration', 'litigation']),
  /** Beijing date the application / complaint copy was received. */
  receivedOn: dateString,
  /** The reconsideration is under the simplified procedure (5 days); default: the case's own procedure. */
  simplified: z.boolean().optional(),
  /** 复议机关 / 人民法院. */
  authority: text(200, 0).optional(),
  /** 案号 of the reconsideration or lawsuit. */
  reference: text(100, 0).optional(),
});
export const deliveredBody = z.strictObject({ deliveredOn: dateString, note: text(300).nullable().optional() });

export const caseListQuery = z.object({
  status: caseStage.optional(),
  procedure: procedure.optional(),
  departmentId: z.uuid().optional(),
  q: z.string().trim().max(100).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(500).optional(),
});

export const caseListItem = z.object({
  id: z.uuid(),
  caseNumber: z.string(),
  cause: z.string(),
  actKind: z.string(),
  procedure,
  status: caseStage,
  filedOn: z.string(),
  closedOn: z.string().nullable(),
  departmentId: z.uuid(),
  departmentName: z.string(),
  /** Party names joined with 、. */
  parties: z.string(),
});

export const deadlineView = z.object({
  id: z.uuid(),
  caseId: z.uuid(),
  caseNumber: z.string(),
  cause: z.string(),
  kind: z.enum(['reconsideration', 'litigation']),
  receivedOn: z.string(),
  periodDays: z.number(),
  workingDays: z.boolean(),
  dueOn: z.string(),
  authority: z.string(),
  reference: z.string(),
  recordedBy: z.string(),
  recordedAt: z.string(),
  deliveredOn: z.string().nullable(),
  deliveredBy: z.string().nullable(),
  deliveryNote: z.string().nullable(),
  deliveredPackageId: z.string().nullable(),
  /** Days left in Beijing dates (0 = due today, negative = overdue); null once delivered. */
  daysLeft: z.number().nullable(),
});

const checklistRow = z.object({
  category: z.string(),
  item: z.string(),
  method: z.enum(['av', 'written']),
  appliesWhen: z.enum(['always', 'coercive_measures']),
  startsWhen: z.string(),
  covers: z.string(),
  endsWhen: z.string(),
});

export const caseView = z.object({
  id: z.uuid(),
  caseNumber: z.string(),
  cause: z.string(),
  actKind: z.string(),
  procedure,
  coerciveMeasures: z.boolean(),
  departmentId: z.uuid(),
  departmentName: z.string(),
  status: caseStage,
  filedOn: z.string(),
  closedOn: z.string().nullable(),
  checklistVersion: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
  parties: z.array(
    z.object({
      id: z.uuid(),
      kind: z.enum(['person', 'organisation']),
      name: z.string(),
      idType: z.enum(['resident_id', 'credit_code', 'passport', 'other']),
      /** 3201**********1234: the full number only through the audited reveal. */
      idMasked: z.string(),
      representative: z.string().nullable(),
      address: z.string().nullable(),
    }),
  ),
  officers: z.array(z.object({ personId: z.uuid(), name: z.string(), staffNumber: z.string(), lead: z.boolean(), certificateNumber: z.string().nullable(), qualifiedToday: z.boolean() })),
  stages: z.array(
    z.object({
      id: z.uuid(),
      fromStage: caseStage.nullable(),
      toStage: caseStage,
      kind: z.enum(['file', 'advance', 'skip', 'back']),
      skipped: z.array(caseStage),
      reason: z.string().nullable(),
      occurredOn: z.string(),
      at: z.string(),
      by: z.string(),
    }),
  ),
  checklist: z.array(
    z.object({
      stage: caseStage,
      /** av: needs linked AV or a written reason; written: text records suffice; none: no checklist row. */
      required: z.enum(['av', 'written', 'none']),
      items: z.array(checklistRow),
      entered: z.boolean(),
      linkedRecordings: z.number(),
      writtenReason: z.object({ reason: z.string(), by: z.string(), at: z.string() }).nullable(),
      gap: z.boolean(),
    }),
  ),
  gaps: z.array(caseStage),
  links: z.array(
    z.object({
      id: z.uuid(),
      recordingId: z.uuid(),
      stage: caseStage,
      note: z.string().nullable(),
      linkedBy: z.string(),
      linkedAt: z.string(),
      unlinkedBy: z.string().nullable(),
      unlinkedAt: z.string().nullable(),
      unlinkReason: z.string().nullable(),
      recording: z.object({ fileName: z.string(), recordedStart: z.string(), recordedEnd: z.string().nullable(), deviceNumber: z.string().nullable(), activity: z.string() }),
    }),
  ),
  /** Live links to recordings the caller may not see (counted for the checklist, not listed). */
  hiddenLinks: z.number(),
  deadlines: z.array(deadlineView),
  canEdit: z.boolean(),
  canReveal: z.boolean(),
});

export const recordingCases = z.object({
  items: z.array(
    z.object({
      linkId: z.uuid(),
      caseId: z.uuid(),
      caseNumber: z.string(),
      cause: z.string(),
      status: caseStage,
      stage: caseStage,
      note: z.string().nullable(),
      linkedBy: z.string(),
      linkedAt: z.string(),
    }),
  ),
});

export const gapList = z.object({
  items: z.array(z.object({ caseId: z.uuid(), caseNumber: z.string(), cause: z.string(), status: caseStage, stage: caseStage, items: z.array(z.string()) })),
});

export const checklistItemInput = z.strictObject({
  actKind: z.string().regex(/^[a-z][a-z0-9_]{0,39}$/),
  category: text(50),
  item: text(100),
  stage: caseStage,
  method: z.enum(['av', 'written']),
  appliesWhen: z.enum(['always', 'coercive_measures']).default('always'),
  startsWhen: text(300, 0).default(''),
  covers: text(500, 0).default(''),
  endsWhen: text(300, 0).default(''),
});
export const checklistSave = z.strictObject({ note: text(200), items: z.array(checklistItemInput).min(1).max(500) });
export const checklistView = z.object({ version: z.number(), note: z.string(), createdAt: z.string(), items: z.array(checklistItemInput.extend({})) });
export const checklistVersions = z.object({ items: z.array(z.object({ version: z.number(), note: z.string(), createdAt: z.string(), createdBy: z.string().nullable(), itemCount: z.number() })) });
