import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorBody, idParams, userOf } from '../../platform/http/schemas.ts';
import { recordingPage, recordingPatch, recordingQuery, recordingView } from './recordings.schema.ts';
import * as service from './recordings.service.ts';
import { originalInfo, readThumbnail } from '../media/media.service.ts';

const tags = ['recordings'];
const errors = { 400: errorBody, 403: errorBody, 404: errorBody, 409: errorBody, 422: errorBody };

/** One correction of a recording's start or end (第十条: the late flag stays whatever the correction). */
const timeCorrection = z.object({
  id: z.uuid(),
  field: z.enum(['recordedStart', 'recordedEnd']),
  before: z.string().nullable(),
  after: z.string().nullable(),
  reason: z.string(),
  correctedBy: z.object({ id: z.uuid(), username: z.string() }),
  correctedAt: z.string(),
});
/** A recording as its detail page shows it: the metadata and the corrections of its times, oldest first. */
const recordingDetail = recordingView.extend({ corrections: z.array(timeCorrection) });

export async function recordingRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.get(
    '/api/recordings',
    {
      config: { permission: 'recordings:read' },
      schema: { tags, summary: '声像资料检索 Search recordings (第十五条 fields, time, activity, state, text)', querystring: recordingQuery, response: { 200: recordingPage } },
    },
    async (req) => service.searchRecordings(app.deps, userOf(req), req.query),
  );
  app.get(
    '/api/recordings/:id',
    { config: { permission: 'recordings:read' }, schema: { tags, summary: '声像资料详情 One recording', params: idParams, response: { 200: recordingDetail, ...errors } } },
    async (req) => service.getRecording(app.deps, userOf(req), req.params.id),
  );
  app.patch(
    '/api/recordings/:id',
    {
      config: { permission: 'recordings:edit' },
      schema: {
        tags,
        summary: '修改描述信息 Edit descriptive metadata (history in the audit chain; time corrections need a reason)',
        params: idParams,
        body: recordingPatch,
        response: { 200: recordingDetail, ...errors },
      },
    },
    async (req) => service.updateRecording(app.deps, userOf(req), req.params.id, req.body),
  );
  app.get(
    '/api/recordings/:id/thumbnail',
    {
      config: { permission: 'recordings:read' },
      schema: {
        tags,
        summary: '缩略图 Thumbnail (JPEG). Audited per read, or once per list page with ?ticket= from POST /api/recordings/thumbnail-tickets',
        params: idParams,
        querystring: z.object({ ticket: z.uuid().optional() }),
      },
    },
    async (req, reply) => {
      const t = await readThumbnail(app.deps, userOf(req), req.params.id, req.query.ticket);
      return reply.type('image/jpeg').header('cache-control', 'private, no-store').header('content-length', t.size).send(t.stream);
    },
  );
  app.get(
    '/api/originals/:sha256',
    {
      config: { permission: 'recordings:upload' },
      schema: {
        tags,
        summary: '按哈希查询原始文件 Is this content stored as a recording you may read? (the workstation skips it; otherwise 404)',
        params: z.object({ sha256: z.string().regex(/^[0-9a-fA-F]{64}$/) }),
        response: { 200: z.object({ sha256: z.string(), sm3: z.string(), sizeBytes: z.number(), recordingId: z.uuid() }), 404: errorBody },
      },
    },
    async (req) => originalInfo(app.deps, userOf(req), req.params.sha256.toLowerCase()),
  );
}
