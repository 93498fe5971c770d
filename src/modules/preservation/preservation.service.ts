import { actorOf, type AuthUser } from '../../platform/auth/auth-user.ts';
import { appendAuditEvent } from '../../platform/audit/audit-chain.ts';
import type { DbOrTx } from '../../platform/db/database.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError } from '../../platform/errors/error-catalog.ts';
import { accessFilter, allowedIds, requireAccess } from '../access/access.service.ts';
import { objectsNeedingHold, recomputeAfterHoldChange } from '../retention/retention.service.ts';
import * as repo from './preservation.repository.ts';
import { GROUND_LABEL, type PreservationGround } from './preservation.schema.ts';

/**
 * 第十二条 long-term preservation marks. An officer (or custodian, leader) proposes preserving recordings on one
 * of the four grounds; a leader who did not propose it approves. Approval places a retention hold (0018, kind
 * 'preservation', source = the mark) per recording and sets the legal hold on each original in the object store,
 * so nothing the mark covers can be disposed of; releasing the mark (a leader, with a reason) releases both.
 */

const STATE_ZH = { proposed: '待审批', approved: '已批准', rejected: '已驳回', released: '已解除' } as const;

/** The reason written on each hold: the ground (and the description), so the hold explains itself. */
function holdReason(ground: PreservationGround, description: string | null): string {
  return `第十二条${GROUND_LABEL[ground].zh}${description ? `：${description}` : ''}`.slice(0, 2000);
}

/** Proposes a mark; every recording must be in the caller's reach (else 404, as if unknown). */
export async function proposeMark(deps: Deps, user: AuthUser, input: { recordingIds: string[]; ground: PreservationGround; description?: string }) {
  const ids = [...new Set(input.recordingIds)];
  const id = await deps.db.transaction().execute(async (trx) => {
    await requireAccess(trx, user, 'recording.preserve.propose', ids);
    const id = await repo.insertMark(trx, { ground: input.ground, description: input.description ?? null, proposedBy: user.id });
    await repo.insertMarkItems(trx, id, ids);
    await appendAuditEvent(trx, {
      actor: actorOf(user),
      action: 'preservation.mark.propose',
      target: { type: 'preservation_mark', id },
      details: { recordingIds: ids, ground: input.ground, description: input.description ?? null },
    });
    return id;
  });
  return getMark(deps, user, id);
}

/** Loads a mark the caller may see (proposed by them, or covering a recording they may read), or NOT_FOUND. */
async function visibleMark(db: DbOrTx, user: AuthUser, id: string, forUpdate = false) {
  const m = await repo.findMark(db, id, forUpdate);
  if (!m) throw new AppError('NOT_FOUND');
  const recs = await repo.markRecordings(db, [id]);
  if (m.proposed_by !== user.id) {
    const readable = await allowedIds(db, user, 'recording.metadata.read', recs.map((r) => r.id));
    if (!readable.size) throw new AppError('NOT_FOUND');
  }
  return { m, recs };
}

/** Whether the caller may approve/release this mark: holds the approval over every recording it covers. */
async function approvesAll(db: DbOrTx, user: AuthUser, recordingIds: readonly string[]): Promise<boolean> {
  if (!user.permissions.has('preservation:approve')) return false;
  const ok = await allowedIds(db, user, 'recording.preserve.approve', recordingIds);
  return recordingIds.every((x) => ok.has(x));
}

function refuseState(m: repo.MarkRow, wanted: 'proposed' | 'approved', what: { zh: string; en: string }) {
  if (m.state !== wanted) throw new AppError('PRESERVATION_STATE', { state: { zh: STATE_ZH[m.state], en: m.state }, what });
}

/**
 * Approves a proposed mark (第十二条; never the proposer): holds on every recording and a legal hold on each
 * original. The store's legal holds are set inside the transaction, after the rows: if one fails nothing is
 * committed (holds already set in the store stay — keeping too much is the safe side, never too little).
 */
export async function approveMark(deps: Deps, user: AuthUser, id: string, input: { note?: string }) {
  await deps.db.transaction().execute(async (trx) => {
    const { m, recs } = await visibleMark(trx, user, id, true);
    if (m.proposed_by === user.id) throw new AppError('PRESERVATION_SELF_APPROVAL');
    refuseState(m, 'proposed', { zh: '审批', en: 'approved' });
    await requireAccess(trx, user, 'recording.preserve.approve', recs.map((r) => r.id));
    await repo.lockOriginals(trx, recs.map((r) => r.original_sha256));
    await repo.decide(trx, id, { state: 'approved', by: user.id, note: input.note ?? null });
    await repo.placeHolds(trx, id, recs.map((r) => r.id), user.id, holdReason(m.ground, m.description));
    // 第十一条: held recordings lose their keep-until date (nothing held is disposed of).
    await recomputeAfterHoldChange(trx, recs.map((r) => r.id));
    const originals = [...new Set(recs.map((r) => r.original_sha256))];
    await appendAuditEvent(trx, {
      actor: actorOf(user),
      action: 'preservation.mark.approve',
      target: { type: 'preservation_mark', id },
      details: { recordingIds: recs.map((r) => r.id), ground: m.ground, note: input.note ?? null, legalHold: originals },
    });
    for (const r of recs) {
      if (!(await deps.storage.lockState(r.original_sha256))) throw new AppError('PRESERVATION_ORIGINAL_MISSING', { file: r.file_name });
    }
    for (const key of originals) await deps.storage.setLegalHold(key, true);
  });
  return getMark(deps, user, id);
}

