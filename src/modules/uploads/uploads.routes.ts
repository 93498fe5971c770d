import { stat } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import path from 'node:path';
import { Server as TusServer, type Upload } from '@tus/server';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf, type AuthUser } from '../../platform/auth/auth-user.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError, errorMessage, localizeError, type Locale } from '../../platform/errors/error-catalog.ts';
import { errorBody, userOf } from '../../platform/http/schemas.ts';
import { UPLOADS_FOLDER, preparePrivateFolders } from '../../platform/storage/data-folders.ts';
import { cancelUpload, prepareUpload, recordUploadFailure } from './uploads.service.ts';
import { finishUploadOnce, isFinishing, type IngestResult } from './upload-finish.service.ts';
import { HashingFileStore, TusError, type UploadFolder } from './upload-store.ts';
import * as uploads from './uploads.repository.ts';

/** The caller of each tus request, handed from the Fastify auth hook to the tus hooks. */
interface Caller {
  user: AuthUser;
  locale: Locale;
  requestId: string;
  /** The request's logger (it carries the request id). */
  log: FastifyBaseLogger;
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
  // A domain answer caused by something that is not (data the database refused): worth an error-level log.
  if (e instanceof AppError && e.cause !== undefined && !(e.cause instanceof AppError)) c.log.error({ err: e.cause, code: e.code }, 'upload refused on an unexpected error');
  if (e instanceof AppError) {
    return new TusError(e.status, JSON.stringify({ code: e.code, ...localizeError(e, c.locale), requestId: c.requestId }));
  }
  // Not a domain error: a bug or an outage. Logged at error level with the request id, answered generically.
  c.log.error({ err: e }, 'upload request failed');
  return new TusError(500, JSON.stringify({ code: 'INTERNAL', message: errorMessage('INTERNAL', c.locale), requestId: c.requestId }));
}

/** The response headers that tell a client what its upload became. */
function resultHeaders(r: Pick<IngestResult, 'state' | 'recordingId' | 'sha256' | 'sm3'>): Record<string, string> {
  return { 'X-Recording-Id': r.recordingId ?? '', 'X-Upload-State': r.state, 'X-Content-SHA256': r.sha256, 'X-Content-SM3': r.sm3 };
}

/** The upload id of a tus URL (its last path segment). */
const uploadIdOf = (url: string) => decodeURIComponent(new URL(url, 'http://x').pathname.split('/').pop() ?? '');

/**
 * tus-js-client resuming an upload whose every byte already arrived (the server died before finishing it)
 * sends only a HEAD and, seeing the full offset, reports success without the PATCH that would finish it.
 * So a HEAD of a complete, unfinished upload finishes it in the background (as the owner), and a HEAD of a
 * finished one carries its result. Background finishes are awaited when the app closes.
 */
async function headHelpers(deps: Deps, folder: UploadFolder, user: AuthUser, id: string, log: FastifyBaseLogger, background: Set<Promise<unknown>>) {
  const up = await uploads.findUpload(deps.db, id);
  if (!up || up.uploaded_by !== user.id) return {};
  if ((up.state === 'stored' || up.state === 'duplicate') && up.sha256 && up.sm3) {
    return resultHeaders({ state: up.state, recordingId: up.recording_id, sha256: up.sha256, sm3: up.sm3 });
  }
  if (up.state === 'receiving' && !isFinishing(id)) {
    const st = await stat(folder.filePath(id)).catch(() => undefined);
    if (st && st.size === Number(up.size_bytes)) {
      const p = finishUploadOnce(deps, { uploader: user, actor: actorOf(user) }, id, folder).catch((err: unknown) => {
        if (!(err instanceof AppError)) log.error({ err, uploadId: id }, 'finishing a complete upload after HEAD failed');
      });
      background.add(p);
      void p.finally(() => background.delete(p));
    }
  }
  return {};
}

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
  const { config } = app.deps;
  const deps = app.deps;
  // Uploads in progress hold footage and its metadata: private folders (issue 6 item 7).
  await preparePrivateFolders(config.dataDir);
  const store = new HashingFileStore(
    path.join(config.dataDir, UPLOADS_FOLDER),
    () => JSON.stringify({ code: 'STORAGE_FULL', message: `${errorMessage('STORAGE_FULL', 'zh-CN')} / ${errorMessage('STORAGE_FULL', 'en')}` }),
    async (id) => {
      const up = await uploads.findUpload(deps.db, id);
      return up && (up.state === 'stored' || up.state === 'duplicate') ? { sizeBytes: Number(up.size_bytes) } : undefined;
    },
  );
  const background = new Set<Promise<unknown>>();
  app.addHook('onClose', async () => {
    await Promise.allSettled([...background]);
  });
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
        const r = await finishUploadOnce(deps, { uploader: c.user, actor: actorOf(c.user) }, upload.id, store.folder, running);
        return { headers: resultHeaders(r) };
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
        void recordUploadFailure(deps, actorOf(c.user), id, 'UPLOAD_ERROR', 'body' in err ? err.body : String(err)).catch(() => undefined);
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
        const user = userOf(req);
        callers.set(req.raw, { user, locale: req.locale, requestId: req.id, log: req.log });
        if (req.method === 'DELETE') {
          // tus termination by the owner ends the upload: recorded and audited before tus removes the bytes.
          await cancelUpload(deps, user, uploadIdOf(req.url));
        } else if (req.method === 'HEAD' && req.url !== '/api/uploads') {
          for (const [k, v] of Object.entries(await headHelpers(deps, store.folder, user, uploadIdOf(req.url), req.log, background))) reply.raw.setHeader(k, v);
        }
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
