import { z } from 'zod';
import { dateString, multilineText, text } from '../../platform/http/schemas.ts';
import { RETENTION_CODES, SECTIONS } from './case-file.template.ts';

const bilingual = z.object({ zh: z.string(), en: z.string() });

/** What the uploader states about a document; the bytes are the request body (PDF, JPEG or PNG). */
export const documentUploadQuery = z.object({
  /** Document type code of the case-file template (e.g. penalty_decision, decision_receipt, inquiry_record). */
  type: z.string().regex(/^[a-z][a-z0-9_]{1,39}$/),
  /** 题名 */
  title: text(200),
  /** 责任者 (who made the document: the agency, the party, a witness …). */
  responsible: text(100),
  /** 文号 (empty when the document has none). */
  number: text(100, 0).optional(),
  /** 日期 (YYYY-MM-DD, the date on the document). */
  date: dateString,
  /** The file's name as the uploader had it (kept for reference only; the format is read from the bytes). */
  fileName: text(255),
  /** For a 送达回证: signed by the recipient (true) or not (false, blocks archiving). */
  receiptSigned: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
  notes: multilineText(2000, 0).optional(),
});

export const caseDocumentView = z
  .object({
    id: z.uuid(),
    caseId: z.uuid(),
    type: z.string(),
    typeName: bilingual,
    number: z.string(),
    title: z.string(),
    responsible: z.string(),
    date: z.string(),
    pageCount: z.number(),
    mimeType: z.enum(['application/pdf', 'image/jpeg', 'image/png']),
    sha256: z.string(),
    sm3: z.string(),
    sizeBytes: z.number(),
    fileName: z.string(),
    receiptSigned: z.boolean().nullable(),
    notes: z.string(),
    uploadedAt: z.string(),
    uploadedBy: z.string(),
    /** 已被替换: the replacing document, the written reason, when and by whom (null while in force). */
    supersededBy: z.object({ documentId: z.uuid(), reason: z.string(), at: z.string(), by: z.string() }).nullable(),
    /** The document this one replaced, if any. */
    supersedes: z.uuid().nullable(),
  })
  .meta({ id: 'CaseDocument' });

/** 替换文书: the replacing document (already uploaded to the same case) and the written reason (required). */
export const supersedeBody = z.strictObject({
  replacementId: z.uuid(),
  /** Required: checked by the service so its absence gets its own message. */
  reason: z.string().max(2000).optional(),
});

export const catalogueRowView = z.object({
  seq: z.number(),
  responsible: z.string(),
  number: z.string(),
  title: z.string(),
  date: z.string(),
  startPage: z.number(),
  pages: z.number(),
  kind: z.enum(['document', 'electronic_data_list', 'recording']),
  documentId: z.string().optional(),
  recordingId: z.string().optional(),
  sha256: z.string().optional(),
  sm3: z.string().optional(),
});

export const caseFileBuildView = z
  .object({
    id: z.uuid(),
    sha256: z.string(),
    sm3: z.string(),
    sizeBytes: z.number(),
    templateVersion: z.number(),
    totalPages: z.number(),
    numberedPages: z.number(),
    catalogue: z.array(catalogueRowView),
    final: z.boolean(),
    builtAt: z.string(),
    builtBy: z.string(),
  })
  .meta({ id: 'CaseFileBuild' });

export const reviewProblemView = z.object({
  code: z.enum(['case_not_closed', 'missing_document', 'too_few_officers', 'stage_without_av', 'receipt_unsigned', 'dates_out_of_order', 'fixity_failed', 'fonds_number_missing']),
  zh: z.string(),
  en: z.string(),
  ref: z.string().optional(),
});

export const caseFileStateView = z
  .object({
    caseId: z.uuid(),
    templateVersion: z.number(),
    /** 案卷评查: every problem blocks archiving. */
    review: z.object({ ok: z.boolean(), problems: z.array(reviewProblemView) }),
    builds: z.array(caseFileBuildView),
    archive: z
      .object({
        archiveNumber: z.string(),
        dossierCode: z.string(),
        year: z.number(),
        serial: z.number(),
        retentionCode: z.enum(RETENTION_CODES),
        retention: bilingual,
        retainUntil: z.string().nullable(),
        buildId: z.uuid(),
        archivedAt: z.string(),
        archivedBy: z.string(),
      })
      .nullable(),
  })
  .meta({ id: 'CaseFileState' });

const templateDocumentType = z.strictObject({
  code: z.string().regex(/^[a-z][a-z0-9_]{1,39}$/),
  zh: text(40),
  en: text(80),
  section: z.enum(SECTIONS),
  serviceReceipt: z.boolean(),
  requiredFor: z.array(z.enum(['simple', 'general'])),
});

export const caseFileTemplateView = z
  .object({
    version: z.number(),
    documentTypes: z.array(templateDocumentType),
    retention: z.object({ general: z.enum(RETENTION_CODES), simple: z.enum(RETENTION_CODES) }),
    categoryCode: z.string(),
    catalogueNumber: z.string(),
    organisationCode: z.string(),
    electronicDataType: z.string(),
  })
  .meta({ id: 'CaseFileTemplate' });

export const caseDocumentParams = z.object({ id: z.uuid(), documentId: z.uuid() });
export const caseBuildParams = z.object({ id: z.uuid(), buildId: z.uuid() });
