import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorBody, idParams, userOf } from '../../platform/http/schemas.ts';
import { markApprove, markCreate, markListQuery, markReason, markView } from './preservation.schema.ts';
import * as service from './preservation.service.ts';

const tags = ['preservation'];
const errors = { 400: errorBody, 403: errorBody, 404: errorBody, 409: errorBody };

/** 长期保存 — long-term preservation marks (第十二条). */
export async function preservationRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.post(
    '/api/preservation-marks',
    {
      config: { permission: 'preservation:propose' },
      schema: { tags, summary: '提出长期保存 Propose long-term preservation of recordings on one of the four grounds (第十二条)', body: markCreate, response: { 201: markView, ...errors } },
    },
    async (req, reply) => reply.status(201).send(await service.proposeMark(app.deps, userOf(req), req.body)),
  );
  app.get(
    '/api/preservation-marks',
    {
      config: { permission: 'recordings:read' },
      schema: { tags, summary: '长期保存标记列表 Marks I proposed or covering recordings I may read', querystring: markListQuery, response: { 200: z.object({ items: z.array(markView) }), 400: errorBody } },
    },
    async (req) => service.listMarks(app.deps, userOf(req), req.query),
  );
  app.get(
    '/api/preservation-marks/:id',
    { config: { permission: 'recordings:read' }, schema: { tags, summary: '长期保存标记 One mark', params: idParams, response: { 200: markView, ...errors } } },
    async (req) => service.getMark(app.deps, userOf(req), req.params.id),
  );
  app.post(
    '/api/preservation-marks/:id/approve',
    {
      config: { permission: 'preservation:approve' },
      schema: { tags, summary: '批准 Approve (not one’s own proposal): holds and legal holds are set', params: idParams, body: markApprove, response: { 200: markView, ...errors } },
    },
    async (req) => service.approveMark(app.deps, userOf(req), req.params.id, req.body),
  );
  app.post(
    '/api/preservation-marks/:id/reject',
    { config: { permission: 'preservation:approve' }, schema: { tags, summary: '驳回 Reject with a reason', params: idParams, body: markReason, response: { 200: markView, ...errors } } },
    async (req) => service.rejectMark(app.deps, userOf(req), req.params.id, req.body.reason),
  );
  app.post(
    '/api/preservation-marks/:id/release',
    {
      config: { permission: 'preservation:approve' },
      schema: { tags, summary: '解除 Release an approved mark with a reason: its holds and legal holds end', params: idParams, body: markReason, response: { 200: markView, ...errors } },
    },
    async (req) => service.releaseMark(app.deps, userOf(req), req.params.id, req.body.reason),
  );
}
