import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { beijingTime } from './custody-events.ts';
import { cjkFont } from '../../platform/pdf/cjk-font.ts';
import { PdfReport } from '../../platform/pdf/pdf-report.ts';
import { errorBody, idParams, userOf } from '../../platform/http/schemas.ts';
import { CUSTODY_PDF_TITLE, writeCustodyPdf } from './custody-pdf.ts';
import { custodyQuery, custodyReport } from './custody.schema.ts';
import { getCustodyReport, openCustodyPdf } from './custody.service.ts';

const tags = ['custody'];

/** `attachment` with an ASCII fallback name and the real (Chinese) name as RFC 8187 `filename*`. */
function attachment(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}

export async function custodyRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.get(
    '/api/recordings/:id/custody',
    {
      config: { permission: 'custody:read' },
      schema: {
        tags,
        summary: '保管链 Chain of custody: every audit event about the recording, oldest first, with its sequence number and hash (the first page is an audited read)',
        params: idParams,
        querystring: custodyQuery,
        response: { 200: custodyReport, 404: errorBody, 409: errorBody },
      },
    },
    async (req) => getCustodyReport(app.deps, userOf(req), req.params.id, req.query),
  );

  app.get(
    '/api/recordings/:id/custody.pdf',
    {
      config: { permission: 'custody:read' },
      schema: {
        tags,
        summary: '保管链报告 PDF The chain of custody as a PDF (Chinese; streamed; audited)',
        params: idParams,
        response: { 404: errorBody, 503: errorBody },
      },
    },
    async (req, reply) => {
      const user = userOf(req);
      // No font, no report: refused before the read is audited.
      await cjkFont();
      const opened = await openCustodyPdf(app.deps, user, req.params.id);
      const pdf = await PdfReport.open({
        title: CUSTODY_PDF_TITLE,
        subject: opened.header.recording.fileName,
        footer: `${CUSTODY_PDF_TITLE} · ${opened.header.recording.id} · 生成于 ${beijingTime(opened.generatedAt)}（北京时间）`,
      });
      writeCustodyPdf(pdf, opened).catch((e: unknown) => {
        req.log.error({ err: e }, 'custody PDF failed while streaming');
        pdf.fail(e instanceof Error ? e : new Error(String(e)));
      });
      const day = beijingTime(opened.generatedAt).slice(0, 10);
      return reply
        .type('application/pdf')
        .header('content-disposition', attachment(`保管链-${opened.header.recording.fileName}-${day}.pdf`))
        .header('cache-control', 'private, no-store')
        .send(pdf.stream as never);
    },
  );
}
