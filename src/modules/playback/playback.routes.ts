import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../platform/errors/error-catalog.ts';
import { errorBody, idParams, userOf } from '../../platform/http/schemas.ts';
import { downloadCopy, getReceipt, makeCopy } from './copies.service.ts';
import { installationKey } from './installation-key.ts';
import {
  copyMade,
  copyReceiptView,
  copyRequest,
  installationKeyView,
  mediaAccessView,
  playbackSessionView,
  proxyQuery,
  thumbnailTicketRequest,
  thumbnailTicketView,
} from './playback.schema.ts';
import { endSession, mediaAccess, readProxy, startSession } from './playback.service.ts';
import { issueThumbnailTicket } from './thumbnails.service.ts';

const tags = ['playback'];
const errors = { 400: errorBody, 404: errorBody, 409: errorBody };

/** `attachment` with an ASCII fallback name and the real (Chinese) name as RFC 8187 `filename*`. */
function attachment(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}

export async function playbackRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  // The installation key exists from the first start (receipts name it; its public half is published below).
  await installationKey(app.deps.config.dataDir);

  app.get(
    '/api/recordings/:id/media-access',
    {
      config: { permission: 'recordings:read' },
      schema: {
        tags,
        summary: '我的调阅权限 What you may do with this recording’s pictures and sound now: view, copy, and the grant that opens it',
        params: idParams,
        response: { 200: mediaAccessView, 404: errorBody },
      },
    },
    async (req) => mediaAccess(app.deps, userOf(req), req.params.id),
  );

  app.post(
    '/api/recordings/:id/playback-sessions',
    {
      config: { permission: 'recordings:read' },
      schema: {
        tags,
        summary: '开始播放 Open a viewing session (第十四条: needs a live grant; audited once per session)',
        params: idParams,
        response: { 201: playbackSessionView, ...errors, 410: errorBody },
      },
    },
    async (req, reply) => reply.status(201).send(await startSession(app.deps, userOf(req), req.params.id)),
  );

  app.get(
    '/api/recordings/:id/proxy',
    {
      config: { permission: 'recordings:read' },
      schema: {
        tags,
        summary: '播放版本（分段读取）Stream the proxy with HTTP range requests within a viewing session',
        params: idParams,
        querystring: proxyQuery,
        response: { ...errors, 416: errorBody },
      },
    },
    async (req, reply) => {
      try {
        const r = await readProxy(app.deps, userOf(req), req.params.id, req.query.session, req.headers.range);
        // A byte stream, not one of the documented JSON bodies (those are the errors).
        return reply.status(r.status).headers(r.headers).send(r.body as never);
      } catch (e) {
        // RFC 9110 §15.5.17: a 416 says how large the representation is.
        if (e instanceof AppError && e.code === 'RANGE_NOT_SATISFIABLE') reply.header('content-range', `bytes */${e.params.size}`);
        throw e;
      }
    },
  );

  app.post(
    '/api/playback-sessions/:id/end',
    {
      config: { permission: 'recordings:read' },
      schema: { tags, summary: '结束播放 End a viewing session (the player closed)', params: idParams, response: { 204: z.null(), 404: errorBody } },
    },
    async (req, reply) => {
      await endSession(app.deps, userOf(req), req.params.id);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/api/recordings/thumbnail-tickets',
    {
      config: { permission: 'recordings:read' },
      schema: {
        tags,
        summary: '列表缩略图票据 One audited page view for a list page’s thumbnails (pass ?ticket= to each thumbnail read)',
        body: thumbnailTicketRequest,
        response: { 201: thumbnailTicketView, 400: errorBody },
      },
    },
    async (req, reply) => reply.status(201).send(await issueThumbnailTicket(app.deps, userOf(req), req.body.recordingIds)),
  );

  app.post(
    '/api/recordings/:id/copies',
    {
      config: { permission: 'recordings:read' },
      schema: {
        tags,
        summary: '制作副本 Make a copy under a copy grant (第二十条): the original, or the proxy with the watermark burned in; signed receipt',
        params: idParams,
        body: copyRequest,
        response: { 201: copyMade, ...errors, 410: errorBody, 503: errorBody },
      },
    },
    async (req, reply) => reply.status(201).send(await makeCopy(app.deps, userOf(req), req.params.id, req.body.kind)),
  );

  app.get(
    '/api/copies/:id',
    {
      config: { permission: 'recordings:read' },
      schema: { tags, summary: '副本回执 A copy receipt (yours only)', params: idParams, response: { 200: copyReceiptView, 404: errorBody } },
    },
    async (req) => getReceipt(app.deps, userOf(req), req.params.id),
  );

  app.get(
    '/api/copies/:id/file',
    {
      config: { permission: 'recordings:read' },
      schema: { tags, summary: '下载副本 Download a copy (while your copy grant holds; audited)', params: idParams, response: { 404: errorBody, 410: errorBody } },
    },
    async (req, reply) => {
      const c = await downloadCopy(app.deps, userOf(req), req.params.id);
      return reply
        .type(c.mimeType)
        .header('content-length', c.size)
        .header('content-disposition', attachment(c.fileName))
        .header('x-quanlu-receipt', req.params.id)
        .header('cache-control', 'private, no-store')
        .send(c.stream as never);
    },
  );

  app.get(
    '/api/installation-key',
    {
      config: { public: true },
      schema: { tags, summary: '本系统签名公钥 The installation’s Ed25519 public key (verifies copy receipts)', response: { 200: installationKeyView } },
    },
    async () => {
      const k = await installationKey(app.deps.config.dataDir);
      return { algorithm: 'Ed25519' as const, keyId: k.keyId, publicKeyBase64: k.publicKeyBase64, publicKeyPem: k.publicKeyPem };
    },
  );
}
