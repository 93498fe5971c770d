import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorBody, userOf } from '../../platform/http/schemas.ts';
import { preparePrivateFolders } from '../../platform/storage/data-folders.ts';
import { createTusAdapter } from './uploads.tus.ts';
import { uploadResult } from './uploads.service.ts';

const resultView = z.object({
  id: z.string(),
  state: z.enum(['receiving', 'stored', 'duplicate', 'rejected', 'cancelled']),
  fileName: z.string(),
  sizeBytes: z.number(),
  recordingId: z.uuid().nullable(),
  sha256: z.string().nullable(),
  sm3: z.string().nullable(),
  errorCode: z.string().nullable(),
});

/**
 * Resumable uploads by the tus 1.0 protocol at /api/uploads (第十条: footage reaches central storage
 * the same day, even over a dropped connection). Metadata travels in `Upload-Metadata`:
 * `filename`, optional `sha256` (the client's hash, compared on completion) and `metadata` (the
 * recording's JSON). Bad metadata is refused before any byte is accepted.
 */
export async function uploadRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  // Uploads in progress hold footage and its metadata: private folders (issue 6 item 7).
  await preparePrivateFolders(app.deps.config);
  const tus = createTusAdapter(app.deps, '/api/uploads', app.log);
  app.addHook('onClose', () => tus.close());

  // tus bodies are raw bytes: let the tus handler read the stream itself.
  app.addContentTypeParser('application/offset+octet-stream', (_req, _payload, done) => done(null));

  for (const url of ['/api/uploads', '/api/uploads/*']) {
    app.route({
      method: ['POST', 'HEAD', 'PATCH', 'DELETE', 'OPTIONS'],
      url,
      config: { permission: 'recordings:upload' },
      schema: { tags: ['recordings'], summary: 'tus 1.0 resumable upload (POST creates, PATCH sends bytes, HEAD gives the offset)', hide: url.endsWith('*') },
      handler: async (req, reply) => {
        await tus.handle(req.raw, reply.raw, { user: userOf(req), locale: req.locale, requestId: req.id, log: req.log }, () => reply.hijack());
      },
    });
  }

  app.get(
    '/api/upload-results/:id',
    {
      config: { permission: 'recordings:upload' },
      schema: { tags: ['recordings'], summary: '上传结果 What an upload became', params: z.object({ id: z.string().max(100) }), response: { 200: resultView, 404: errorBody } },
    },
    async (req) => uploadResult(app.deps, userOf(req), req.params.id),
  );
}
