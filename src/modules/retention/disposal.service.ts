import { appendAuditEvent, type Actor } from '../../platform/audit/audit-chain.ts';
import { actorOf, SYSTEM_ACTOR, type AuthUser } from '../../platform/auth/auth-user.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError } from '../../platform/errors/error-catalog.ts';
import { shanghaiDate } from '../../platform/time.ts';
import { getSetting } from '../settings/settings.service.ts';
import * as caseRepo from './case-disposal.repository.ts';
import { prepareCaseItem } from './case-disposal.service.ts';
import { markDeleted, markExecuting, restoreNoLongerDue, type DisposalSubject } from './disposal-steps.ts';
import * as repo from './disposal.repository.ts';
import { recomputeRetention } from './retention.service.ts';

/**
 * 销毁 (第十一、二十条): the only way a recording's or a case file's bytes are destroyed. A batch of due
 * recordings and case files is proposed (the daily sweep, or a leader naming them), approved by a leader who
 * is not the proposer, waits a grace period in which a leader may restore items, then each item is executed:
 * a tombstone is written (the database admits it only for an approved, due, unheld item past its grace
 * period), the derived files and then the originals are deleted from the store (which refuses anything still
 * locked), and the item is marked deleted. The rows stay (metadata and hashes); the tombstone stays forever.
 * Case files: case-disposal.service.ts decides and writes their tombstones; the bytes go here.
 */

type Subject = DisposalSubject;

/** 第二十条: a refused early deletion is itself recorded, in its own transaction (the refused one rolled back). */
async function recordRefusal(deps: Deps, actor: Actor, subjects: readonly Subject[], details: Record<string, unknown>) {
  await deps.db.transaction().execute(async (trx) => {
    for (const s of subjects) {
      await appendAuditEvent(trx, { actor, action: 'retention.deletion_refused', target: { type: s.type, id: s.id }, details: { article: '第二十条', ...details } });
    }
  });
}

/** What a leader names for a batch (each must be due); nothing named: everything due. */
export interface BatchTarget {
  recordingIds?: readonly string[];
  caseIds?: readonly string[];
}

/**
 * Proposes a batch. Without ids: every due recording and case file (the daily sweep, proposer null = the
 * system; or a leader). With ids (a leader naming recordings and/or case files): every one must be due, else
 * nothing is proposed and the attempt is refused and recorded as a 第二十条 event. Audited.
 */
export async function proposeBatch(deps: Deps, user: AuthUser | null, named: BatchTarget = {}) {
  const today = shanghaiDate();
  const { recordingIds, caseIds } = named;
  const byName = !!(recordingIds || caseIds);
  const refused: Subject[] = [];
  try {
    return await deps.db.transaction().execute(async (trx) => {
      if (recordingIds) await recomputeRetention(trx, { recordingIds });
      if (caseIds) await recomputeRetention(trx, { caseIds });
      const due = byName && !recordingIds ? [] : await repo.dueRecordings(trx, today, recordingIds);
      const dueFiles = byName && !caseIds ? [] : await caseRepo.dueCases(trx, today, caseIds);
      if (byName) {
        const ok = new Set([...due.map((d) => d.recording_id), ...dueFiles.map((d) => d.case_id)]);
        for (const id of new Set(recordingIds)) if (!ok.has(id)) refused.push({ type: 'recording', id });
        for (const id of new Set(caseIds)) if (!ok.has(id)) refused.push({ type: 'case', id });
        if (refused.length) throw new AppError('RETENTION_NOT_DUE', { ids: refused.map((r) => r.id).join(', ') });
      }
      if (!due.length && !dueFiles.length) throw new AppError('DISPOSAL_NOTHING_DUE');
      const id = await repo.insertBatch(trx, user?.id ?? null, due, dueFiles);
      await appendAuditEvent(trx, {
        actor: user ? actorOf(user) : SYSTEM_ACTOR,
        action: 'retention.disposal.propose',
        target: { type: 'disposal_batch', id },
        details: {
          items: due.map((d) => ({ recordingId: d.recording_id, keepUntil: d.keep_until, basis: d.basis })),
          caseFiles: dueFiles.map((d) => ({ caseId: d.case_id, keepUntil: d.keep_until, basis: d.basis })),
        },
      });
      return { id, items: due.length + dueFiles.length };
    });
  } catch (error) {
    if (error instanceof AppError && error.code === 'RETENTION_NOT_DUE') {
      await recordRefusal(deps, user ? actorOf(user) : SYSTEM_ACTOR, refused, { via: 'api', reason: 'not due, held, or already in a batch' });
    }
    throw error;
  }
}

