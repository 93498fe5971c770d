import { z } from 'zod';
import { instant, multilineText, pageOf, pageQuery, text } from '../../platform/http/schemas.ts';

/** 第六条: the enforcement activities recorded. */
export const ACTIVITIES = ['patrol', 'investigation', 'questioning', 'service', 'hearing', 'coercion', 'other'] as const;
export const PARTY_INFORMED = ['yes', 'no', 'not_applicable'] as const;
export const PROCESSING_STATES = ['pending', 'processing', 'ready', 'not_processable', 'failed'] as const;
// Named in the API contract (components.schemas): the web UI and the CLI take these lists from it.
const activity = z.enum(ACTIVITIES).meta({ id: 'Activity' });
const partyInformed = z.enum(PARTY_INFORMED).meta({ id: 'PartyInformed' });
const processingState = z.enum(PROCESSING_STATES).meta({ id: 'ProcessingState' });

const metadataFields = {
  /** 执法处室 — department the recording belongs to. */
  departmentId: z.uuid(),
  /** 执法记录设备编号 — device number. */
  deviceNumber: text(40).optional(),
  /** 执法人员 — recording officers (each must be qualified at the recording's time, 第七条). */
  officerIds: z.array(z.uuid()).min(1).max(10),
  /** 使用时间 — start of recording (ISO 8601). */
  recordedStart: instant,
  /** End of recording. */
  recordedEnd: instant.optional(),
  /** Enforcement activity. */
  activity: activity,
  /** 当事人 — the party. */
  party: text(200).optional(),
  /** 案由名称 — case name (free text until cases exist). */
  caseName: text(200).optional(),
  /** Case number. */
  caseNumber: text(100).optional(),
  /** Place of the enforcement act. */
  location: text(200).optional(),
  /** 第十七条: was the party told that recording was on? */
  partyInformed: partyInformed,
  /** Why not, when partyInformed is `no`. */
  partyInformedReason: multilineText(500).optional(),
  /** Notes. */
  notes: multilineText(2000).optional(),
};

type MetaShape = { recordedStart?: string; recordedEnd?: string; partyInformed?: string; partyInformedReason?: string };
const refine = <T extends z.ZodType<MetaShape>>(s: T) =>
  s
    .refine((m) => !m.recordedEnd || !m.recordedStart || Date.parse(m.recordedEnd) >= Date.parse(m.recordedStart), {
      path: ['recordedEnd'],
      error: 'end is before start / 结束时间早于开始时间',
    })
    .refine((m) => m.partyInformed !== 'no' || !!m.partyInformedReason, {
      path: ['partyInformedReason'],
      error: 'a reason is required when the party was not informed / 未告知当事人时须说明原因',
    });

/**
 * Metadata sent with an upload (tus `Upload-Metadata: metadata <base64 JSON>`). Not a route body, so it is
 * named (components.schemas.RecordingMetadata) for the web UI and the CLI to take its type from the contract.
 */
export const recordingMetadata = refine(z.strictObject(metadataFields)).meta({ id: 'RecordingMetadata' });
export type RecordingMetadata = z.infer<typeof recordingMetadata>;

/**
 * Editable descriptive metadata (the original bytes and hashes never change). `null` clears a field.
 * Cross-field rules (end after start, a reason when not informed) are checked by the service on the
 * merged result.
 */
export const recordingPatch = z
  .strictObject({
    ...metadataFields,
    deviceNumber: metadataFields.deviceNumber.unwrap().nullable(),
    recordedEnd: instant.nullable(),
    party: metadataFields.party.unwrap().nullable(),
    caseName: metadataFields.caseName.unwrap().nullable(),
    caseNumber: metadataFields.caseNumber.unwrap().nullable(),
    location: metadataFields.location.unwrap().nullable(),
    partyInformedReason: metadataFields.partyInformedReason.unwrap().nullable(),
    notes: metadataFields.notes.unwrap().nullable(),
    /** Why the recording's start or end is corrected (required when either changes; shown as a correction, 第十条). */
    reason: text(500),
  })
  .partial();
export type RecordingPatch = z.infer<typeof recordingPatch>;

export const recordingQuery = pageQuery.extend({
  departmentId: z.uuid().optional(),
  deviceNumber: text(40).optional(),
  officerId: z.uuid().optional(),
  activity: activity.optional(),
  processingState: processingState.optional(),
  /** Recordings that started at or after this instant. */
  from: instant.optional(),
  /** … and before this instant. */
  to: instant.optional(),
  /** Uploaded at or after this instant (第十条 hand-over days are upload days). */
  uploadedFrom: instant.optional(),
  /** … and before this instant. */
  uploadedTo: instant.optional(),
  /** Only these recordings: comma-separated ids (at most 200). */
  ids: z
    .string()
    .max(200 * 37)
    .transform((v) => v.split(',').filter(Boolean))
    .pipe(z.array(z.uuid()).max(200))
    .optional(),
  party: text(100).optional(),
  caseName: text(100).optional(),
  /** Text search over party, case name and number, notes and location (Chinese works; 2+ characters). */
  q: text(100).optional(),
  sort: z.enum(['recordedStart', 'uploadedAt']).default('recordedStart'),
});
export type RecordingQuery = z.infer<typeof recordingQuery>;

export const recordingView = z.object({
  id: z.uuid(),
  fileName: z.string(),
  departmentId: z.uuid(),
  departmentName: z.string(),
  deviceNumber: z.string().nullable(),
  officers: z.array(z.object({ id: z.uuid(), name: z.string(), staffNumber: z.string() })),
  recordedStart: z.string().nullable(),
  recordedEnd: z.string().nullable(),
  uploadedAt: z.string(),
  uploadedBy: z.object({ id: z.uuid(), username: z.string() }),
  activity: activity,
  party: z.string().nullable(),
  caseName: z.string().nullable(),
  caseNumber: z.string().nullable(),
  location: z.string().nullable(),
  partyInformed: partyInformed,
  partyInformedReason: z.string().nullable(),
  notes: z.string().nullable(),
  original: z.object({ sha256: z.string(), sm3: z.string(), sizeBytes: z.number(), storedAt: z.string() }),
  media: z.object({
    state: processingState,
    kind: z.string().nullable(),
    durationSec: z.number().nullable(),
    width: z.number().nullable(),
    height: z.number().nullable(),
    videoCodec: z.string().nullable(),
    audioCodec: z.string().nullable(),
    creationTime: z.string().nullable(),
    hasThumbnail: z.boolean(),
    hasProxy: z.boolean(),
    error: z.string().nullable(),
  }),
  /** 第十条: uploaded after the cut-off of the recording day. */
  lateOffload: z.boolean(),
});
export const recordingPage = pageOf(recordingView);
