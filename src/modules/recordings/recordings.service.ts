import { appendAuditEvent } from '../../platform/audit/audit-chain.ts';
import { actorOf, type AuthUser } from '../../platform/auth/auth-user.ts';
import type { DbOrTx } from '../../platform/db/database.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError } from '../../platform/errors/error-catalog.ts';
import { cursorShape, decodeCursor, encodeCursor } from '../../platform/http/schemas.ts';
import { accessFilter, allowedIds, isAllowed, requireAccess } from '../access/access.service.ts';
import { findDepartment } from '../departments/departments.repository.ts';
import { findPerson } from '../personnel/personnel.repository.ts';
import { qualificationAt } from '../personnel/personnel.service.ts';
import * as repo from './recordings.repository.ts';
import type { RecordingMetadata, RecordingPatch, RecordingQuery } from './recordings.schema.ts';
import { checkRecordingTimes } from './recording-times.ts';

export function recordingView(r: repo.RecordingRow) {
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
    // 第十条: fixed when the recording was stored (0004_access.sql), never cleared by an edit.
    lateOffload: r.late_offload,
  };
}

const correctionView = (c: repo.TimeCorrectionRow) => ({
  id: c.id,
  field: c.field,
  before: c.before?.toISOString() ?? null,
  after: c.after?.toISOString() ?? null,
  reason: c.reason,
  correctedBy: { id: c.corrected_by, username: c.corrected_by_username },
  correctedAt: c.corrected_at.toISOString(),
});

/** A recording as its detail page shows it: the metadata plus every correction of its times. */
async function detailView(db: DbOrTx, r: repo.RecordingRow) {
  return { ...recordingView(r), corrections: (await repo.listTimeCorrections(db, r.id)).map(correctionView) };
}

/** The field error of an officer id that is unknown or outside the caller's reach: the same words for both. */
const unknownOfficer = (id: string) => new AppError('PERSON_NOT_FOUND', {}, { officerIds: `${id}: not found / 不存在` });

/**
 * Checks recording metadata against the register and the caller's reach: the department exists and the
 * caller may file recordings there; every newly named officer is one the caller may name (an unknown or
 * out-of-reach person gets the same "not found", never their name) and is qualified at the recording's
 * time (第七条). `changed` limits the checks to what an edit changes (default: everything, for uploads); an
 * edit moving the recording checks the target department with `recording.move` instead of `recording.upload`.
 */
