import { sql } from 'kysely';
import type { DbOrTx } from '../../platform/db/database.ts';

/** 案卷 SQL (0013): templates, documents, builds, archive numbers; and what the case file reads of cases and recordings. */

// Template ------------------------------------------------------------------------------------------------

export async function latestTemplate(db: DbOrTx) {
  return db.selectFrom('case_file_template').selectAll().orderBy('version', 'desc').limit(1).executeTakeFirst();
}

/** Adds a template version (the next number); ON CONFLICT: a concurrent first use wrote version 1 already. */
export async function insertTemplate(db: DbOrTx, version: number, body: unknown, by: string | null) {
  return db
    .insertInto('case_file_template')
    .values({ version, body: JSON.stringify(body), created_by: by })
    .onConflict((oc) => oc.column('version').doNothing())
    .returningAll()
    .executeTakeFirst();
}

// Documents -----------------------------------------------------------------------------------------------

export async function findOriginal(db: DbOrTx, sha256: string) {
  return db.selectFrom('original').select(['sha256', 'sm3', 'size_bytes']).where('sha256', '=', sha256).executeTakeFirst();
}

/** Registers document bytes as an original of the object store (fixity enrols it); nothing when already there. */
export async function insertOriginal(db: DbOrTx, o: { sha256: string; sm3: string; size: number; storage: string; by: string }) {
  await sql`INSERT INTO original (sha256, sm3, size_bytes, storage, first_uploaded_by)
    VALUES (${o.sha256}, ${o.sm3}, ${o.size}, ${o.storage}, ${o.by}) ON CONFLICT (sha256) DO NOTHING`.execute(db);
}

export interface NewDocument {
  caseId: string;
  docType: string;
  docNumber: string;
  title: string;
  responsible: string;
  docDate: string;
  pageCount: number;
  mimeType: 'application/pdf' | 'image/jpeg' | 'image/png';
  sha256: string;
  fileName: string;
  receiptSigned: boolean | null;
  notes: string;
  by: string;
}

