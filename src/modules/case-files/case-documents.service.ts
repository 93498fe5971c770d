import { appendAuditEvent } from '../../platform/audit/audit-chain.ts';
import { actorOf, type AuthUser } from '../../platform/auth/auth-user.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError } from '../../platform/errors/error-catalog.ts';
import { requireAccess } from '../access/access.service.ts';
import { getSetting } from '../settings/settings.service.ts';
import { currentTemplate } from './case-file-template.service.ts';
import * as repo from './case-files.repository.ts';
import { assertCaseFileNotDisposed } from '../retention/case-disposal.service.ts';
import { lockCaseFileBytes } from '../retention/retention.service.ts';
import { inspectDocument } from './document-inspect.ts';
import { settleObject, stageObject } from './case-file-objects.service.ts';

/** What the uploader says about a document (the bytes say the rest). */
export interface DocumentMeta {
  type: string;
  title: string;
  responsible: string;
  number?: string;
  date: string;
  fileName: string;
  receiptSigned?: boolean;
  notes?: string;
}

export function documentView(d: repo.DocumentRow, typeName?: { zh: string; en: string }) {
  return {
    id: d.id,
    caseId: d.case_id,
    type: d.doc_type,
    typeName: typeName ?? { zh: d.doc_type, en: d.doc_type },
    number: d.doc_number,
    title: d.title,
    responsible: d.responsible,
    date: d.doc_date,
    pageCount: d.page_count,
    mimeType: d.mime_type,
    sha256: d.sha256,
    sm3: d.sm3,
    sizeBytes: Number(d.size_bytes),
    fileName: d.file_name,
    receiptSigned: d.receipt_signed,
    notes: d.notes,
    uploadedAt: d.uploaded_at.toISOString(),
    uploadedBy: d.uploaded_by_name,
    // 0015: 已被替换 — by which document, why, when, by whom; and what this one replaced.
    supersededBy: d.superseded_by_document
      ? { documentId: d.superseded_by_document, reason: d.supersede_reason!, at: d.superseded_at!.toISOString(), by: d.superseded_by_name! }
      : null,
    supersedes: d.supersedes_document,
  };
}

/** Throws CASE_ARCHIVED when the case file is archived (the database refuses too; this says it clearly). */
export async function assertNotArchived(db: Deps['db'] | Parameters<typeof repo.findArchive>[0], caseId: string): Promise<void> {
  const a = await repo.findArchive(db, caseId);
  if (a) throw new AppError('CASE_ARCHIVED', { on: a.archived_at.toISOString().slice(0, 10), number: a.archive_number });
}

/**
 * Uploads a written record (第五、九条): checks the bytes (format by magic number, not encrypted, not broken,
 * within the page limit) BEFORE anything is stored, so a refusal leaves nothing behind; stores them write-once
 * as an original (SHA-256 + SM3, fixity-enrolled) under a committed intent; writes the document row, its audit
 * event and the intent's settlement in one transaction (a crash or failure between: the orphan sweep cleans up).
 */
export async function uploadDocument(deps: Deps, user: AuthUser, caseId: string, meta: DocumentMeta, bytes: Buffer) {
  const { db, storage } = deps;
  await requireAccess(db, user, 'case.file.write', [caseId]);
  await assertNotArchived(db, caseId);
  const { template } = await currentTemplate(db);
  const type = template.documentTypes.find((t) => t.code === meta.type);
  if (!type) throw new AppError('DOCUMENT_TYPE_UNKNOWN', { type: meta.type });
  if (bytes.length === 0) throw new AppError('EMPTY_FILE');
  const inspected = await inspectDocument(bytes, await getSetting(db, 'caseFile.maxDocumentPages'));
  const staged = await stageObject(deps, bytes, 'case_document', user.id);
  const { put } = staged;
  const view = await db.transaction().execute(async (trx) => {
    await settleObject(trx, staged);
    const known = await repo.findOriginal(trx, put.sha256);
    if (known && (known.sm3 !== put.sm3 || Number(known.size_bytes) !== put.size)) throw new AppError('ORIGINAL_MISMATCH');
    if (!known) await repo.insertOriginal(trx, { sha256: put.sha256, sm3: put.sm3, size: put.size, storage: storage.kind, by: user.id });
    const row = await repo.insertDocument(trx, {
      caseId,
      docType: type.code,
      docNumber: meta.number ?? '',
      title: meta.title,
      responsible: meta.responsible,
      docDate: meta.date,
      pageCount: inspected.pageCount,
      mimeType: inspected.mimeType,
      sha256: put.sha256,
      fileName: meta.fileName,
      // 送达回证: signed or not (unsigned ones block archiving); other documents have no such flag.
      receiptSigned: type.serviceReceipt ? (meta.receiptSigned ?? false) : null,
      notes: meta.notes ?? '',
      by: user.id,
    });
    await appendAuditEvent(trx, {
      actor: actorOf(user),
      action: 'case_document.upload',
      target: { type: 'case_document', id: row.id },
      details: { caseId, type: type.code, title: meta.title, sha256: put.sha256, sm3: put.sm3, pages: inspected.pageCount, mimeType: inspected.mimeType },
    });
    const full = await repo.findDocument(trx, caseId, row.id);
    return documentView(full!, { zh: type.zh, en: type.en });
  });
  // 第十一条: the bytes are part of the record: held in the store while the case file has no date.
  await lockCaseFileBytes(deps, caseId);
  return view;
}

