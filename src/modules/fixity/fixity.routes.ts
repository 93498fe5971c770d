import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { errorBody, idParams, userOf } from '../../platform/http/schemas.ts';
import { alertsView, freshCheckView, originalParams, runRequest, runView } from './fixity.schema.ts';
import * as service from './fixity.service.ts';

const tags = ['fixity'];
const errors = { 400: errorBody, 401: errorBody, 403: errorBody, 404: errorBody };

export async function fixityRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.post(
    '/api/originals/:sha256/verify',
    {
      config: { permission: 'recordings:upload' },
      schema: {
        tags,
        summary: '立即复核原始文件 Re-hash a stored original now (the workstation asks before clearing a card; 404 outside your scope)',
        params: originalParams,
        response: { 200: freshCheckView, ...errors },
      },
    },
    async (req) => service.verifyOriginalNow(app.deps, userOf(req), req.params.sha256.toLowerCase()),
  );
  app.get(
    '/api/fixity/alerts',
    { config: { permission: 'jobs:read' }, schema: { tags, summary: '完整性告警 Stored objects whose latest fixity check failed', response: { 200: alertsView, 401: errorBody, 403: errorBody } } },
    async (req) => service.fixityAlerts(app.deps, userOf(req)),
  );
  app.post(
    '/api/fixity/runs',
    {
      config: { permission: 'audit:verify' },
      schema: {
        tags,
        summary: '发起完整性巡检 Run a fixity pass: one recording now (200), or every stored object as a job (202)',
        body: runRequest,
        response: { 200: runView, 202: runView, ...errors },
      },
    },
    async (req, reply) => {
      const r = await service.requestPass(app.deps, userOf(req), 'recordingId' in req.body ? { recordingId: req.body.recordingId } : {});
      if (r.queued) return reply.status(202).send(await service.getRun(app.deps, r.runId));
      return service.getRun(app.deps, r.result.runId);
    },
  );
  app.get(
    '/api/fixity/runs/:id',
    { config: { permission: 'audit:verify' }, schema: { tags, summary: '巡检结果 A fixity pass and what it found', params: idParams, response: { 200: runView, ...errors } } },
    async (req) => service.getRun(app.deps, req.params.id),
  );
}
