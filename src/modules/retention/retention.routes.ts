import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorBody, idParams, userOf } from '../../platform/http/schemas.ts';
import { getSetting } from '../settings/settings.service.ts';
import * as disposal from './disposal.service.ts';
import { batchPropose, batchView, caseRetentionView, digestView, holdCreate, recordingRetentionView, restoreBody, versionPropose, versionView } from './retention.schema.ts';
import * as service from './retention.service.ts';

const tags = ['retention'];
const errors = { 400: errorBody, 403: errorBody, 404: errorBody, 409: errorBody };

/** 保存期限与销毁 (第十一、二十条): the retention table, keep-until dates, holds and disposal batches. */
export async function retentionRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();

  app.get(
    '/api/retention/table',
    { config: { permission: 'retention:read' }, schema: { tags, summary: '保存期限表 Retention table versions', response: { 200: z.object({ items: z.array(versionView) }) } } },
    async () => service.listTable(app.deps),
  );
  app.post(
    '/api/retention/table',
    { config: { permission: 'retention:propose' }, schema: { tags, summary: '提出保存期限表新版本 Propose a retention table version', body: versionPropose, response: { 201: z.object({ id: z.string() }), ...errors } } },
    async (req, reply) => reply.status(201).send(await service.proposeVersion(app.deps, userOf(req), req.body)),
  );
  app.post(
    '/api/retention/table/:id/approve',
    {
      config: { permission: 'retention:approve' },
      schema: { tags, summary: '审批保存期限表 Approve a version (not one you proposed); every date is recomputed', params: idParams, response: { 200: z.object({ version: z.number(), recomputed: z.object({ cases: z.number(), recordings: z.number() }) }), ...errors } },
    },
    async (req) => service.approveVersion(app.deps, userOf(req), req.params.id),
  );
  app.get(
    '/api/recordings/:id/retention',
    { config: { permission: 'recordings:read' }, schema: { tags, summary: '保存至 Keep-until date of a recording and why', params: idParams, response: { 200: recordingRetentionView, 404: errorBody } } },
    async (req) => service.recordingRetention(app.deps, userOf(req), req.params.id),
  );
  app.get(
    '/api/cases/:id/retention',
    { config: { permission: 'cases:read' }, schema: { tags, summary: '案卷保存至 Keep-until date of a case file and why', params: idParams, response: { 200: caseRetentionView, 404: errorBody } } },
    async (req) => service.caseRetention(app.deps, userOf(req), req.params.id),
  );
  app.get(
    '/api/retention/upcoming',
    { config: { permission: 'recordings:read' }, schema: { tags, summary: '即将到期 Recordings reaching their date soon (工作台 digest)', response: { 200: digestView } } },
    async (req) => service.upcomingDigest(app.deps, userOf(req), await getSetting(app.deps.db, 'retention.digestDays')),
  );
  app.post(
    '/api/retention/holds',
    { config: { permission: 'retention:approve' }, schema: { tags, summary: '法律保全 Place a legal hold', body: holdCreate, response: { 201: z.object({ id: z.string() }), ...errors } } },
    async (req, reply) => reply.status(201).send(await service.placeLegalHold(app.deps, userOf(req), req.body)),
  );
  app.post(
    '/api/retention/holds/:id/release',
    { config: { permission: 'retention:approve' }, schema: { tags, summary: '解除法律保全 Release a legal hold', params: idParams, response: { 204: z.null(), ...errors } } },
    async (req, reply) => {
      await service.releaseLegalHold(app.deps, userOf(req), req.params.id);
      return reply.status(204).send(null);
    },
  );
  app.get(
    '/api/disposal/batches',
    { config: { permission: 'retention:read' }, schema: { tags, summary: '销毁批次 Disposal batches', response: { 200: z.object({ items: z.array(batchView) }) } } },
    async () => disposal.listBatches(app.deps),
  );
  app.post(
    '/api/disposal/batches',
    { config: { permission: 'retention:approve' }, schema: { tags, summary: '提出销毁批次 Propose a disposal batch (due recordings and case files only; an early one is refused and recorded, 第二十条)', body: batchPropose, response: { 201: z.object({ id: z.string(), items: z.number() }), ...errors } } },
    async (req, reply) => reply.status(201).send(await disposal.proposeBatch(app.deps, userOf(req), req.body)),
  );
  app.post(
    '/api/disposal/batches/:id/approve',
    { config: { permission: 'retention:approve' }, schema: { tags, summary: '审批销毁批次 Approve a batch (not one you proposed); the grace period starts', params: idParams, response: { 200: z.object({ approvedAt: z.string(), graceUntil: z.string() }), ...errors } } },
    async (req) => disposal.approveBatch(app.deps, userOf(req), req.params.id),
  );
  app.post(
    '/api/disposal/items/:id/restore',
    { config: { permission: 'retention:approve' }, schema: { tags, summary: '恢复 Keep an item (before execution)', params: idParams, body: restoreBody, response: { 204: z.null(), ...errors } } },
    async (req, reply) => {
      await disposal.restoreItem(app.deps, userOf(req), req.params.id, req.body.reason);
      return reply.status(204).send(null);
    },
  );
}