/** Approves a proposed batch: a leader who is not the proposer; the grace period (setting) starts. Audited. */
export async function approveBatch(deps: Deps, user: AuthUser, batchId: string) {
  return deps.db.transaction().execute(async (trx) => {
    const b = await repo.lockBatch(trx, batchId);
    if (!b) throw new AppError('NOT_FOUND');
    if (b.approved_at) throw new AppError('DISPOSAL_BATCH_DECIDED');
    if (b.proposed_by === user.id) throw new AppError('RETENTION_SELF_APPROVAL');
    const graceDays = await getSetting(trx, 'retention.disposalGraceDays');
    const r = await repo.approveBatch(trx, batchId, user.id, graceDays);
    await appendAuditEvent(trx, { actor: actorOf(user), action: 'retention.disposal.approve', target: { type: 'disposal_batch', id: batchId }, details: { graceDays, graceUntil: r.grace_until!.toISOString() } });
    return { approvedAt: r.approved_at!.toISOString(), graceUntil: r.grace_until!.toISOString() };
  });
}

/** Restores (keeps) one item of a batch not yet executed — before approval or during the grace period. Audited. */
export async function restoreItem(deps: Deps, user: AuthUser, itemId: string, reason: string) {
  await deps.db.transaction().execute(async (trx) => {
    const i = await repo.lockItem(trx, itemId);
    if (!i) throw new AppError('NOT_FOUND');
    if (i.state !== 'proposed') throw new AppError('DISPOSAL_ITEM_FINAL');
    await repo.restoreItem(trx, itemId, user.id, reason);
    await repo.completeBatches(trx);
    const target = i.case_id ? { type: 'case', id: i.case_id } : { type: 'recording', id: i.recording_id! };
    await appendAuditEvent(trx, { actor: actorOf(user), action: 'retention.disposal.restore', target, details: { itemId, batchId: i.batch_id, reason } });
  });
}

/** Batches, newest first, with their items and state (proposed | in_grace | executing | done). */
export async function listBatches({ db }: Deps) {
  const batches = await repo.listBatches(db);
  const items = await repo.itemsOf(db, batches.map((b) => b.id));
  const now = Date.now();
  return {
    items: batches.map((b) => ({
      id: b.id,
      proposedBy: b.proposed_by ? b.proposed_by_name : null,
      proposedAt: b.proposed_at.toISOString(),
      approvedBy: b.approved_by_name,
      approvedAt: b.approved_at?.toISOString() ?? null,
      graceUntil: b.grace_until?.toISOString() ?? null,
      completedAt: b.completed_at?.toISOString() ?? null,
      state: b.completed_at ? ('done' as const) : !b.approved_at ? ('proposed' as const) : b.grace_until!.getTime() > now ? ('in_grace' as const) : ('executing' as const),
      items: items
        .filter((i) => i.batch_id === b.id)
        .map((i) => ({
          id: i.id,
          subjectType: i.case_id ? ('case_file' as const) : ('recording' as const),
          recordingId: i.recording_id,
          fileName: i.file_name,
          recordedStart: i.recorded_start?.toISOString() ?? null,
          caseId: i.case_id,
          caseNumber: i.case_number,
          archiveNumber: i.archive_number,
          closedOn: i.closed_on,
          keepUntil: i.keep_until,
          basis: i.basis,
          state: i.state,
          restoredBy: i.restored_by_name,
          restoredAt: i.restored_at?.toISOString() ?? null,
          restoreReason: i.restore_reason,
          deletedAt: i.deleted_at?.toISOString() ?? null,
        })),
    })),
  };
}

/**
 * Executes the approved items past their grace period (all, or one recording's or case file's). For each:
 * recompute (a new link or hold since the proposal restores the item instead), tombstone + item 'deleting'
 * in one transaction, derived files then the originals deleted from the store, then item 'deleted' and the
 * recording or case file marked disposed. A store refusal (still locked) leaves the item 'deleting' for a
 * later run and is recorded as a 第二十条 event. `executedBy` names who ran it (job, CLI user).
 */
