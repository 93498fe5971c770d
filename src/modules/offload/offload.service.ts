import { appendAuditEvent } from '../../platform/audit/audit-chain.ts';
import { actorOf, type AuthUser } from '../../platform/auth/auth-user.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError } from '../../platform/errors/error-catalog.ts';
import { getSetting } from '../settings/settings.service.ts';
import { accessFilter, requireAccess } from '../access/access.service.ts';
import * as repo from './offload.repository.ts';

/**
 * 第十条: recordings offloaded after the cut-off of their recording day, per officer and device — for the
 * officers the caller answers for. Lateness is the flag stored with each recording; `cutoffHour` is the
 * setting that applies to uploads from now on.
 */
export async function lateOffloads({ db }: Deps, user: AuthUser, f: { from: string; to: string; limit: number }) {
  const cutoffHour = await getSetting(db, 'offload.cutoffHour');
  const rows = await repo.lateOffloads(db, { ...f, people: await accessFilter(db, user, 'offload.read', 'p') });
  const groups = new Map<string, { personId: string; personName: string; staffNumber: string; deviceNumber: string | null; count: number; maxDelayHours: number }>();
  for (const r of rows) {
    const key = `${r.person_id}|${r.device_number ?? ''}`;
    const g = groups.get(key) ?? { personId: r.person_id, personName: r.person_name, staffNumber: r.staff_number, deviceNumber: r.device_number, count: 0, maxDelayHours: 0 };
    g.count++;
    g.maxDelayHours = Math.max(g.maxDelayHours, Math.round(((r.uploaded_at.getTime() - r.deadline.getTime()) / 3_600_000) * 10) / 10);
    groups.set(key, g);
  }
  return {
    cutoffHour,
    summary: [...groups.values()].sort((a, b) => b.count - a.count),
    items: rows.map((r) => ({
      recordingId: r.recording_id,
      fileName: r.file_name,
      personId: r.person_id,
      personName: r.person_name,
      staffNumber: r.staff_number,
      deviceNumber: r.device_number,
      departmentName: r.department_name,
      recordedStart: r.recorded_start.toISOString(),
      uploadedAt: r.uploaded_at.toISOString(),
      deadline: r.deadline.toISOString(),
    })),
  };
}

const handoverView = (r: repo.DayRow) => ({
  personId: r.person_id,
  personName: r.person_name,
  staffNumber: r.staff_number,
  recordingIds: r.recording_ids,
  count: r.recording_ids.length,
  totalBytes: Number(r.total_bytes),
  late: Number(r.late),
  receipt: r.receipt_id ? { id: r.receipt_id, confirmedBy: r.confirmed_by!, confirmedAt: r.confirmed_at!.toISOString() } : null,
});

/**
 * What each officer the caller answers for (the person's department, 第十条) handed over on a day, with the
 * custodian's confirmation when given.
 */
export async function handoversOfDay({ db }: Deps, user: AuthUser, day: string) {
  const rows = await repo.handoversOfDay(db, day, await accessFilter(db, user, 'offload.read', 'p'));
  return { day, items: rows.map(handoverView) };
}

/**
 * The custodian confirms one officer's hand-over for one day (第十条: 交由处室专门人员存储). Receipts belong to
 * the person's department: a custodian elsewhere gets NOT_FOUND, as for an unknown person, and cannot
 * block the receipt by confirming first.
 */
export async function confirmReceipt(deps: Deps, user: AuthUser, input: { personId: string; day: string; note?: string }) {
  const { db } = deps;
  await requireAccess(db, user, 'offload.confirm', [input.personId]);
  const [row] = await repo.handoversOfDay(db, input.day, await accessFilter(db, user, 'offload.confirm', 'p'), input.personId);
  if (!row) throw new AppError('NOT_FOUND');
  const h = handoverView(row);
  return db.transaction().execute(async (trx) => {
    const r = await repo.insertReceipt(trx, { personId: input.personId, day: input.day, recordingIds: h.recordingIds, confirmedBy: user.id, note: input.note ?? null });
    if (!r) throw new AppError('RECEIPT_EXISTS');
    await appendAuditEvent(trx, {
      actor: actorOf(user),
      action: 'offload.receipt.confirm',
      target: { type: 'person', id: input.personId },
      details: { day: input.day, receiptId: r.id, recordingIds: h.recordingIds, totalBytes: h.totalBytes, late: h.late, note: input.note ?? null },
    });
    return { id: r.id, personId: input.personId, day: input.day, recordingIds: h.recordingIds, confirmedAt: r.confirmed_at.toISOString() };
  });
}
