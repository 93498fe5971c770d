import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { dateString, errorBody, idParams, userOf } from '../../platform/http/schemas.ts';
import { personBody, personPage, personPatch, personQuery, personView, qualificationView, trainingBody, trainingView } from './personnel.schema.ts';
import * as service from './personnel.service.ts';

const tags = ['personnel'];
const errors = { 400: errorBody, 403: errorBody, 404: errorBody, 409: errorBody };

export async function personnelRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.get(
    '/api/personnel',
    { config: { permission: 'people:read' }, schema: { tags, summary: '人员列表 People', querystring: personQuery, response: { 200: personPage } } },
    async (req) => service.listPeople(app.deps, userOf(req), req.query),
  );
  app.post(
    '/api/personnel',
    { config: { permission: 'people:write' }, schema: { tags, summary: '新增人员 Add a person', body: personBody, response: { 201: personView, ...errors } } },
    async (req, reply) => reply.status(201).send(await service.createPerson(app.deps, userOf(req), req.body)),
  );
  app.get(
    '/api/personnel/:id',
    { config: { permission: 'people:read' }, schema: { tags, summary: '人员详情 One person', params: idParams, response: { 200: personView, ...errors } } },
    async (req) => service.getPerson(app.deps, userOf(req), req.params.id),
  );
  app.patch(
    '/api/personnel/:id',
    {
      config: { permission: 'people:write' },
      schema: { tags, summary: '修改人员 Update a person', params: idParams, body: personPatch, response: { 200: personView, ...errors } },
    },
    async (req) => service.updatePerson(app.deps, userOf(req), req.params.id, req.body),
  );
  app.get(
    '/api/personnel/:id/qualification',
    {
      config: { permission: 'people:read' },
      schema: {
        tags,
        summary: '执法资格 May this person be a recording subject on a date? (第七条)',
        params: idParams,
        querystring: z.object({ on: dateString.optional() }),
        response: { 200: qualificationView, ...errors },
      },
    },
    async (req) => service.getQualification(app.deps, userOf(req), req.params.id, req.query.on),
  );
  app.get(
    '/api/personnel/:id/training-records',
    {
      config: { permission: 'people:read' },
      schema: { tags, summary: '培训记录 Training records (第三条)', params: idParams, response: { 200: z.object({ items: z.array(trainingView) }), ...errors } },
    },
    async (req) => ({ items: await service.listTraining(app.deps, userOf(req), req.params.id) }),
  );
  app.post(
    '/api/personnel/:id/training-records',
    {
      config: { permission: 'people:write' },
      schema: { tags, summary: '添加培训记录 Add a training record', params: idParams, body: trainingBody, response: { 201: trainingView, ...errors } },
    },
    async (req, reply) => reply.status(201).send(await service.addTraining(app.deps, userOf(req), req.params.id, req.body)),
  );
}