export async function executeDue(deps: Deps, executedBy: { actor: Actor; label: string }, o: { recordingId?: string; caseId?: string } = {}) {
  const items = await repo.executableItems(deps.db, o);
  const named: Subject | undefined = o.recordingId ? { type: 'recording', id: o.recordingId } : o.caseId ? { type: 'case', id: o.caseId } : undefined;
  if (named && !items.length) {
    await recordRefusal(deps, executedBy.actor, [named], { via: executedBy.label, reason: 'no approved disposal past its grace period' });
    throw new AppError('DISPOSAL_NOT_APPROVED');
  }
  const result = { deleted: 0, restored: 0, refused: 0 };
  for (const it of items) {
    const subject: Subject = it.case_id ? { type: 'case', id: it.case_id } : { type: 'recording', id: it.recording_id! };
    let keys: string[] | undefined;
    try {
      keys = await deps.db.transaction().execute(async (trx) => {
        const i = await repo.lockItem(trx, it.id);
        if (!i || (i.state !== 'proposed' && i.state !== 'deleting')) return undefined;
        if (i.case_id) {
          const prepared = await prepareCaseItem(trx, executedBy.actor, executedBy.label, { ...i, case_id: i.case_id });
          if (prepared?.restored) result.restored += 1;
          return prepared && !prepared.restored ? prepared.keys : undefined;
        }
        const r = await repo.recordingForTombstone(trx, i.recording_id!);
        if (!r) return undefined;
        if (i.state === 'proposed') {
          await recomputeRetention(trx, { recordingIds: [i.recording_id!] });
          const fresh = await repo.recordingForTombstone(trx, i.recording_id!);
          if (!fresh?.keep_until || fresh.keep_until >= shanghaiDate()) {
            await restoreNoLongerDue(trx, executedBy.actor, subject, i.id, fresh);
            result.restored += 1;
            return undefined;
          }
          const b = (await repo.lockBatch(trx, i.batch_id))!;
          await repo.insertTombstone(trx, {
            recording_id: r.id,
            item_id: i.id,
            batch_id: i.batch_id,
            original_sha256: r.sha256,
            original_sm3: r.sm3,
            size_bytes: r.size_bytes,
            file_name: r.file_name,
            metadata: JSON.stringify({
              departmentId: r.department_id,
              deviceNumber: r.device_number,
              recordedStart: r.recorded_start.toISOString(),
              recordedEnd: r.recorded_end?.toISOString() ?? null,
              uploadedAt: r.uploaded_at.toISOString(),
              uploadedBy: r.uploaded_by,
              activity: r.activity,
              party: r.party,
              caseName: r.case_name,
              caseNumber: r.case_number,
              location: r.location,
              notes: r.notes,
            }),
            derived: JSON.stringify(r.derived.map((d) => ({ kind: d.kind, sha256: d.sha256, sm3: d.sm3, sizeBytes: Number(d.size_bytes) }))),
            keep_until: fresh.keep_until,
            basis: fresh.basis,
            rule_version: fresh.rule_version,
            proposed_by: b.proposed_by,
            proposed_at: b.proposed_at,
            approved_by: b.approved_by,
            approved_at: b.approved_at,
            grace_until: b.grace_until,
            executed_by: executedBy.label,
          });
          await markExecuting(trx, executedBy.actor, subject, i, {
            keepUntil: fresh.keep_until,
            basis: fresh.basis,
            approvedBy: b.approved_by,
            facts: { sha256: r.sha256, sm3: r.sm3, sizeBytes: Number(r.size_bytes) },
          });
        }
        // Derived files first, then the original.
        return [...r.derived.map((d) => d.sha256), r.sha256];
      });
    } catch (error) {
      if (error instanceof Error && /QUANLU_DISPOSAL_REFUSED/.test(error.message)) {
        result.refused += 1;
        await recordRefusal(deps, executedBy.actor, [subject], { via: executedBy.label, reason: 'database gate' });
        continue;
      }
      throw error;
    }
    if (!keys) continue;
    try {
      for (const k of keys) await deps.storage.deleteForDisposal(k);
    } catch (error) {
      if (error instanceof AppError && error.code === 'RETENTION_DELETE_REFUSED') {
        result.refused += 1;
        await recordRefusal(deps, executedBy.actor, [subject], { via: executedBy.label, reason: 'object store lock', key: error.params.key });
        continue;
      }
      throw error;
    }
    await deps.db.transaction().execute((trx) => markDeleted(trx, executedBy.actor, subject, it.id, keys));
    result.deleted += 1;
  }
  if (named && result.deleted === 0) throw new AppError('DISPOSAL_NOT_APPROVED');
  return result;
}

/** The tombstone of a disposed recording (metadata, hashes, rule, approvals, times), if any. */
export async function tombstoneOf({ db }: Deps, recordingId: string) {
  const t = await repo.tombstone(db, recordingId);
  return t && { ...t, size_bytes: Number(t.size_bytes) };
}

/** The tombstone of a disposed case file (metadata, every file's hashes, rule, approvals, times), if any. */
export async function caseTombstoneOf({ db }: Deps, caseId: string) {
  return caseRepo.caseTombstone(db, caseId);
}
