import { appendAuditEvent } from '../../platform/audit/audit-chain.ts';
import { actorOf, type AuthUser } from '../../platform/auth/auth-user.ts';
import type { DbOrTx } from '../../platform/db/database.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError } from '../../platform/errors/error-catalog.ts';
import { decodeCursor, encodeCursor } from '../../platform/http/schemas.ts';
import { shanghaiDate } from '../../platform/time.ts';
import { findDepartment } from '../departments/departments.repository.ts';
import { scopeOf } from '../departments/departments.service.ts';
import { findPerson } from '../personnel/personnel.repository.ts';
import { qualificationAt } from '../personnel/personnel.service.ts';
import { getSetting } from '../settings/settings.service.ts';
import * as repo from './recordings.repository.ts';
import type { RecordingMetadata, RecordingPatch, RecordingQuery } from './recordings.schema.ts';

/**
 * 第十条: footage is offloaded by the end of the recording day. A recording is late when it was
 * uploaded after `cutoffHour` o'clock (Beijing time) of the day it was recorded (24 = midnight).
 */
export function offloadDeadline(recordedStart: Date, cutoffHour: number): Date {
  const day = shanghaiDate(recordedStart);
  return new Date(Date.parse(`${day}T00:00:00+08:00`) + cutoffHour * 3_600_000);
}

export function recordingView(r: repo.RecordingRow, cutoffHour: number) {
  return {
    id: r.id,
    fileName: r.file_name,
    departmentId: r.department_id,
    departmentName: r.department_name,
    deviceNumber: r.device_number,
    officers: r.officers,
    recordedStart: r.recorded_start.toISOString(),
    recordedEnd: r.recorded_end?.toISOString() ?? null,
    uploadedAt: r.uploaded_at.toISOString(),
    uploadedBy: { id: r.uploaded_by, username: r.uploaded_by_username },
    activity: r.activity as RecordingMetadata['activity'],
    party: r.party,
    caseName: r.case_name,
    caseNumber: r.case_number,
    location: r.location,
    partyInformed: r.party_informed as RecordingMetadata['partyInformed'],
    partyInformedReason: r.party_informed_reason,
    notes: r.notes,
    original: { sha256: r.original_sha256, sm3: r.sm3, sizeBytes: Number(r.size_bytes), storedAt: r.stored_at.toISOString() },
    media: {
      state: (r.media_state ?? 'pending') as 'pending',
      kind: r.media_kind,
      durationSec: r.duration_sec,
      width: r.width,
      height: r.height,
      videoCodec: r.video_codec,
      audioCodec: r.audio_codec,
      creationTime: r.creation_time?.toISOString() ?? null,
      hasThumbnail: !!r.thumbnail_sha256,
      hasProxy: !!r.proxy_sha256,
      error: r.media_error,
    },
    lateOffload: r.uploaded_at > offloadDeadline(r.recorded_start, cutoffHour),
  };
}

/**
 * Checks recording metadata against the register: the department exists and is within the
 * uploader's scope, and every officer exists and is qualified at the recording's time (第七条).
 */
export async function checkMetadata(db: DbOrTx, user: AuthUser, m: Pick<RecordingMetadata, 'departmentId' | 'officerIds' | 'recordedStart'>) {
  if (!(await findDepartment(db, m.departmentId))) throw new AppError('DEPARTMENT_NOT_FOUND', {}, { departmentId: 'not found / 部门不存在' });
  const scope = await scopeOf(db, user);
  if (scope && !scope.includes(m.departmentId)) throw new AppError('OUT_OF_SCOPE', {}, { departmentId: 'outside your department / 不在您的部门范围内' });
  const at = new Date(m.recordedStart);
  for (const id of m.officerIds) {
    const p = await findPerson(db, id);
    if (!p) throw new AppError('PERSON_NOT_FOUND', {}, { officerIds: `${id}: not found / 不存在` });
    const q = await qualificationAt(db, id, at);
    if (!q.qualified) {
      throw new AppError(
        'OFFICER_NOT_QUALIFIED',
        { name: p.name, on: q.on, reasons: { zh: q.reasons.map((r) => r.zh).join('；'), en: q.reasons.map((r) => r.en).join('; ') } },
        { officerIds: { zh: `${p.name}：${q.reasons.map((r) => r.zh).join('；')}`, en: `${p.name}: ${q.reasons.map((r) => r.en).join('; ')}` } },
      );
    }
  }
}

