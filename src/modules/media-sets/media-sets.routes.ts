import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../platform/errors/error-catalog.ts';
import { errorBody, idParams, userOf } from '../../platform/http/schemas.ts';
import * as rounds from './check-rounds.service.ts';
import * as register from './media-register.service.ts';
import { checkRoundView, checkView, mediaSetCreate, mediaSetView, mediumCreate, mediumView, reportedCheck } from './media-sets.schema.ts';
import * as service from './media-sets.service.ts';

const tags = ['media'];
const errors = { 400: errorBody, 403: errorBody, 404: errorBody, 409: errorBody, 422: errorBody };
const mediumDetail = mediumView.extend({ checks: z.array(checkView) });

/** `attachment` with an ASCII fallback name and the real name as RFC 8187 `filename*`. */
function attachment(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}

/** The content type of an image read from a medium, sent for a check (streamed to a work file, never parsed). */
const IMAGE_TYPES = ['application/octet-stream', 'application/x-iso9660-image'];

/** 光盘与移动存储介质 — disc / removable-media sets, the media register and its checks (第十二条). */
export async function mediaSetRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.addContentTypeParser(IMAGE_TYPES, (_req, payload, done) => done(null, payload));

  app.post(
    '/api/media-sets',
    {
      config: { permission: 'discs:write' },
      schema: { tags, summary: '生成介质集 Build a disc / removable-media set from approved preservation marks (a job writes and reads back each volume)', body: mediaSetCreate, response: { 201: mediaSetView, ...errors } },
    },
    async (req, reply) => reply.status(201).send(await service.createSet(app.deps, userOf(req), req.body)),
  );
  app.get(
    '/api/media-sets',
    { config: { permission: 'discs:read' }, schema: { tags, summary: '介质集列表 Sets of my departments, with build progress', response: { 200: z.object({ items: z.array(mediaSetView) }) } } },
    async (req) => service.listSets(app.deps, userOf(req)),
  );
  app.get(
    '/api/media-sets/:id',
    { config: { permission: 'discs:read' }, schema: { tags, summary: '介质集 One set, its volumes and their read-back', params: idParams, response: { 200: mediaSetView, ...errors } } },
    async (req) => service.getSet(app.deps, userOf(req), req.params.id),
  );
  app.get(
    '/api/media-volumes/:id/image',
    {
      config: { permission: 'discs:write' },
      schema: { tags, summary: '下载映像 Download a verified volume to burn (ISO, or a folder as ZIP); audited', params: idParams, response: { 404: errorBody, 409: errorBody } },
    },
    async (req, reply) => {
      const d = await service.downloadVolume(app.deps, userOf(req), req.params.id);
      reply.type(d.mimeType).header('content-disposition', attachment(d.fileName)).header('cache-control', 'private, no-store');
      if (d.size !== undefined) reply.header('content-length', d.size);
      return reply.send(d.stream as never);
    },
  );
  app.post(
    '/api/media-volumes/:id/media',
    {
      config: { permission: 'discs:write' },
      schema: { tags, summary: '登记介质 Register the physical medium made from a verified volume', params: idParams, body: mediumCreate, response: { 201: mediumDetail, ...errors } },
    },
    async (req, reply) => reply.status(201).send(await register.registerMedium(app.deps, userOf(req), req.params.id, req.body)),
  );
  app.get(
    '/api/media',
    {
      config: { permission: 'discs:read' },
      schema: {
        tags,
        summary: '介质登记簿 Registered media; ?alerting=true: only those with an alert — missing, unreadable, mismatching, or overdue in a scheduled round (工作台)',
        querystring: z.object({ alerting: z.enum(['true', 'false']).optional() }),
        response: { 200: z.object({ items: z.array(mediumView) }), 400: errorBody },
      },
    },
    async (req) => register.listMedia(app.deps, userOf(req), { alerting: req.query.alerting === 'true' }),
  );
  app.get(
    '/api/media/check-round',
    { config: { permission: 'discs:read' }, schema: { tags, summary: '本轮复检 Media to check now: those due, topped up to the sample share (≥ 10 %)', response: { 200: z.object({ items: z.array(mediumView) }) } } },
    async (req) => register.checkRound(app.deps, userOf(req)),
  );
  app.get(
    '/api/media/check-rounds',
    { config: { permission: 'discs:read' }, schema: { tags, summary: '定期复检轮次 Scheduled check rounds (latest first) with their sampled media and each one’s state', response: { 200: z.object({ items: z.array(checkRoundView) }) } } },
    async (req) => rounds.listRounds(app.deps, userOf(req)),
  );
  app.get(
    '/api/media/:id',
    { config: { permission: 'discs:read' }, schema: { tags, summary: '介质 One medium and its checks', params: idParams, response: { 200: mediumDetail, ...errors } } },
    async (req) => register.getMedium(app.deps, userOf(req), req.params.id),
  );
  app.post(
    '/api/media/:id/checks',
    {
      config: { permission: 'discs:write' },
      schema: { tags, summary: '登记检查结果 Record what was found (missing, unreadable, or the offline verifier’s result on the medium)', params: idParams, body: reportedCheck, response: { 201: mediumDetail, ...errors } },
    },
    async (req, reply) => reply.status(201).send(await register.reportCheck(app.deps, userOf(req), req.params.id, req.body)),
  );
  app.post(
    '/api/media/:id/checks/image',
    {
      // A DVD's image takes longer than a JSON body's time limit: only silence (the idle limit) cuts it.
      config: { permission: 'discs:write', streamedBody: true },
      schema: {
        tags,
        summary: '以映像复检 Send the image read from the medium (raw bytes); the server compares it with what was written',
        params: idParams,
        response: { 201: mediumDetail, ...errors },
      },
    },
    async (req, reply) => {
      // Only the raw image types reach here as a stream; a JSON body (or none) is not an image.
      if (!(req.body instanceof Readable)) throw new AppError('UNSUPPORTED_MEDIA_TYPE');
      return reply.status(201).send(await register.checkByImage(app.deps, userOf(req), req.params.id, req.body));
    },
  );
}
