import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { Server as TusServer, type Upload } from '@tus/server';
import { poolOf } from '../../platform/db/database.ts';
import { NamedLocks } from '../../platform/db/named-locks.ts';
import type { FastifyBaseLogger } from 'fastify';
import { actorOf, type AuthUser } from '../../platform/auth/auth-user.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError, errorMessage, localizeError, type Locale } from '../../platform/errors/error-catalog.ts';
import { uploadsDir } from '../../platform/storage/data-folders.ts';
import { finishUploadOnce, onUploadHead, type IngestResult } from './upload-finish.service.ts';
import { HashingFileStore, TusError } from './upload-store.ts';
import { cancelUpload, finishedSize, ownUpload, prepareUpload, recordUploadFailure } from './uploads.service.ts';

/** First key of the two-int advisory locks of uploads (job leases use 710_045, login throttling 7_100_452). */
const UPLOAD_LOCK_NAMESPACE = 710_046;

/** The caller of one tus request, handed from the Fastify route (which authenticated it) to the tus hooks. */
export interface Caller {
  user: AuthUser;
  locale: Locale;
  requestId: string;
  /** The request's logger (it carries the request id). */
  log: FastifyBaseLogger;
}

/** The response headers that tell a client what its upload became. */
function resultHeaders(r: Pick<IngestResult, 'state' | 'recordingId' | 'sha256' | 'sm3'>): Record<string, string> {
  return { 'X-Recording-Id': r.recordingId ?? '', 'X-Upload-State': r.state, 'X-Content-SHA256': r.sha256, 'X-Content-SM3': r.sm3 };
}

/** The upload id of a tus URL (its last path segment). */
const uploadIdOf = (url: string) => decodeURIComponent(new URL(url, 'http://x').pathname.split('/').pop() ?? '');

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

/** The tus side of uploads: the protocol server, with its hooks mapped onto the uploads service. */
export interface TusAdapter {
  /**
   * Serves one tus request (POST, HEAD, PATCH, DELETE, OPTIONS) of an authenticated caller. A refusal before
   * tus takes over (cancelling a finished upload) is thrown; `takeOver` is called just before tus answers.
   */
  handle(req: IncomingMessage, res: ServerResponse, caller: Caller, takeOver: () => void): Promise<void>;
  /** Waits for finishes started in the background (HEAD of a complete upload), then drops unfinished uploads' running hashes. */
  close(): Promise<void>;
}

/**
 * The tus 1.0 adapter (第十条: footage reaches central storage the same day, even over a dropped
 * connection): bytes go to the hashing file store, the hooks call the uploads service — creation checks the
 * metadata before any byte is accepted, the last PATCH finishes the upload, DELETE cancels it — and domain
 * errors become tus responses with our error JSON. Another user's upload is answered as not existing.
 */
export function createTusAdapter(deps: Deps, basePath: string, log?: FastifyBaseLogger): TusAdapter {
  const { config } = deps;
  const callers = new WeakMap<IncomingMessage, Caller>();
  const callerOf = (req: { runtime?: { node?: { req: unknown } } }): Caller => {
    const raw = req.runtime?.node?.req as IncomingMessage | undefined;
    const c = raw && callers.get(raw);
    if (!c) throw new TusError(401, JSON.stringify({ code: 'UNAUTHENTICATED', message: 'Please log in first' }));
    return c;
  };
  const store = new HashingFileStore(
    uploadsDir(config),
    () => JSON.stringify({ code: 'STORAGE_FULL', message: `${errorMessage('STORAGE_FULL', 'zh-CN')} / ${errorMessage('STORAGE_FULL', 'en')}` }),
    (id) => finishedSize(deps, id),
  );
  const background = new Set<Promise<unknown>>();
  // Issue 10 §2: one writer per upload across every api node (a PostgreSQL advisory lock per upload id, with
  // release requests by NOTIFY), so an upload begun on a node that died is resumed on another, never by two at once.
  const locks = new NamedLocks({
    namespace: UPLOAD_LOCK_NAMESPACE,
    channel: 'quanlu_upload_release',
    connection: poolOf(deps.db).options,
    timeoutError: () =>
      new TusError(423, JSON.stringify({ code: 'UPLOAD_BUSY', message: `${errorMessage('UPLOAD_BUSY', 'zh-CN')} / ${errorMessage('UPLOAD_BUSY', 'en')}` })),
    warn: (msg, extra) => log?.warn(extra ?? {}, msg),
  });
  const tus = new TusServer({
    path: basePath,
    datastore: store,
    locker: locks,
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
      try {
        await ownUpload(deps, c.user, uploadId);
      } catch (e) {
        throw toTus(e, c);
      }
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
        void recordUploadFailure(deps, actorOf(c.user), uploadIdOf(req.url), 'UPLOAD_ERROR', 'body' in err ? err.body : String(err)).catch(() => undefined);
      }
      if (status === 413 && c) return { status_code: 413, body: toTus(new AppError('UPLOAD_TOO_LARGE', { maxBytes: config.uploadMaxBytes }), c).body };
      return undefined;
    },
  });

  return {
    async handle(req, res, caller, takeOver) {
      callers.set(req, caller);
      const url = req.url ?? basePath;
      if (req.method === 'DELETE') {
        // tus termination by the owner ends the upload: recorded and audited before tus removes the bytes.
        await cancelUpload(deps, caller.user, uploadIdOf(url));
      } else if (req.method === 'HEAD' && new URL(url, 'http://x').pathname !== basePath) {
        const head = await onUploadHead(deps, store.folder, caller.user, uploadIdOf(url));
        if (head.result) for (const [k, v] of Object.entries(resultHeaders(head.result))) res.setHeader(k, v);
        if (head.finishing) {
          const p = head.finishing.catch((err: unknown) => {
            if (!(err instanceof AppError)) caller.log.error({ err, uploadId: uploadIdOf(url) }, 'finishing a complete upload after HEAD failed');
          });
          background.add(p);
          void p.finally(() => background.delete(p));
        }
      }
      takeOver();
      await tus.handle(req, res);
    },
    async close() {
      await Promise.allSettled([...background]);
      store.dropRunningHashes();
      await locks.close();
    },
  };
}
