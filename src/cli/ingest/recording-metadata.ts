import path from 'node:path';
import { parseDeviceFileName } from '../../modules/recordings/file-names.ts';
import { recordingMetadata, type RecordingMetadata } from '../../modules/recordings/recordings.schema.ts';
import type { ApiClient, Person } from './api-client.ts';
import type { IngestOptions } from './ingest-options.ts';
import type { FileRecord } from './receipt.ts';
import type { CardFile } from './walk.ts';

/** The metadata of one file, or why it cannot be uploaded. */
export type MetadataPlan =
  | { ok: true; metadata: RecordingMetadata; summary: NonNullable<FileRecord['metadata']>; notes: string[] }
  | { ok: false; reason: string };

/** Looks officers up by staff number once per run (a card holds hundreds of files of the same officer). */
export class OfficerResolver {
  readonly #cache = new Map<string, Promise<Person | undefined>>();

  constructor(private readonly api: ApiClient) {}

  /** The person with this staff number (工号), or undefined. Network errors reject (the file fails, it is not skipped). */
  byStaffNumber(staffNumber: string): Promise<Person | undefined> {
    const key = staffNumber.toLowerCase();
    let hit = this.#cache.get(key);
    if (!hit) {
      hit = this.api.findPersonByStaffNumber(staffNumber);
      // A failed lookup is not remembered: the next file may try again.
      hit.catch(() => this.#cache.delete(key));
      this.#cache.set(key, hit);
    }
    return hit;
  }
}

/**
 * Builds the recording metadata from the device's file name: device number, officer and start time
 * (Beijing time on the device clock). --officer and --department override; a missing start time falls
 * back to the file's modification time. Activity and "party informed" are the run's defaults — the
 * officer tags each recording later in the web UI.
 */
export async function planMetadata(file: CardFile, o: IngestOptions, officers: OfficerResolver, fixedOfficer: Person | undefined): Promise<MetadataPlan> {
  const parsed = parseDeviceFileName(path.basename(file.path), o.patterns);
  const notes: string[] = [];
  let officer = fixedOfficer;
  if (!officer) {
    const no = parsed?.officerNumber;
    if (!no) {
      return { ok: false, reason: '文件名中没有警员编号，且未指定 --officer / the file name carries no officer number and --officer was not given' };
    }
    officer = await officers.byStaffNumber(no);
    if (!officer) {
      return { ok: false, reason: `警员编号 ${no} 在系统中不存在或不在您的部门范围内 / officer number ${no} is not a known staff number in your departments` };
    }
  }
  const deviceNumber = parsed?.deviceNumber ?? o.device;
  if (parsed?.deviceNumber && parsed.deviceNumber.toUpperCase() !== o.device.toUpperCase()) {
    notes.push(`文件名中的设备编号 ${parsed.deviceNumber} 与 --device ${o.device} 不一致，按文件名记录 / the file name's device ${parsed.deviceNumber} differs from --device ${o.device}; the file name's is recorded`);
  }
  const recordedStartFrom = parsed?.recordedStart ? 'file-name' : 'mtime';
  const recordedStart = (parsed?.recordedStart ?? new Date(file.mtimeMs)).toISOString();
  const departmentId = o.departmentId ?? officer.departmentId;

  const candidate = {
    departmentId,
    officerIds: [officer.id],
    deviceNumber,
    recordedStart,
    activity: o.activity,
    partyInformed: o.partyInformed,
    ...(o.partyInformedReason && { partyInformedReason: o.partyInformedReason }),
  };
  const checked = recordingMetadata.safeParse(candidate);
  if (!checked.success) {
    const why = checked.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    return { ok: false, reason: `声像资料信息无效 / invalid recording metadata: ${why}` };
  }
  return {
    ok: true,
    metadata: checked.data,
    summary: { deviceNumber, officer: { id: officer.id, staffNumber: officer.staffNumber, name: officer.name }, departmentId, recordedStart, recordedStartFrom },
    notes,
  };
}
