/**
 * Shapes of the recordings and offload API (mirrors src/modules/recordings/recordings.schema.ts,
 * uploads.routes.ts and src/modules/offload/offload.service.ts). Times are ISO 8601 UTC strings.
 */

/** 第六条: the enforcement activities recorded. */
export type Activity = 'patrol' | 'investigation' | 'questioning' | 'service' | 'hearing' | 'coercion' | 'other';
export const ACTIVITIES: readonly Activity[] = ['patrol', 'investigation', 'questioning', 'service', 'hearing', 'coercion', 'other'];

/** 第十七条: was the party told that recording was on? */
export type PartyInformed = 'yes' | 'no' | 'not_applicable';
export const PARTY_INFORMED: readonly PartyInformed[] = ['yes', 'no', 'not_applicable'];

/** Where the media job is with a recording (probe, proxy, thumbnail). */
export type ProcessingState = 'pending' | 'processing' | 'ready' | 'not_processable' | 'failed';
export const PROCESSING_STATES: readonly ProcessingState[] = ['pending', 'processing', 'ready', 'not_processable', 'failed'];

/** The descriptive metadata sent with an upload (tus `metadata` key, JSON). */
export interface RecordingMetadata {
  departmentId: string;
  deviceNumber?: string;
  officerIds: string[];
  recordedStart: string;
  recordedEnd?: string;
  activity: Activity;
  party?: string;
  caseName?: string;
  caseNumber?: string;
  location?: string;
  partyInformed: PartyInformed;
  partyInformedReason?: string;
  notes?: string;
}

/** PATCH /api/recordings/:id — only the fields that change; `null` clears an optional one. */
export type RecordingPatch = {
  [K in keyof RecordingMetadata]?: undefined extends RecordingMetadata[K] ? RecordingMetadata[K] | null : RecordingMetadata[K];
};

export interface RecordingOfficer {
  id: string;
  name: string;
  staffNumber: string;
}

/** 声像资料 — one recording as GET /api/recordings(/:id) returns it. */
export interface Recording {
  id: string;
  fileName: string;
  departmentId: string;
  departmentName: string;
  deviceNumber: string | null;
  officers: RecordingOfficer[];
  recordedStart: string | null;
  recordedEnd: string | null;
  uploadedAt: string;
  uploadedBy: { id: string; username: string };
  activity: Activity;
  party: string | null;
  caseName: string | null;
  caseNumber: string | null;
  location: string | null;
  partyInformed: PartyInformed;
  partyInformedReason: string | null;
  notes: string | null;
  original: { sha256: string; sm3: string; sizeBytes: number; storedAt: string };
  media: {
    state: ProcessingState;
    kind: string | null;
    durationSec: number | null;
    width: number | null;
    height: number | null;
    videoCodec: string | null;
    audioCodec: string | null;
    creationTime: string | null;
    hasThumbnail: boolean;
    hasProxy: boolean;
    error: string | null;
  };
  /** 第十条: uploaded after the cut-off of the recording day. */
  lateOffload: boolean;
}

/** GET /api/upload-results/:id — what a tus upload became. */
export interface UploadResult {
  id: string;
  state: 'receiving' | 'stored' | 'duplicate' | 'rejected';
  fileName: string;
  sizeBytes: number;
  recordingId: string | null;
  sha256: string | null;
  sm3: string | null;
  errorCode: string | null;
}

/** GET /api/offload/days/:day — one officer's hand-over on one Beijing day. */
export interface Handover {
  personId: string;
  personName: string;
  staffNumber: string;
  recordingIds: string[];
  count: number;
  totalBytes: number;
  late: number;
  receipt: { id: string; confirmedBy: string; confirmedAt: string } | null;
}

export interface HandoverDay {
  day: string;
  items: Handover[];
}

/** GET /api/offload/late — late offloads summed per officer and device, and the items. */
export interface LateOffloads {
  cutoffHour: number;
  summary: { personId: string; personName: string; staffNumber: string; deviceNumber: string | null; count: number; maxDelayHours: number }[];
  items: {
    recordingId: string;
    fileName: string;
    personId: string;
    personName: string;
    staffNumber: string;
    deviceNumber: string | null;
    departmentName: string;
    recordedStart: string;
    uploadedAt: string;
    deadline: string;
  }[];
}
