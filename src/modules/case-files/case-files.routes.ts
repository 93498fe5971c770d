import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../platform/errors/error-catalog.ts';
import { errorBody, idParams, userOf } from '../../platform/http/schemas.ts';
import { caseFileTemplateBody } from './case-file.template.ts';
import { getTemplate, putTemplate } from './case-file-template.service.ts';
import { archiveCaseFile, buildCaseFile, caseFileState, readBuildPdf } from './case-file.service.ts';
import { listDocuments, readDocumentContent, supersedeDocument, uploadDocument } from './case-documents.service.ts';
import {
  caseBuildParams,
  caseDocumentParams,
  caseDocumentView,
  caseFileBuildView,
  caseFileStateView,
  caseFileTemplateView,
  documentUploadQuery,
  supersedeBody,
} from './case-files.schema.ts';

const tags = ['case-files'];
const errors = { 400: errorBody, 403: errorBody, 404: errorBody, 409: errorBody };

/** Largest document upload (a scanned PDF of up to caseFile.maxDocumentPages pages). */
export const DOCUMENT_MAX_BYTES = 256 * 1024 * 1024;
const DOCUMENT_TYPES = ['application/pdf', 'image/jpeg', 'image/png', 'application/octet-stream'];

/** Inline, with an ASCII fallback name and the real one as RFC 8187 `filename*`. */
function inline(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `inline; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}

export async function caseFileRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  // Document bytes arrive as the raw body (the declared type is not trusted: the service reads the magic bytes).
  app.addContentTypeParser(DOCUMENT_TYPES, { parseAs: 'buffer', bodyLimit: DOCUMENT_MAX_BYTES }, (_req, body, done) => done(null, body));

  app.get(
    '/api/cases/:id/documents',
    { config: { permission: 'cases:read' }, schema: { tags, summary: '案卷文书 The case documents (metadata)', params: idParams, response: { 200: z.array(caseDocumentView), 404: errorBody } } },
    async (req) => listDocuments(app.deps, userOf(req), req.params.id),
  );
  app.post(
    '/api/cases/:id/documents',
    {
      config: { permission: 'casefiles:write' },
      bodyLimit: DOCUMENT_MAX_BYTES,
      schema: {
        tags,
        summary: '上传文书 Upload a written record (body: the PDF, JPEG or PNG bytes; write-once, SHA-256 + SM3)',
        params: idParams,
        querystring: documentUploadQuery,
        response: { 201: caseDocumentView, ...errors, 413: errorBody, 415: errorBody, 422: errorBody },
      },
    },
    async (req, reply) => {
      if (!Buffer.isBuffer(req.body)) throw new AppError('DOCUMENT_NOT_SUPPORTED');
      return reply.status(201).send(await uploadDocument(app.deps, userOf(req), req.params.id, req.query, req.body));
    },
  );
  app.post(
    '/api/cases/:id/documents/:documentId/supersede',
    {
      config: { permission: 'casefiles:write' },
      schema: {
        tags,
        summary: '替换文书 Supersede a document by another of the same case, with a written reason (the old one stays, marked 已被替换)',
        params: caseDocumentParams,
        body: supersedeBody,
        response: { 200: caseDocumentView, ...errors },
      },
    },
    async (req) => supersedeDocument(app.deps, userOf(req), req.params.id, req.params.documentId, req.body),
  );
  app.get(
    '/api/cases/:id/documents/:documentId/content',
    {
      config: { permission: 'casefiles:read' },
      schema: { tags, summary: '查阅文书 A document’s content, inline (第十四条: consulting the case file; audited)', params: caseDocumentParams, response: { 404: errorBody } },
    },
    async (req, reply) => {
      const d = await readDocumentContent(app.deps, userOf(req), req.params.id, req.params.documentId);
      return reply
        .type(d.mimeType)
        .header('content-length', d.size)
        .header('content-disposition', inline(d.fileName))
        .header('cache-control', 'private, no-store')
        .send(d.stream as never);
    },
  );
  app.get(
    '/api/cases/:id/case-file',
    {
      config: { permission: 'cases:read' },
      schema: { tags, summary: '案卷状态 Review findings (案卷评查), builds and archive record', params: idParams, response: { 200: caseFileStateView, 404: errorBody } },
    },
    async (req) => caseFileState(app.deps, userOf(req), req.params.id),
  );
  app.post(
    '/api/cases/:id/case-file/builds',
    {
      config: { permission: 'casefiles:write' },
      schema: { tags, summary: '生成案卷 Build the bound case-file PDF now', params: idParams, response: { 201: caseFileBuildView, ...errors } },
    },
    async (req, reply) => reply.status(201).send(await buildCaseFile(app.deps, userOf(req), req.params.id)),
  );
  app.get(
    '/api/cases/:id/case-file/builds/:buildId/pdf',
    {
      config: { permission: 'casefiles:read' },
      schema: { tags, summary: '查阅案卷 The bound case file, inline PDF (第十四条; audited)', params: caseBuildParams, response: { 404: errorBody } },
    },
    async (req, reply) => {
      const f = await readBuildPdf(app.deps, userOf(req), req.params.id, req.params.buildId);
      return reply
        .type('application/pdf')
        .header('content-length', f.size)
        .header('content-disposition', inline(`案卷-${f.sha256.slice(0, 12)}.pdf`))
        .header('cache-control', 'private, no-store')
        .send(f.stream as never);
    },
  );
  app.post(
    '/api/cases/:id/case-file/archive',
    {
      config: { permission: 'casefiles:archive' },
      schema: { tags, summary: '归档 Archive the case file (refused while the review finds problems; locks the case)', params: idParams, response: { 200: caseFileStateView, ...errors } },
    },
    async (req) => archiveCaseFile(app.deps, userOf(req), req.params.id),
  );
  app.get(
    '/api/case-file-template',
    { config: { permission: 'cases:read' }, schema: { tags, summary: '案卷模板 The case-file template in force', response: { 200: caseFileTemplateView } } },
    async () => getTemplate(app.deps),
  );
  app.put(
    '/api/case-file-template',
    {
      config: { permission: 'settings:write' },
      schema: { tags, summary: '修改案卷模板 Add a template version (document types, order, retention, 档号 codes)', body: caseFileTemplateBody, response: { 200: caseFileTemplateView, 400: errorBody, 403: errorBody } },
    },
    async (req) => putTemplate(app.deps, userOf(req), req.body),
  );
}