/** A case's documents (metadata: whoever may read the case sees the list, as the case page shows it). */
export async function listDocuments({ db }: Deps, user: AuthUser, caseId: string) {
  await requireAccess(db, user, 'case.read', [caseId]);
  const { template } = await currentTemplate(db);
  const names = new Map(template.documentTypes.map((t) => [t.code, { zh: t.zh, en: t.en }]));
  return (await repo.documentsOf(db, caseId)).map((d) => documentView(d, names.get(d.doc_type)));
}

/**
 * A document's content (第十四条: reading the case file is consulting it — only those the access decision point
 * lets read case-file content, each read audited).
 */
export async function readDocumentContent(deps: Deps, user: AuthUser, caseId: string, documentId: string) {
  const { db, storage } = deps;
  await requireAccess(db, user, 'case.file.read', [caseId]);
  const d = await repo.findDocument(db, caseId, documentId);
  if (!d) throw new AppError('NOT_FOUND');
  await assertCaseFileNotDisposed(db, caseId);
  await db.transaction().execute(async (trx) => {
    await appendAuditEvent(trx, {
      actor: actorOf(user),
      action: 'case_document.view',
      target: { type: 'case_document', id: d.id },
      details: { caseId, sha256: d.sha256 },
    });
  });
  return { stream: await storage.get(d.sha256), mimeType: d.mime_type, size: Number(d.size_bytes), fileName: d.file_name };
}

/**
 * 替换文书: `replacementId` (an uploaded document of the same case) supersedes `documentId`, with a written
 * reason. Documents are write-once (第五、九条: the record is never rewritten): the superseded one stays stored and
 * listed, marked 已被替换; it leaves the bound case file and 案卷评查 (so a receipt recorded unsigned by mistake no
 * longer blocks archiving once the signed one replaces it). Once per document; never after archiving (the case
 * row is locked as archiving locks it, so the two cannot cross). Audited in the same transaction.
 */
export async function supersedeDocument(deps: Deps, user: AuthUser, caseId: string, documentId: string, body: { replacementId: string; reason?: string }) {
  const { db } = deps;
  await requireAccess(db, user, 'case.file.write', [caseId]);
  const reason = (body.reason ?? '').trim();
  if (!reason) throw new AppError('SUPERSEDE_REASON_REQUIRED');
  if (body.replacementId === documentId) throw new AppError('SUPERSEDE_SELF');
  const id = await db.transaction().execute(async (trx) => {
    if (!(await repo.lockCaseRow(trx, caseId))) throw new AppError('NOT_FOUND');
    await assertNotArchived(trx, caseId);
    const old = await repo.findDocument(trx, caseId, documentId);
    if (!old) throw new AppError('NOT_FOUND');
    if (old.superseded_at) throw new AppError('DOCUMENT_ALREADY_SUPERSEDED', { title: old.title, on: old.superseded_at.toISOString().slice(0, 10) });
    // Another case's document (or none): one answer for both, so nothing is learnt about other cases.
    const replacement = await repo.findDocument(trx, caseId, body.replacementId);
    if (!replacement) throw new AppError('SUPERSEDE_OTHER_CASE');
    if (replacement.superseded_at) throw new AppError('REPLACEMENT_SUPERSEDED', { title: replacement.title });
    const row = await repo.insertSupersession(trx, { caseId, supersededId: documentId, replacementId: replacement.id, reason, by: user.id });
    if (!row) throw new AppError('DOCUMENT_ALREADY_SUPERSEDED', { title: old.title, on: new Date().toISOString().slice(0, 10) });
    await appendAuditEvent(trx, {
      actor: actorOf(user),
      action: 'case_document.supersede',
      target: { type: 'case_document', id: documentId },
      details: { caseId, replacementId: replacement.id, reason, supersededSha256: old.sha256, replacementSha256: replacement.sha256 },
    });
    return documentId;
  });
  const { template } = await currentTemplate(db);
  const d = (await repo.findDocument(db, caseId, id))!;
  const t = template.documentTypes.find((x) => x.code === d.doc_type);
  return documentView(d, t && { zh: t.zh, en: t.en });
}