async function cutoff(db: DbOrTx) {
  return getSetting(db, 'offload.cutoffHour');
}

/** Recording ids the user may see (department scope). */
async function assertVisible(db: DbOrTx, user: AuthUser, r: repo.RecordingRow) {
  const scope = await scopeOf(db, user);
  if (scope && !scope.includes(r.department_id)) throw new AppError('OUT_OF_SCOPE');
}

export async function getRecording({ db }: Deps, user: AuthUser, id: string) {
  const r = await repo.findRecording(db, id);
  if (!r) throw new AppError('NOT_FOUND');
  await assertVisible(db, user, r);
  return recordingView(r, await cutoff(db));
}

/** 第十五条: search by department, device, officer, time, party and case; newest first. */
export async function searchRecordings({ db }: Deps, user: AuthUser, q: RecordingQuery) {
  const after = decodeCursor(q.cursor) as [string, string] | undefined;
  const rows = await repo.searchRecordings(db, { ...q, departmentIds: await scopeOf(db, user), after });
  const page = rows.slice(0, q.limit);
  const last = page.at(-1);
  const h = await cutoff(db);
  return {
    items: page.map((r) => recordingView(r, h)),
    nextCursor:
      rows.length > q.limit && last ? encodeCursor([(q.sort === 'uploadedAt' ? last.uploaded_at : last.recorded_start).toISOString(), last.id]) : null,
  };
}

/** Officers (without a wider role) may edit only recordings they uploaded or appear on. */
function mayEdit(user: AuthUser, r: repo.RecordingRow): boolean {
  if (user.roles.some((x) => x !== 'officer')) return true;
  return r.uploaded_by === user.id || (!!user.personId && r.officers.some((o) => o.id === user.personId));
}

/**
 * Edits descriptive metadata (第十五、十七条). The original bytes, hashes and upload facts never
 * change; the before and after values go into the audit chain in the same transaction.
 */
export async function updateRecording({ db }: Deps, user: AuthUser, id: string, patch: RecordingPatch) {
  return db.transaction().execute(async (trx) => {
    const before = await repo.findRecording(trx, id);
    if (!before) throw new AppError('NOT_FOUND');
    await assertVisible(trx, user, before);
    if (!mayEdit(user, before)) throw new AppError('FORBIDDEN', { permission: 'recordings:edit (own recordings)' });
    const merged = {
      departmentId: patch.departmentId ?? before.department_id,
      officerIds: patch.officerIds ?? before.officers.map((o) => o.id),
      recordedStart: patch.recordedStart ?? before.recorded_start.toISOString(),
      recordedEnd: patch.recordedEnd === undefined ? before.recorded_end?.toISOString() : patch.recordedEnd,
      partyInformed: patch.partyInformed ?? before.party_informed,
      partyInformedReason: patch.partyInformedReason === undefined ? before.party_informed_reason : patch.partyInformedReason,
    };
    if (merged.recordedEnd && Date.parse(merged.recordedEnd) < Date.parse(merged.recordedStart)) {
      throw new AppError('VALIDATION_FAILED', {}, { recordedEnd: 'end is before start / 结束时间早于开始时间' });
    }
    if (merged.partyInformed === 'no' && !merged.partyInformedReason) {
      throw new AppError('VALIDATION_FAILED', {}, { partyInformedReason: 'required when not informed / 未告知当事人时须说明原因' });
    }
    if (patch.departmentId || patch.officerIds || patch.recordedStart) await checkMetadata(trx, user, merged);
    await repo.updateMetadata(trx, id, patch);
    const after = (await repo.findRecording(trx, id))!;
    const h = await cutoff(trx);
    const pick = (v: ReturnType<typeof recordingView>) => Object.fromEntries(Object.keys(patch).map((k) => [k, k === 'officerIds' ? v.officers.map((o) => o.id) : v[k as keyof typeof v]]));
    await appendAuditEvent(trx, {
      actor: actorOf(user),
      action: 'recording.update',
      target: { type: 'recording', id },
      details: { before: pick(recordingView(before, h)), after: pick(recordingView(after, h)) },
    });
    return recordingView(after, h);
  });
}