export async function checkMetadata(
  db: DbOrTx,
  user: AuthUser,
  m: Pick<RecordingMetadata, 'departmentId' | 'officerIds' | 'recordedStart'>,
  changed: { department: boolean; newOfficerIds: readonly string[]; time: boolean; departmentAction?: 'recording.upload' | 'recording.move' } = {
    department: true,
    newOfficerIds: m.officerIds,
    time: true,
  },
) {
  if (changed.department) {
    if (!(await findDepartment(db, m.departmentId))) throw new AppError('DEPARTMENT_NOT_FOUND', {}, { departmentId: 'not found / 部门不存在' });
    // Departments are listed to everyone, so refusing one openly tells nothing new.
    if (!(await isAllowed(db, user, changed.departmentAction ?? 'recording.upload', m.departmentId))) {
      throw new AppError('DEPARTMENT_OUT_OF_SCOPE', {}, { departmentId: 'outside your departments / 不在您的部门范围内' });
    }
  }
  const taggable = await allowedIds(db, user, 'person.tag', changed.newOfficerIds);
  for (const id of changed.newOfficerIds) if (!taggable.has(id)) throw unknownOfficer(id);
  const toCheck = changed.time ? m.officerIds : changed.newOfficerIds;
  const at = new Date(m.recordedStart);
  for (const id of toCheck) {
    const p = await findPerson(db, id);
    if (!p) throw unknownOfficer(id);
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

/** One recording; unknown and out-of-reach ids alike are NOT_FOUND. */
export async function getRecording({ db }: Deps, user: AuthUser, id: string) {
  await requireAccess(db, user, 'recording.metadata.read', [id]);
  const r = await repo.findRecording(db, id);
  if (!r) throw new AppError('NOT_FOUND');
  return detailView(db, r);
}

/** 第十五条: search by department, device, officer, time, party and case; newest first; only what the caller may read. */
export async function searchRecordings({ db }: Deps, user: AuthUser, q: RecordingQuery) {
  const after = decodeCursor(q.cursor, cursorShape.instantAndId);
  const rows = await repo.searchRecordings(db, { ...q, scope: await accessFilter(db, user, 'recording.metadata.read', 'r'), after });
  const page = rows.slice(0, q.limit);
  const last = page.at(-1);
  return {
    items: page.map((r) => recordingView(r)),
    nextCursor:
      rows.length > q.limit && last ? encodeCursor([(q.sort === 'uploadedAt' ? last.uploaded_at : last.recorded_start).toISOString(), last.id]) : null,
  };
}

const sameInstant = (a: string | null | undefined, b: Date | string | null | undefined) =>
  (a == null && b == null) || (a != null && b != null && Date.parse(a) === new Date(b).getTime());

/**
 * Edits descriptive metadata (第十五、十七条). The original bytes, hashes and upload facts never change.
 * A change of the recording's start or end is a correction: it needs a reason, is kept beside the recording
 * and never clears the late-offload flag (第十条). Before and after values and the reason go into the audit
 * chain in the same transaction.
 */
export async function updateRecording({ db, config }: Deps, user: AuthUser, id: string, input: RecordingPatch) {
  const { reason, ...patch } = input;
  const { clockAhead } = checkRecordingTimes(patch, config.clockToleranceMinutes);
  return db.transaction().execute(async (trx) => {
    // Unknown or unreadable: not found. Readable but not editable: the caller already sees it, so say so.
    await requireAccess(trx, user, 'recording.metadata.read', [id]);
    await requireAccess(trx, user, 'recording.edit', [id], 'FORBIDDEN');
    const before = await repo.findRecording(trx, id);
    if (!before) throw new AppError('NOT_FOUND');
    const merged = {
      departmentId: patch.departmentId ?? before.department_id,
      officerIds: patch.officerIds ?? before.officers.map((o) => o.id),
      recordedStart: patch.recordedStart ?? before.recorded_start.toISOString(),
      recordedEnd: patch.recordedEnd === undefined ? before.recorded_end?.toISOString() : patch.recordedEnd,
      partyInformed: patch.partyInformed ?? before.party_informed,
      partyInformedReason: patch.partyInformedReason === undefined ? before.party_informed_reason : patch.partyInformedReason,
    };
    const timeChanges = (
      [
        ['recordedStart', patch.recordedStart, before.recorded_start],
        ['recordedEnd', patch.recordedEnd, before.recorded_end],
      ] as const
    ).filter(([, next, prev]) => next !== undefined && !sameInstant(next, prev));
    if (timeChanges.length && !reason?.trim()) {
      throw new AppError('VALIDATION_FAILED', {}, { reason: 'a reason is required to correct the recording time / 修改录制时间须说明原因' });
    }
    if (merged.recordedEnd && Date.parse(merged.recordedEnd) < Date.parse(merged.recordedStart)) {
      throw new AppError('VALIDATION_FAILED', {}, { recordedEnd: 'end is before start / 结束时间早于开始时间' });
    }
    if (merged.partyInformed === 'no' && !merged.partyInformedReason) {
      throw new AppError('VALIDATION_FAILED', {}, { partyInformedReason: 'required when not informed / 未告知当事人时须说明原因' });
    }
    const known = new Set(before.officers.map((o) => o.id));
    await checkMetadata(trx, user, merged, {
      department: merged.departmentId !== before.department_id,
      departmentAction: 'recording.move',
      newOfficerIds: merged.officerIds.filter((o) => !known.has(o)),
      time: timeChanges.some(([field]) => field === 'recordedStart'),
    });
    await repo.updateMetadata(trx, id, patch);
    for (const [field, next, prev] of timeChanges) {
      await repo.insertTimeCorrection(trx, { recordingId: id, field, before: prev, after: next ?? null, reason: reason!.trim(), by: user.id });
    }
    const after = (await repo.findRecording(trx, id))!;
    const pick = (v: ReturnType<typeof recordingView>) => Object.fromEntries(Object.keys(patch).map((k) => [k, k === 'officerIds' ? v.officers.map((o) => o.id) : v[k as keyof typeof v]]));
    await appendAuditEvent(trx, {
      actor: actorOf(user),
      action: 'recording.update',
      target: { type: 'recording', id },
      details: { before: pick(recordingView(before)), after: pick(recordingView(after)), ...(reason?.trim() && { reason: reason.trim() }), ...(clockAhead && { clockAhead }) },
    });
    return detailView(trx, after);
  });
}