/** Rejects a proposed mark, with a reason (a leader who may approve it; never the proposer). */
export async function rejectMark(deps: Deps, user: AuthUser, id: string, reason: string) {
  await deps.db.transaction().execute(async (trx) => {
    const { m, recs } = await visibleMark(trx, user, id, true);
    if (m.proposed_by === user.id) throw new AppError('PRESERVATION_SELF_APPROVAL');
    refuseState(m, 'proposed', { zh: '驳回', en: 'rejected' });
    await requireAccess(trx, user, 'recording.preserve.approve', recs.map((r) => r.id));
    await repo.decide(trx, id, { state: 'rejected', by: user.id, note: reason });
    await appendAuditEvent(trx, { actor: actorOf(user), action: 'preservation.mark.reject', target: { type: 'preservation_mark', id }, details: { reason } });
  });
  return getMark(deps, user, id);
}

/**
 * Releases an approved mark (a leader who may approve it, with a reason): its holds are released, and the legal
 * hold of each original is cleared once no other active preservation or legal hold covers it. The originals are
 * locked (lockOriginals) so an approval on the same original cannot slip in between; the store is changed last,
 * inside the transaction, and if clearing fails the holds already cleared are set again before the error goes up.
 */
export async function releaseMark(deps: Deps, user: AuthUser, id: string, reason: string) {
  await deps.db.transaction().execute(async (trx) => {
    const { m, recs } = await visibleMark(trx, user, id, true);
    refuseState(m, 'approved', { zh: '解除', en: 'released' });
    await requireAccess(trx, user, 'recording.preserve.approve', recs.map((r) => r.id));
    await repo.lockOriginals(trx, recs.map((r) => r.original_sha256));
    await repo.release(trx, id, user.id, reason);
    const holds = await repo.releaseHolds(trx, id, user.id);
    const shas = [...new Set(recs.map((r) => r.original_sha256))];
    const still = await repo.originalsStillHeld(trx, shas);
    // The retention engine gives the dates back; an original whose recording still has no date (permanent, or
    // serving a case not yet archived) keeps its legal hold in the store.
    const undated = await recomputeAfterHoldChange(trx, recs.map((r) => r.id));
    for (const r of recs) if (undated.has(r.id)) still.add(r.original_sha256);
    // The same bytes may also be a document of a case file without a date (永久, held, not archived).
    for (const k of await objectsNeedingHold(trx, shas)) still.add(k);
    const clear = shas.filter((s) => !still.has(s));
    await appendAuditEvent(trx, {
      actor: actorOf(user),
      action: 'preservation.mark.release',
      target: { type: 'preservation_mark', id },
      details: { reason, holdsReleased: holds, legalHoldCleared: clear, legalHoldKept: [...still] },
    });
    const cleared: string[] = [];
    try {
      for (const key of clear) {
        await deps.storage.setLegalHold(key, false);
        cleared.push(key);
      }
    } catch (e) {
      for (const key of cleared) await deps.storage.setLegalHold(key, true).catch(() => undefined);
      throw e;
    }
  });
  return getMark(deps, user, id);
}

type MarkView = Awaited<ReturnType<typeof getMark>>;

async function views(db: DbOrTx, user: AuthUser, marks: repo.MarkRow[]) {
  const recs = await repo.markRecordings(db, marks.map((m) => m.id));
  const names = await repo.usernames(db, marks.flatMap((m) => [m.proposed_by, m.decided_by, m.released_by]));
  const ref = (id: string | null) => (id ? { id, username: names.get(id) ?? '' } : null);
  const out = [];
  for (const m of marks) {
    const mine = recs.filter((r) => r.mark_id === m.id);
    const approver = await approvesAll(db, user, mine.map((r) => r.id));
    out.push({
      id: m.id,
      ground: m.ground,
      description: m.description,
      state: m.state,
      proposedBy: ref(m.proposed_by),
      proposedAt: m.proposed_at.toISOString(),
      decidedBy: ref(m.decided_by),
      decidedAt: m.decided_at?.toISOString() ?? null,
      decisionNote: m.decision_note,
      releasedBy: ref(m.released_by),
      releasedAt: m.released_at?.toISOString() ?? null,
      releaseReason: m.release_reason,
      recordings: mine.map((r) => ({ id: r.id, fileName: r.file_name, recordedStart: r.recorded_start.toISOString(), sizeBytes: Number(r.size_bytes) })),
      mayDecide: approver && m.state === 'proposed' && m.proposed_by !== user.id,
      mayRelease: approver && m.state === 'approved',
    });
  }
  return out;
}

/** One mark the caller may see. */
export async function getMark(deps: Deps, user: AuthUser, id: string) {
  const { m } = await visibleMark(deps.db, user, id);
  return (await views(deps.db, user, [m]))[0]!;
}

/** Marks the caller may see, newest first (filter by state or recording). */
export async function listMarks(deps: Deps, user: AuthUser, f: { state?: string; recordingId?: string }): Promise<{ items: MarkView[] }> {
  const visible = await accessFilter(deps.db, user, 'recording.metadata.read', 'r');
  const marks = await repo.listMarks(deps.db, user.id, visible, f);
  return { items: await views(deps.db, user, marks) };
}
