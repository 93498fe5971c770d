import { z } from 'zod';
import { multilineText } from '../../platform/http/schemas.ts';

/** Record categories of the retention table (AV linked to a case inherits the case file's period). */
export const retentionCategory = z.enum(['av_patrol', 'av_other', 'case_file_general', 'case_file_simple']).meta({ id: 'RetentionCategory' });

/** One period of the table. */
export const retentionRule = z.strictObject({
  category: retentionCategory,
  /** months | years | permanent (永久). */
  unit: z.enum(['months', 'years', 'permanent']),
  /** How many months or years; null for permanent. */
  count: z.number().int().min(1).max(1200).nullable().optional(),
});

export const versionPropose = z.strictObject({
  /** Why the table changes (e.g. the archive authority's approval reference). */
  note: multilineText(2000, 0).default(''),
  /** Every category exactly once. */
  rules: z.array(retentionRule).min(1).max(10),
});

export const versionView = z.object({
  id: z.string(),
  version: z.number(),
  note: z.string(),
  proposedBy: z.string().nullable(),
  proposedAt: z.string(),
  approvedBy: z.string().nullable(),
  approvedAt: z.string().nullable(),
  /** current: in force; superseded: an older approved version; proposed: awaiting a leader. */
  state: z.enum(['current', 'superseded', 'proposed']),
  rules: z.array(z.object({ category: z.string(), unit: z.string(), count: z.number().nullable() })),
});

const holdView = z.object({ id: z.string(), kind: z.string(), reason: z.string(), placedAt: z.string() });

/** A recording's computed retention: keepUntil null = 永久 / 保全中 / pending (see basis). */
export const recordingRetentionView = z.object({
  /** Kept through this Beijing date; null when there is no date. */
  keepUntil: z.string().nullable(),
  /** av_patrol | av_other | case_file_general | case_file_simple | case_archive_cover | case_pending | case_held | hold | not_computed. */
  basis: z.string(),
  basisCase: z.object({ id: z.string(), caseNumber: z.string().nullable() }).nullable(),
  ruleVersion: z.number().nullable(),
  disposedAt: z.string().nullable(),
  store: z.object({ retainUntil: z.string().nullable(), legalHold: z.boolean(), synced: z.boolean() }).nullable(),
  holds: z.array(holdView),
});

export const caseRetentionView = z.object({
  keepUntil: z.string().nullable(),
  basis: z.string(),
  ruleVersion: z.number().nullable(),
  /** When the case file's stored bytes were destroyed by an approved disposal (its tombstone stays); null: not. */
  disposedAt: z.string().nullable(),
  holds: z.array(holdView),
});

export const digestView = z.object({
  from: z.string(),
  until: z.string(),
  total: z.number(),
  items: z.array(z.object({ id: z.string(), fileName: z.string(), recordedStart: z.string(), activity: z.string(), keepUntil: z.string(), basis: z.string() })),
});

export const holdCreate = z.strictObject({
  subjectType: z.enum(['recording', 'case_file']),
  subjectId: z.uuid(),
  reason: multilineText(2000),
});

export const batchPropose = z.strictObject({
  /** Recordings to propose; every one must be due. Both lists omitted: everything due now. */
  recordingIds: z.array(z.uuid()).min(1).max(1000).optional(),
  /** Case files (by case id) to propose; every one must be due (a 永久 file never is). */
  caseIds: z.array(z.uuid()).min(1).max(1000).optional(),
});

export const restoreBody = z.strictObject({ reason: multilineText(2000) });

export const batchView = z.object({
  id: z.string(),
  proposedBy: z.string().nullable(),
  proposedAt: z.string(),
  approvedBy: z.string().nullable(),
  approvedAt: z.string().nullable(),
  graceUntil: z.string().nullable(),
  completedAt: z.string().nullable(),
  state: z.enum(['proposed', 'in_grace', 'executing', 'done']),
  items: z.array(
    z.object({
      id: z.string(),
      /** What the item disposes of: a recording (声像资料) or a case file (案卷). */
      subjectType: z.enum(['recording', 'case_file']),
      /** Recording items: the recording, its file name and start; null for case files. */
      recordingId: z.string().nullable(),
      fileName: z.string().nullable(),
      recordedStart: z.string().nullable(),
      /** Case-file items: the case, its number, 归档号 and closing date; null for recordings. */
      caseId: z.string().nullable(),
      caseNumber: z.string().nullable(),
      archiveNumber: z.string().nullable(),
      closedOn: z.string().nullable(),
      keepUntil: z.string(),
      basis: z.string(),
      state: z.enum(['proposed', 'restored', 'deleting', 'deleted']),
      restoredBy: z.string().nullable(),
      restoredAt: z.string().nullable(),
      restoreReason: z.string().nullable(),
      deletedAt: z.string().nullable(),
    }),
  ),
});
