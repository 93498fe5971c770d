import type { Dayjs } from 'dayjs';
import type { Activity, PartyInformed, Recording, RecordingMetadata, RecordingPatch } from '../api/shapes.ts';
import { isoToShanghaiWallClock, shanghaiWallClockToIso } from './time.ts';

/** The metadata form's values; names mirror the API so server field errors land on the right field. */
export interface MetadataFormValues {
  departmentId: string;
  deviceNumber?: string;
  officerIds: string[];
  recordedStart: Dayjs;
  recordedEnd?: Dayjs | null;
  activity: Activity;
  party?: string;
  caseName?: string;
  caseNumber?: string;
  location?: string;
  partyInformed: PartyInformed;
  partyInformedReason?: string;
  notes?: string;
}

/** Field names the server may name in `fields` (upload metadata and PATCH use the same names). */
export const metadataFormFields = [
  'departmentId',
  'deviceNumber',
  'officerIds',
  'recordedStart',
  'recordedEnd',
  'activity',
  'party',
  'caseName',
  'caseNumber',
  'location',
  'partyInformed',
  'partyInformedReason',
  'notes',
] as const satisfies readonly (keyof RecordingMetadata)[];

const trimmed = (s: string | undefined | null) => s?.trim() || undefined;

/** Form values → the upload metadata: Beijing wall-clock times become UTC ISO, blanks are left out. */
export function toMetadata(v: MetadataFormValues): RecordingMetadata {
  return {
    departmentId: v.departmentId,
    deviceNumber: trimmed(v.deviceNumber),
    officerIds: v.officerIds,
    recordedStart: shanghaiWallClockToIso(v.recordedStart),
    recordedEnd: v.recordedEnd ? shanghaiWallClockToIso(v.recordedEnd) : undefined,
    activity: v.activity,
    party: trimmed(v.party),
    caseName: trimmed(v.caseName),
    caseNumber: trimmed(v.caseNumber),
    location: trimmed(v.location),
    partyInformed: v.partyInformed,
    // A reason only means something when the party was not informed.
    partyInformedReason: v.partyInformed === 'no' ? trimmed(v.partyInformedReason) : undefined,
    notes: trimmed(v.notes),
  };
}

/** A stored recording → form values for the edit form. */
export function toFormValues(r: Recording): MetadataFormValues {
  return {
    departmentId: r.departmentId,
    deviceNumber: r.deviceNumber ?? undefined,
    officerIds: r.officers.map((o) => o.id),
    recordedStart: isoToShanghaiWallClock(r.recordedStart)!,
    recordedEnd: isoToShanghaiWallClock(r.recordedEnd) ?? null,
    activity: r.activity,
    party: r.party ?? undefined,
    caseName: r.caseName ?? undefined,
    caseNumber: r.caseNumber ?? undefined,
    location: r.location ?? undefined,
    partyInformed: r.partyInformed,
    partyInformedReason: r.partyInformedReason ?? undefined,
    notes: r.notes ?? undefined,
  };
}

const sameInstant = (a: string | null | undefined, b: string | null | undefined) => (a && b ? Date.parse(a) === Date.parse(b) : !a && !b);

/**
 * Only what changed, so the audit event of the edit shows exactly what the user changed (the server
 * records before/after of every field sent). Cleared optional fields are sent as null.
 */
export function diffPatch(r: Recording, v: MetadataFormValues): RecordingPatch {
  const next = toMetadata(v);
  const patch: RecordingPatch = {};
  if (next.departmentId !== r.departmentId) patch.departmentId = next.departmentId;
  const before = r.officers.map((o) => o.id);
  if (next.officerIds.length !== before.length || next.officerIds.some((id, i) => id !== before[i])) patch.officerIds = next.officerIds;
  if (!sameInstant(next.recordedStart, r.recordedStart)) patch.recordedStart = next.recordedStart;
  if (!sameInstant(next.recordedEnd, r.recordedEnd)) patch.recordedEnd = next.recordedEnd ?? null;
  if (next.activity !== r.activity) patch.activity = next.activity;
  if (next.partyInformed !== r.partyInformed) patch.partyInformed = next.partyInformed;
  for (const k of ['deviceNumber', 'party', 'caseName', 'caseNumber', 'location', 'partyInformedReason', 'notes'] as const) {
    if ((next[k] ?? null) !== r[k]) patch[k] = next[k] ?? null;
  }
  return patch;
}
