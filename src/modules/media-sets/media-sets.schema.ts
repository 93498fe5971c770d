import { z } from 'zod';
import { dateString, multilineText, text } from '../../platform/http/schemas.ts';

export const mediaType = z.enum(['cd', 'dvd', 'bd', 'removable']).meta({ id: 'MediaType' });
export const mediaFormat = z.enum(['iso', 'folder']).meta({ id: 'MediaFormat' });

/** A new disc / removable-media set built from approved long-term preservation marks (第十二条). */
export const mediaSetCreate = z
  .strictObject({
    /** 介质类型: CD 700 MB, DVD 4.7 GB, BD 25 GB, or a removable drive of `volumeBytes`. */
    mediaType,
    /** Size of one removable drive in bytes (removable only; at least 2 MiB). */
    volumeBytes: z.number().int().min(2 * 1024 * 1024).max(64 * 1024 ** 4).optional(),
    /** ISO image (discs) or a plain folder (removable drives). Discs are always ISO. */
    format: mediaFormat.default('iso'),
    /** Volume label base: A–Z, 0–9 and _, at most 24 (each volume gets `_n`). */
    label: z.string().regex(/^[A-Z0-9_]{1,24}$/, { error: 'A–Z, 0–9 and _ only, at most 24 / 卷标只能用大写字母、数字和下划线，最多 24 个' }),
    /** The approved marks to include; omitted: every approved mark not yet on a set. */
    markIds: z.array(z.uuid()).min(1).max(500).optional(),
    /** The department the set belongs to (default: the caller's). */
    departmentId: z.uuid().optional(),
  })
  .superRefine((v, ctx) => {
    if (v.mediaType === 'removable' && !v.volumeBytes) ctx.addIssue({ code: 'custom', path: ['volumeBytes'], message: 'a removable drive needs its size / 移动存储介质须填写容量' });
    if (v.mediaType !== 'removable' && v.volumeBytes) ctx.addIssue({ code: 'custom', path: ['volumeBytes'], message: 'a disc has a fixed size / 光盘容量固定，不能指定' });
    if (v.mediaType !== 'removable' && v.format === 'folder') ctx.addIssue({ code: 'custom', path: ['format'], message: 'discs are written as ISO images / 光盘只能生成 ISO 映像' });
  });

export const volumeView = z.object({
  id: z.uuid(),
  volumeNo: z.number(),
  volumeCount: z.number(),
  label: z.string(),
  imageName: z.string().nullable(),
  imageBytes: z.number().nullable(),
  imageSha256: z.string().nullable(),
  verifiedAt: z.string().nullable(),
  verifyOk: z.boolean().nullable(),
  verifyDetail: z.string().nullable(),
  files: z.number(),
  bytes: z.number(),
});

export const mediaSetView = z
  .object({
    id: z.uuid(),
    label: z.string(),
    mediaType,
    volumeBytes: z.number(),
    format: mediaFormat,
    departmentId: z.uuid(),
    departmentName: z.string(),
    state: z.enum(['queued', 'building', 'built', 'failed']),
    /** Progress of the build: bytes copied and read back of all (both counted). */
    doneBytes: z.number(),
    totalBytes: z.number(),
    phase: z.string().nullable(),
    error: z.string().nullable(),
    createdAt: z.string(),
    builtAt: z.string().nullable(),
    volumes: z.array(volumeView),
  })
  .meta({ id: 'MediaSet' });

export const mediumStatus = z.enum(['unchecked', 'ok', 'unreadable', 'missing', 'mismatch']).meta({ id: 'MediumStatus' });

/** Registering the physical medium made from a volume. */
export const mediumCreate = z.strictObject({
  /** The label written on the medium (unique). */
  label: text(100),
  mediaType,
  /** 制作人 — who made (burned / copied) it. */
  maker: text(100),
  /** 制作日期 */
  madeOn: dateString,
  /** 存放位置 — where it is kept (archive room, cabinet, shelf). */
  storagePlace: text(200),
});

export const mediumView = z
  .object({
    id: z.uuid(),
    volumeId: z.uuid(),
    setId: z.uuid(),
    label: z.string(),
    mediaType,
    maker: z.string(),
    madeOn: z.string(),
    storagePlace: z.string(),
    registeredAt: z.string(),
    registeredBy: z.string(),
    volumeNo: z.number(),
    volumeCount: z.number(),
    volumeLabel: z.string(),
    nextCheckDue: z.string(),
    status: mediumStatus,
    lastCheckedAt: z.string().nullable(),
    /** The check is due (or the medium is in this round's sample). */
    due: z.boolean(),
    /** Sampled by a scheduled check round whose due date passed, and not checked since it opened. */
    overdue: z.boolean(),
    /** The medium's alert (工作台): its last check found it missing / unreadable / mismatching, or it is overdue; null: none. */
    alert: z.enum(['missing', 'unreadable', 'mismatch', 'overdue']).nullable(),
  })
  .meta({ id: 'PhysicalMedium' });

export const checkView = z.object({
  id: z.uuid(),
  checkedAt: z.string(),
  checkedBy: z.string(),
  method: z.enum(['image', 'reported']),
  result: z.enum(['ok', 'unreadable', 'missing', 'mismatch']),
  detail: z.string().nullable(),
});

/**
 * A check the operator reports (the medium is missing, cannot be read, or the offline verifier on the medium
 * said OK / FAILED). A check by image is sent as the image's bytes to …/checks/image instead.
 */
export const reportedCheck = z
  .strictObject({
    result: z.enum(['ok', 'unreadable', 'missing', 'mismatch']),
    /** What was done and seen (required: e.g. "verify.sh on PC 3: ALL OK"). */
    detail: multilineText(1000, 2),
  });

/** A scheduled check round (0025): when it opened, by when its sample must be checked, and the sample. */
export const checkRoundView = z.object({
  id: z.uuid(),
  openedAt: z.string(),
  dueAt: z.string(),
  /** The settings in force when it opened. */
  intervalMonths: z.number(),
  samplePercent: z.number(),
  /** Media registered when it opened (all departments). */
  mediaTotal: z.number(),
  media: z.array(
    z.object({
      id: z.uuid(),
      label: z.string(),
      /** due: its own check was due; sample: picked to reach the sample share. */
      reason: z.enum(['due', 'sample']),
      /** The first check since the round opened; null: not checked yet. */
      checkedAt: z.string().nullable(),
      /** Not checked and the round's due date has passed (an alert). */
      overdue: z.boolean(),
    }),
  ),
});
