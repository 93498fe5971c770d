import type { IncomingMessage } from 'node:http';
import path from 'node:path';
import { Server as TusServer, type Upload } from '@tus/server';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AuthUser } from '../../platform/auth/auth-user.ts';
import { AppError, errorMessage, localizeError, type Locale } from '../../platform/errors/error-catalog.ts';
import { errorBody, userOf } from '../../platform/http/schemas.ts';
import { finishUpload, prepareUpload, recordUploadFailure } from './ingest.service.ts';
import { HashingFileStore, TusError } from './upload-store.ts';
import * as uploads from './uploads.repository.ts';

/** The caller of each tus request, handed from the Fastify auth hook to the tus hooks. */
interface Caller {
  user: AuthUser;
  locale: Locale;
  requestId: string;
}
const callers = new WeakMap<IncomingMessage, Caller>();

function callerOf(req: { runtime?: { node?: { req: unknown } } }): Caller {
  const raw = req.runtime?.node?.req as IncomingMessage | undefined;
  const c = raw && callers.get(raw);
  if (!c) throw new TusError(401, JSON.stringify({ code: 'UNAUTHENTICATED', message: 'Please log in first' }));
  return c;
}

/** A domain error as the tus response body (the same `{ code, message, requestId, fields }` shape). */
function toTus(e: unknown, c: Caller): TusError {
  if (e instanceof TusError) return e;
  if (e instanceof AppError) {
    return new TusError(e.status, JSON.stringify({ code: e.code, ...localizeError(e, c.locale), requestId: c.requestId }));
  }
  return new TusError(500, JSON.stringify({ code: 'INTERNAL', message: errorMessage('INTERNAL', c.locale), requestId: c.requestId }));
}

const resultView = z.object({
  id: z.string(),
  state: z.enum(['receiving', 'stored', 'duplicate', 'rejected']),
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
  const { config } = app.deps;
  const deps = app.deps;
  const store = new HashingFileStore(path.join(config.dataDir, 'uploads'), () =>
    JSON.stringify({ code: 'STORAGE_FULL', message: `${errorMessage('STORAGE_FULL', 'zh-CN')} / ${errorMessage('STORAGE_FULL', 'en')}` }),
  );
  const tus = new TusServer({
    path: '/api/uploads',
    datastore: store,
    maxSize: config.uploadMaxBytes,
    relativeLocation: true,
    exposedHeaders: ['X-Recording-Id', 'X-Upload-State', 'X-Content-SHA256', 'X-Content-SM3'],
    async onUploadCreate(req, upload: Upload) {
      const c = callerOf(req);
      try {
        await prepareUpload(deps, c.user, { id: upload.id, size: upload.size, metadata: upload.metadata ?? {} }, config.uploadMaxBytes);
      } catch (e) {
        throw toTus(e, c);
      }
      return {};
    },
    async onIncomingRequest(req, uploadId) {
      if (req.method === 'POST' || req.method === 'OPTIONS') return;
      const c = callerOf(req);
      const up = await uploads.findUpload(deps.db, uploadId);
      // Another user's upload is treated as not existing (no probing of ids).
      if (!up || up.uploaded_by !== c.user.id) throw toTus(new AppError('UPLOAD_NOT_FOUND'), c);
    },
    async onUploadFinish(req, upload: Upload) {
      const c = callerOf(req);
      try {
        const running = await store.takeDigest(upload.id, upload.size ?? 0);
        const r = await finishUpload(deps, c.user, upload.id, store.filePath(upload.id), running);
        await store.configstore.delete(upload.id);
        return { headers: { 'X-Recording-Id': r.recordingId, 'X-Upload-State': r.state, 'X-Content-SHA256': r.sha256, 'X-Content-SM3': r.sm3 } };
      } catch (e) {
        throw toTus(e, c);
      }
    },
    onResponseError(req, err) {
      if (err instanceof TusError) return { status_code: err.status_code, body: err.body };
      const c = (() => {
        try {
          return callerOf(req);
        } catch {
          return undefined;
        }
      })();
      const status = 'status_code' in err ? err.status_code : 500;
      // A failed byte transfer is noted on its upload (the partial bytes stay resumable).
      if (c && status >= 500 && req.method === 'PATCH') {
        const id = new URL(req.url).pathname.split('/').pop() ?? '';
        void recordUploadFailure(deps, c.user, id, 'UPLOAD_ERROR', 'body' in err ? err.body : String(err)).catch(() => undefined);
      }
      if (status === 413 && c) return { status_code: 413, body: toTus(new AppError('UPLOAD_TOO_LARGE', { maxBytes: config.uploadMaxBytes }), c).body };
      return undefined;
    },
  });

  // tus bodies are raw bytes: let the tus handler read the stream itself.
  app.addContentTypeParser('application/offset+octet-stream', (_req, _payload, done) => done(null));

  for (const url of ['/api/uploads', '/api/uploads/*']) {
    app.route({
      method: ['POST', 'HEAD', 'PATCH', 'DELETE', 'OPTIONS'],
      url,
      config: { permission: 'recordings:upload' },
      schema: { tags: ['recordings'], summary: 'tus 1.0 resumable upload (POST creates, PATCH sends bytes, HEAD gives the offset)', hide: url.endsWith('*') },
      handler: async (req, reply) => {
        callers.set(req.raw, { user: userOf(req), locale: req.locale, requestId: req.id });
        reply.hijack();
        await tus.handle(req.raw, reply.raw);
      },
    });
  }

  app.get(
    '/api/upload-results/:id',
    {
      config: { permission: 'recordings:upload' },
      schema: { tags: ['recordings'], summary: '上传结果 What an upload became', params: z.object({ id: z.string().max(100) }), response: { 200: resultView, 404: errorBody } },
    },
    async (req) => {
      const up = await uploads.findUpload(deps.db, req.params.id);
      if (!up || up.uploaded_by !== userOf(req).id) throw new AppError('UPLOAD_NOT_FOUND');
      return {
        id: up.id,
        state: up.state,
        fileName: up.file_name,
        sizeBytes: Number(up.size_bytes),
        recordingId: up.recording_id,
        sha256: up.sha256,
        sm3: up.sm3,
        errorCode: up.error_code,
      };
    },
  );
}
