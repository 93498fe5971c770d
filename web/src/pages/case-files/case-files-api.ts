import type { components } from '../../../../src/api-contract/schema.ts';
import { ApiError, client, csrfToken, unwrap } from '../../api/client.ts';
import { currentLanguage } from '../../i18n/language-store.ts';

/** Shapes of the case-file API, from the generated contract (nothing hand-kept). */
export type CaseDocument = components['schemas']['CaseDocument'];
export type CaseFileState = components['schemas']['CaseFileState'];
export type CaseFileBuild = components['schemas']['CaseFileBuild'];
export type CaseFileTemplate = components['schemas']['CaseFileTemplate'];

export const listDocuments = (caseId: string) => unwrap(client.GET('/api/cases/{id}/documents', { params: { path: { id: caseId } } }));
export const caseFileState = (caseId: string) => unwrap(client.GET('/api/cases/{id}/case-file', { params: { path: { id: caseId } } }));
export const caseFileTemplate = () => unwrap(client.GET('/api/case-file-template'));
export const buildCaseFile = (caseId: string) => unwrap(client.POST('/api/cases/{id}/case-file/builds', { params: { path: { id: caseId } } }));
/** 替换文书: `replacementId` (a document of the same case) supersedes `documentId`, with a written reason. */
export const supersedeDocument = (caseId: string, documentId: string, replacementId: string, reason: string) =>
  unwrap(client.POST('/api/cases/{id}/documents/{documentId}/supersede', { params: { path: { id: caseId, documentId } }, body: { replacementId, reason } }));
export const archiveCaseFile = (caseId: string) => unwrap(client.POST('/api/cases/{id}/case-file/archive', { params: { path: { id: caseId } } }));

/** Where a built PDF is read (inline, in a new tab; each read audited). */
export const buildPdfUrl = (caseId: string, buildId: string) => `/api/cases/${caseId}/case-file/builds/${buildId}/pdf`;
export const documentContentUrl = (caseId: string, documentId: string) => `/api/cases/${caseId}/documents/${documentId}/content`;

export interface DocumentUploadMeta {
  type: string;
  title: string;
  responsible: string;
  number?: string;
  date: string;
  receiptSigned?: boolean;
}

/**
 * Uploads a document's bytes as the request body with its description in the query (the route takes raw
 * PDF/JPEG/PNG bytes, which the JSON client does not send). Session cookie + CSRF header like every write.
 */
export async function uploadDocument(caseId: string, file: File, meta: DocumentUploadMeta): Promise<CaseDocument> {
  const q = new URLSearchParams({ type: meta.type, title: meta.title, responsible: meta.responsible, date: meta.date, fileName: file.name || 'document' });
  if (meta.number) q.set('number', meta.number);
  if (meta.receiptSigned !== undefined) q.set('receiptSigned', String(meta.receiptSigned));
  const headers: Record<string, string> = {
    'content-type': file.type === 'application/pdf' || file.type === 'image/jpeg' || file.type === 'image/png' ? file.type : 'application/octet-stream',
    accept: 'application/json',
    'accept-language': currentLanguage() === 'en' ? 'en' : 'zh-CN',
  };
  const csrf = csrfToken();
  if (csrf) headers['x-csrf-token'] = csrf;
  const res = await fetch(`/api/cases/${caseId}/documents?${q}`, { method: 'POST', body: file, headers, credentials: 'same-origin' });
  const body = (await res.json().catch(() => ({}))) as CaseDocument & { code?: string; message?: string; requestId?: string };
  if (!res.ok) throw new ApiError(res.status, body, `HTTP ${res.status}`);
  return body;
}
