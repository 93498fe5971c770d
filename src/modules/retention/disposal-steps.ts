import { appendAuditEvent, type Actor } from '../../platform/audit/audit-chain.ts';
import type { Tx } from '../../platform/db/database.ts';
import * as caseRepo from './case-disposal.repository.ts';
import * as repo from './disposal.repository.ts';

/**
 * The steps of executing one disposal item that are the same for a recording and a case file (第十一、二十条):
 * the automatic restore of an item no longer due, the move to 'deleting' after the tombstone with its audit
 * event, and the end once the bytes are gone. The subject kind says which row is marked disposed.
 */

/** What an item disposes of, as its audit events name it. */
export type DisposalSubject = { type: 'recording' | 'case'; id: string };

/**
 * Re-checked at execution, the item is no longer due (a new link, hold or period since the proposal): it is
 * restored by the system (no leader) and that is audited with the date and rule now in force.
 */
export async function restoreNoLongerDue(trx: Tx, actor: Actor, subject: DisposalSubject, itemId: string, now: { keep_until: string | null; basis: string } | undefined) {
  await repo.restoreItem(trx, itemId, null, '不再满足销毁条件（新的关联、保全或期限）No longer due');
  await appendAuditEvent(trx, {
    actor,
    action: 'retention.disposal.restore',
    target: subject,
    details: { itemId, automatic: true, keepUntil: now?.keep_until ?? null, basis: now?.basis ?? null },
  });
}

/**
 * After the subject's tombstone is written: the item moves to 'deleting' (the database admits that only with a
 * tombstone) and the execution is audited — item, batch, date, rule and approver, plus what the subject's
 * tombstone keeps of its bytes (`facts`: hashes and sizes).
 */
export async function markExecuting(
  trx: Tx,
  actor: Actor,
  subject: DisposalSubject,
  item: { id: string; batch_id: string },
  o: { keepUntil: string; basis: string; approvedBy: string | null; facts: Record<string, unknown> },
) {
  await repo.setItemState(trx, item.id, 'deleting');
  await appendAuditEvent(trx, {
    actor,
    action: 'retention.disposal.execute',
    target: subject,
    details: { itemId: item.id, batchId: item.batch_id, ...o.facts, keepUntil: o.keepUntil, basis: o.basis, approvedBy: o.approvedBy },
  });
}

/** After the bytes are gone: the item 'deleted', the recording or case file marked disposed (final), audited. */
export async function markDeleted(trx: Tx, actor: Actor, subject: DisposalSubject, itemId: string, keys: string[]) {
  await repo.setItemState(trx, itemId, 'deleted');
  if (subject.type === 'case') await caseRepo.markCaseDisposed(trx, subject.id);
  else await repo.markDisposed(trx, subject.id);
  await repo.completeBatches(trx);
  await appendAuditEvent(trx, { actor, action: 'retention.disposal.deleted', target: subject, details: { itemId, keys } });
}
