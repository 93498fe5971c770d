import type { Actor } from '../../platform/audit/audit-chain.ts';
import type { DbOrTx, Tx } from '../../platform/db/database.ts';
import { AppError } from '../../platform/errors/error-catalog.ts';
import { shanghaiDate } from '../../platform/time.ts';
import * as caseRepo from './case-disposal.repository.ts';
import * as repo from './disposal.repository.ts';
import { markExecuting, restoreNoLongerDue } from './disposal-steps.ts';
import { recomputeRetention } from './retention.service.ts';

/**
 * 案卷销毁 (第十一、二十条): the case-file half of a disposal batch. A case file (its scanned documents and the
 * built case-file PDFs) is due when its keep-until date has passed, the case is closed and nothing holds it:
 * no legal hold or reopening on the file, and no recording linked to the case still kept beyond today (a
 * preserved or held recording keeps its case file too). A 永久 file has no date and is never due. The bytes
 * are deleted by disposal.service.ts (the only caller of the store's deletion), after the tombstone this
 * module writes; the database admits that tombstone only for an approved, due, unheld item past its grace.
 */

/** One stored file of a case file as its tombstone keeps it. */
interface TombstoneFile {
  kind: 'document' | 'case_file_pdf';
  id: string;
  sha256: string;
  sm3: string;
  sizeBytes: number;
  /** False when the same bytes still serve another record and are kept (content-addressed store). */
  destroy: boolean;
  [k: string]: unknown;
}

/**
 * Inside the executor's transaction, for one locked item of a case file: a proposed item is checked afresh
 * (recomputed; no longer due → the item is restored automatically, audited, and nothing is returned), then
 * the tombstone is written and the item moves to 'deleting'; an item already 'deleting' (the store refused
 * earlier) is retried. Returns the keys to delete, built PDFs (derived) first, then the documents.
 */
export async function prepareCaseItem(trx: Tx, actor: Actor, executedBy: string, i: { id: string; batch_id: string; case_id: string; state: string }): Promise<{ keys: string[]; restored: boolean } | undefined> {
  if (i.state === 'deleting') {
    const t = await caseRepo.caseTombstone(trx, i.case_id);
    if (!t) return undefined;
    return { keys: (t.files as TombstoneFile[]).filter((f) => f.destroy).map((f) => f.sha256), restored: false };
  }
  await recomputeRetention(trx, { caseIds: [i.case_id] });
  const today = shanghaiDate();
  const due = await caseRepo.dueCases(trx, today, [i.case_id], { queued: true });
  const c = await caseRepo.caseForTombstone(trx, i.case_id);
  if (!due.length || !c || !c.keep_until) {
    await restoreNoLongerDue(trx, actor, { type: 'case', id: i.case_id }, i.id, c);
    return { keys: [], restored: true };
  }
  const candidates = [...c.builds.map((b) => b.sha256), ...c.documents.map((d) => d.sha256)];
  const serving = await caseRepo.keysStillServing(trx, i.case_id, candidates);
  const files: TombstoneFile[] = [
    ...c.builds.map((b) => ({ kind: 'case_file_pdf' as const, id: b.id, final: b.final, builtAt: b.built_at.toISOString(), totalPages: b.total_pages, sha256: b.sha256, sm3: b.sm3, sizeBytes: Number(b.size_bytes), destroy: !serving.has(b.sha256) })),
    ...c.documents.map((d) => ({
      kind: 'document' as const,
      id: d.id,
      docType: d.doc_type,
      docNumber: d.doc_number,
      title: d.title,
      docDate: d.doc_date,
      pageCount: d.page_count,
      fileName: d.file_name,
      sha256: d.sha256,
      sm3: d.sm3,
      sizeBytes: Number(d.size_bytes),
      destroy: !serving.has(d.sha256),
    })),
  ];
  const b = (await repo.lockBatch(trx, i.batch_id))!;
  await caseRepo.insertCaseTombstone(trx, {
    case_id: c.id,
    item_id: i.id,
    batch_id: i.batch_id,
    case_number: c.case_number,
    archive_number: c.archive_number,
    dossier_code: c.dossier_code,
    metadata: JSON.stringify({
      cause: c.cause,
      actKind: c.act_kind,
      procedure: c.procedure,
      coerciveMeasures: c.coercive_measures,
      departmentId: c.department_id,
      filedOn: c.filed_on,
      closedOn: c.closed_on,
      retentionCode: c.retention_code,
      retainUntil: c.retain_until,
      archivedAt: c.archived_at?.toISOString() ?? null,
      archivedBy: c.archived_by,
    }),
    files: JSON.stringify(files),
    keep_until: c.keep_until,
    basis: c.basis,
    rule_version: c.rule_version,
    proposed_by: b.proposed_by,
    proposed_at: b.proposed_at,
    approved_by: b.approved_by,
    approved_at: b.approved_at,
    grace_until: b.grace_until,
    executed_by: executedBy,
  });
  await markExecuting(trx, actor, { type: 'case', id: c.id }, i, {
    keepUntil: c.keep_until,
    basis: c.basis,
    approvedBy: b.approved_by,
    facts: {
      caseNumber: c.case_number,
      archiveNumber: c.archive_number,
      files: files.map((f) => ({ kind: f.kind, id: f.id, sha256: f.sha256, sm3: f.sm3, sizeBytes: f.sizeBytes, destroy: f.destroy })),
    },
  });
  return { keys: files.filter((f) => f.destroy).map((f) => f.sha256), restored: false };
}

/** Refuses (410 CASE_FILE_DISPOSED) to serve the files of a case file that was disposed of. */
export async function assertCaseFileNotDisposed(db: DbOrTx, caseId: string) {
  const at = await caseRepo.caseDisposedAt(db, caseId);
  if (at) throw new AppError('CASE_FILE_DISPOSED', { at: at.toISOString() });
}