export async function insertDocument(db: DbOrTx, d: NewDocument) {
  return db
    .insertInto('case_document')
    .values({
      case_id: d.caseId,
      doc_type: d.docType,
      doc_number: d.docNumber,
      title: d.title,
      responsible: d.responsible,
      doc_date: d.docDate,
      page_count: d.pageCount,
      mime_type: d.mimeType,
      sha256: d.sha256,
      file_name: d.fileName,
      receipt_signed: d.receiptSigned,
      notes: d.notes,
      uploaded_by: d.by,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

const documentColumns = sql`d.id, d.case_id, d.doc_type, d.doc_number, d.title, d.responsible, d.doc_date, d.page_count, d.mime_type,
  d.sha256, o.sm3, o.size_bytes, d.file_name, d.receipt_signed, d.notes, d.uploaded_at, d.uploaded_by, u.username AS uploaded_by_name,
  s.replacement_id AS superseded_by_document, s.reason AS supersede_reason, s.superseded_at, su.username AS superseded_by_name,
  (SELECT r.superseded_id FROM case_document_supersession r WHERE r.replacement_id = d.id) AS supersedes_document`;
/** The document, its stored bytes, its uploader and (0015) the supersession that replaced it, if any. */
const documentFrom = sql`case_document d JOIN original o ON o.sha256 = d.sha256 JOIN app_user u ON u.id = d.uploaded_by
  LEFT JOIN case_document_supersession s ON s.superseded_id = d.id LEFT JOIN app_user su ON su.id = s.superseded_by`;

export interface DocumentRow {
  id: string;
  case_id: string;
  doc_type: string;
  doc_number: string;
  title: string;
  responsible: string;
  doc_date: string;
  page_count: number;
  mime_type: 'application/pdf' | 'image/jpeg' | 'image/png';
  sha256: string;
  sm3: string;
  size_bytes: string;
  file_name: string;
  receipt_signed: boolean | null;
  notes: string;
  uploaded_at: Date;
  uploaded_by: string;
  uploaded_by_name: string;
  /** 0015: the document that replaced this one (NULL while it is in force), why, when and by whom. */
  superseded_by_document: string | null;
  supersede_reason: string | null;
  superseded_at: Date | null;
  superseded_by_name: string | null;
  /** 0015: the document this one replaced, if any. */
  supersedes_document: string | null;
}

/** Every document of the case, superseded ones included (the list shows them, marked). */
export async function documentsOf(db: DbOrTx, caseId: string): Promise<DocumentRow[]> {
  const r = await sql<DocumentRow>`SELECT ${documentColumns} FROM ${documentFrom}
    WHERE d.case_id = ${caseId} ORDER BY d.doc_date, d.uploaded_at, d.id`.execute(db);
  return r.rows;
}

/** The documents in force: superseded ones left out (what is bound and reviewed, 0015). */
export async function currentDocumentsOf(db: DbOrTx, caseId: string): Promise<DocumentRow[]> {
  const r = await sql<DocumentRow>`SELECT ${documentColumns} FROM ${documentFrom}
    WHERE d.case_id = ${caseId} AND s.superseded_id IS NULL ORDER BY d.doc_date, d.uploaded_at, d.id`.execute(db);
  return r.rows;
}

export async function findDocument(db: DbOrTx, caseId: string, id: string): Promise<DocumentRow | undefined> {
  const r = await sql<DocumentRow>`SELECT ${documentColumns} FROM ${documentFrom} WHERE d.case_id = ${caseId} AND d.id = ${id}`.execute(db);
  return r.rows[0];
}

/** A document's case (to tell "another case's document" from "no such document"). */
export async function documentCase(db: DbOrTx, id: string): Promise<string | undefined> {
  return (await db.selectFrom('case_document').select('case_id').where('id', '=', id).executeTakeFirst())?.case_id;
}

/** Records that `replacement` supersedes `superseded`; undefined when it was superseded already (unique key). */
export async function insertSupersession(db: DbOrTx, s: { caseId: string; supersededId: string; replacementId: string; reason: string; by: string }) {
  return db
    .insertInto('case_document_supersession')
    .values({ case_id: s.caseId, superseded_id: s.supersededId, replacement_id: s.replacementId, reason: s.reason, superseded_by: s.by })
    .onConflict((oc) => oc.column('superseded_id').doNothing())
    .returningAll()
    .executeTakeFirst();
}

// Case facts the case file reads ------------------------------------------------------------------------------

export async function caseFacts(db: DbOrTx, caseId: string) {
  return db
    .selectFrom('enforcement_case as c')
    .innerJoin('department as d', 'd.id', 'c.department_id')
    .select(['c.id', 'c.case_number', 'c.cause', 'c.procedure', 'c.status', 'c.filed_on', 'c.closed_on', 'c.department_id', 'd.name as department_name'])
    .where('c.id', '=', caseId)
    .executeTakeFirst();
}

/** The case row locked while it is archived (one archiving at a time per case). */
export async function lockCaseRow(db: DbOrTx, caseId: string) {
  return db.selectFrom('enforcement_case').select(['id']).where('id', '=', caseId).forUpdate().executeTakeFirst();
}

export async function partyNames(db: DbOrTx, caseId: string): Promise<string[]> {
  const rows = await db.selectFrom('case_party').select('name').where('case_id', '=', caseId).orderBy('position').execute();
  return rows.map((r) => r.name);
}

export async function officerFacts(db: DbOrTx, caseId: string) {
  return db
    .selectFrom('case_officer as o')
    .innerJoin('person as p', 'p.id', 'o.person_id')
    .select(['p.id', 'p.name', 'o.lead'])
    .where('o.case_id', '=', caseId)
    .orderBy('o.lead', 'desc')
    .orderBy('p.name')
    .execute();
}

export async function stageDates(db: DbOrTx, caseId: string) {
  return db.selectFrom('case_stage_event').select(['to_stage', 'occurred_on', 'at']).where('case_id', '=', caseId).orderBy('at').execute();
}

export interface LinkedRecordingRow {
  recording_id: string;
  stage: string;
  file_name: string;
  recorded_start: Date | null;
  sha256: string;
  sm3: string;
  size_bytes: string;
  storage: string;
  officers: string | null;
  fixity_result: string | null;
  failing_since: Date | null;
}

/** The recordings live-linked to the case (电子数据), each once (the earliest stage it serves), with fixity state. */
export async function linkedRecordings(db: DbOrTx, caseId: string): Promise<LinkedRecordingRow[]> {
  const r = await sql<LinkedRecordingRow>`
    SELECT DISTINCT ON (r.id) r.id AS recording_id, l.stage, r.file_name, r.recorded_start, o.sha256, o.sm3, o.size_bytes, o.storage,
      (SELECT string_agg(p.name, '、' ORDER BY p.name) FROM recording_officer ro JOIN person p ON p.id = ro.person_id WHERE ro.recording_id = r.id) AS officers,
      f.last_result AS fixity_result, f.failing_since
    FROM case_recording_link l
    JOIN recording r ON r.id = l.recording_id
    JOIN original o ON o.sha256 = r.original_sha256
    LEFT JOIN fixity_object f ON f.sha256 = o.sha256
    WHERE l.case_id = ${caseId} AND l.unlinked_at IS NULL
    ORDER BY r.id, l.linked_at`.execute(db);
  return r.rows.sort((a, b) => (a.recorded_start?.getTime() ?? 0) - (b.recorded_start?.getTime() ?? 0) || a.recording_id.localeCompare(b.recording_id));
}

/** Documents whose stored bytes failed their last fixity check. */
export async function failingDocumentObjects(db: DbOrTx, caseId: string) {
  return db
    .selectFrom('case_document as d')
    .innerJoin('fixity_object as f', 'f.sha256', 'd.sha256')
    .select(['d.id', 'd.title', 'f.last_result'])
    .where('d.case_id', '=', caseId)
    .where('f.failing_since', 'is not', null)
    // A superseded document is not bound (0015); its bytes stay fixity-checked, but do not block archiving.
    .where((eb) => eb.not(eb.exists(eb.selectFrom('case_document_supersession as s').select('s.superseded_id').whereRef('s.superseded_id', '=', 'd.id'))))
    .execute();
}

// Builds and archive ---------------------------------------------------------------------------------------

export async function insertDerived(db: DbOrTx, o: { sha256: string; sm3: string; size: number }) {
  await sql`INSERT INTO derived_object (sha256, sm3, size_bytes, kind, mime_type, original_sha256)
    VALUES (${o.sha256}, ${o.sm3}, ${o.size}, 'case_file', 'application/pdf', NULL) ON CONFLICT (sha256) DO NOTHING`.execute(db);
}

export async function insertBuild(
  db: DbOrTx,
  b: { caseId: string; sha256: string; templateVersion: number; totalPages: number; numberedPages: number; catalogue: unknown; final: boolean; by: string },
) {
  return db
    .insertInto('case_file_build')
    .values({
      case_id: b.caseId,
      sha256: b.sha256,
      template_version: b.templateVersion,
      total_pages: b.totalPages,
      numbered_pages: b.numberedPages,
      catalogue: JSON.stringify(b.catalogue),
      final: b.final,
      built_by: b.by,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function buildsOf(db: DbOrTx, caseId: string) {
  return db
    .selectFrom('case_file_build as b')
    .innerJoin('app_user as u', 'u.id', 'b.built_by')
    .innerJoin('derived_object as o', 'o.sha256', 'b.sha256')
    .select(['b.id', 'b.sha256', 'o.sm3', 'o.size_bytes', 'b.template_version', 'b.total_pages', 'b.numbered_pages', 'b.catalogue', 'b.final', 'b.built_at', 'u.username as built_by_name'])
    .where('b.case_id', '=', caseId)
    .orderBy('b.built_at', 'desc')
    .execute();
}

export async function findBuild(db: DbOrTx, caseId: string, id: string) {
  return db.selectFrom('case_file_build').selectAll().where('case_id', '=', caseId).where('id', '=', id).executeTakeFirst();
}

export async function findArchive(db: DbOrTx, caseId: string) {
  return db
    .selectFrom('case_archive as a')
    .innerJoin('app_user as u', 'u.id', 'a.archived_by')
    .selectAll('a')
    .select('u.username as archived_by_name')
    .where('a.case_id', '=', caseId)
    .executeTakeFirst();
}

/** The next 归档号 serial of a year: the counter row stays locked until the transaction ends (gap-free). */
export async function nextArchiveSerial(db: DbOrTx, year: number): Promise<number> {
  const r = await sql<{ last_serial: number }>`
    INSERT INTO case_archive_counter (year, last_serial) VALUES (${year}, 1)
    ON CONFLICT (year) DO UPDATE SET last_serial = case_archive_counter.last_serial + 1
    RETURNING last_serial`.execute(db);
  return r.rows[0]!.last_serial;
}

export async function insertArchive(
  db: DbOrTx,
  a: { caseId: string; year: number; serial: number; archiveNumber: string; dossierCode: string; retentionCode: 'Y' | 'D30' | 'D10'; retainUntil: string | null; buildId: string; by: string },
) {
  return db
    .insertInto('case_archive')
    .values({
      case_id: a.caseId,
      archive_year: a.year,
      archive_serial: a.serial,
      archive_number: a.archiveNumber,
      dossier_code: a.dossierCode,
      retention_code: a.retentionCode,
      retain_until: a.retainUntil,
      build_id: a.buildId,
      archived_by: a.by,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** The username of a user (立卷人 / 检查人 on the 备考表). */
export async function personNameOfUser(db: DbOrTx, userId: string): Promise<string> {
  const r = await db
    .selectFrom('app_user as u')
    .leftJoin('person as p', 'p.id', 'u.person_id')
    .select(['u.username', 'u.display_name', 'p.name'])
    .where('u.id', '=', userId)
    .executeTakeFirst();
  return r?.name ?? r?.display_name ?? r?.username ?? '';
}
