import { z } from 'zod';
import { multilineText, text } from '../../platform/http/schemas.ts';

/**
 * Annotations (标注) and transcripts (转写) of a recording (issue 8 §6): time-range records kept beside the
 * recording, versioned (an edit or a deletion appends a version) and audited.
 */

/** 'note': a time-range note (标注); 'transcript': a typed segment of what is said (转写). */
export const annotationLayer = z.enum(['note', 'transcript']).meta({ id: 'AnnotationLayer' });
/** A note's kind: 重点内容 key content, or 说明 a note. Transcript segments have none. */
export const annotationKind = z.enum(['key_content', 'note']).meta({ id: 'AnnotationKind' });

/** Longest text of one note or segment (characters). */
export const ANNOTATION_TEXT_MAX = 4000;
/** A bound well past any recording (the duration check is the real one); keeps milliseconds in an integer. */
const SECONDS_MAX = 2_000_000;

/** Seconds from the recording's start; kept to the millisecond. */
const seconds = z.number().min(0).max(SECONDS_MAX);
const ms = (sec: number) => Math.round(sec * 1000);

const rangeCheck = (v: { startSec: number; endSec: number }, ctx: z.RefinementCtx) => {
  if (ms(v.endSec) <= ms(v.startSec)) ctx.addIssue({ code: 'custom', path: ['endSec'], message: 'the end must be after the start / 结束时间须晚于开始时间' });
};

/** A new note or transcript segment. */
export const annotationCreate = z
  .strictObject({
    layer: annotationLayer,
    /** Notes: required. Transcript segments: absent. */
    kind: annotationKind.optional(),
    /** Transcript segments: who speaks (optional). Notes: absent. */
    speaker: text(100).optional(),
    /** Where the range starts, in seconds from the recording's start. */
    startSec: seconds,
    /** Where it ends (after the start, within the recording's duration). */
    endSec: seconds,
    /** The note or the words said; 1–4000 characters. */
    text: multilineText(ANNOTATION_TEXT_MAX),
  })
  .superRefine((v, ctx) => {
    rangeCheck(v, ctx);
    if (v.layer === 'note' && !v.kind) ctx.addIssue({ code: 'custom', path: ['kind'], message: 'choose the kind of note / 请选择标注类型' });
    if (v.layer === 'transcript' && v.kind) ctx.addIssue({ code: 'custom', path: ['kind'], message: 'a transcript segment has no kind / 转写段落没有标注类型' });
    if (v.layer === 'note' && v.speaker) ctx.addIssue({ code: 'custom', path: ['speaker'], message: 'a note has no speaker / 标注没有说话人' });
  });
export type AnnotationCreate = z.infer<typeof annotationCreate>;

/** A new version of a note or segment: the whole content, and the version it was edited from. */
export const annotationEdit = z
  .strictObject({
    /** The version the edit starts from; a later one existing → 409 (someone else changed it). */
    version: z.number().int().min(1),
    /** Notes: required. Transcript segments: absent. */
    kind: annotationKind.optional(),
    /** Transcript segments: who speaks (absent or null: nobody named). */
    speaker: text(100).nullable().optional(),
    startSec: seconds,
    endSec: seconds,
    text: multilineText(ANNOTATION_TEXT_MAX),
  })
  .superRefine(rangeCheck);
export type AnnotationEdit = z.infer<typeof annotationEdit>;

/** ?version= of a deletion: the version deleted (a later one existing → 409). */
export const annotationDeleteQuery = z.object({ version: z.coerce.number().int().min(1) });

/** ?layer=&includeDeleted= of a recording's list. */
export const annotationListQuery = z.object({
  /** One layer only; both when absent. */
  layer: annotationLayer.optional(),
  /** Also list deleted entries (their last version, marked `deleted`). */
  includeDeleted: z.enum(['true', 'false']).optional(),
});

const userRef = z.object({ id: z.uuid(), username: z.string(), displayName: z.string().nullable() });

/** A note or segment as it stands now (its latest version). */
export const annotationView = z
  .object({
    id: z.uuid(),
    recordingId: z.uuid(),
    layer: annotationLayer,
    /** The current version's number (send it back when editing or deleting). */
    version: z.number(),
    kind: annotationKind.nullable(),
    speaker: z.string().nullable(),
    startSec: z.number(),
    endSec: z.number(),
    text: z.string(),
    deleted: z.boolean(),
    createdBy: userRef,
    createdAt: z.string(),
    /** Who wrote the current version, and when. */
    updatedBy: userRef,
    updatedAt: z.string(),
  })
  .meta({ id: 'Annotation' });

/** A recording's notes and transcript, and whether the caller may write them. */
export const annotationList = z.object({
  recordingId: z.uuid(),
  /** The recording's duration in seconds (null while unknown: nothing can be added then). */
  durationSec: z.number().nullable(),
  /** Whether the caller may add, edit and delete (a live grant, or the uploader's tagging window). */
  mayWrite: z.boolean(),
  /** Ordered by start, then end. */
  items: z.array(annotationView),
});

/** One version of a note or segment: what it said, who wrote it, when. */
export const annotationVersionView = z.object({
  version: z.number(),
  kind: annotationKind.nullable(),
  speaker: z.string().nullable(),
  startSec: z.number(),
  endSec: z.number(),
  text: z.string(),
  /** This version deleted the entry (it shows the content it removed). */
  deleted: z.boolean(),
  author: userRef,
  at: z.string(),
});

/** The full history of a note or segment, oldest version first. */
export const annotationHistory = z.object({
  id: z.uuid(),
  recordingId: z.uuid(),
  layer: annotationLayer,
  createdBy: userRef,
  createdAt: z.string(),
  versions: z.array(annotationVersionView),
});
