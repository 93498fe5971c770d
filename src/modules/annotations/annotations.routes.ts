import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { errorBody, idParams, userOf } from '../../platform/http/schemas.ts';
import {
  annotationCreate,
  annotationDeleteQuery,
  annotationEdit,
  annotationHistory,
  annotationList,
  annotationListQuery,
  annotationView,
} from './annotations.schema.ts';
import * as service from './annotations.service.ts';

const tags = ['annotations'];

/**
 * 标注 / 转写 — a recording's time-range notes and transcript (issue 8 §6). Who may see or write them is decided
 * in the access decision point (the service asks it); every route only needs `recordings:read` to be asked.
 */
export async function annotationRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.get(
    '/api/recordings/:id/annotations',
    {
      config: { permission: 'recordings:read' },
      schema: {
        tags,
        summary: '标注与转写 A recording’s notes and transcript as they stand (needs what seeing its media needs; audited as a view)',
        params: idParams,
        querystring: annotationListQuery,
        response: { 200: annotationList, 400: errorBody, 404: errorBody },
      },
    },
    async (req) => service.listAnnotations(app.deps, userOf(req), req.params.id, req.query),
  );
  app.post(
    '/api/recordings/:id/annotations',
    {
      config: { permission: 'recordings:read' },
      schema: {
        tags,
        summary: '添加标注或转写 Add a time-range note or a transcript segment (live grant, or the uploader’s tagging window)',
        params: idParams,
        body: annotationCreate,
        response: { 201: annotationView, 400: errorBody, 403: errorBody, 404: errorBody, 409: errorBody },
      },
    },
    async (req, reply) => reply.status(201).send(await service.createAnnotation(app.deps, userOf(req), req.params.id, req.body)),
  );
  app.put(
    '/api/annotations/:id',
    {
      config: { permission: 'recordings:read' },
      schema: {
        tags,
        summary: '修改标注或转写 Edit: appends a version (409 when the version edited is no longer the latest)',
        params: idParams,
        body: annotationEdit,
        response: { 200: annotationView, 400: errorBody, 403: errorBody, 404: errorBody, 409: errorBody },
      },
    },
    async (req) => service.editAnnotation(app.deps, userOf(req), req.params.id, req.body),
  );
  app.delete(
    '/api/annotations/:id',
    {
      config: { permission: 'recordings:read' },
      schema: {
        tags,
        summary: '删除标注或转写 Delete: appends a last version marked deleted (the history keeps every version)',
        params: idParams,
        querystring: annotationDeleteQuery,
        response: { 200: annotationView, 400: errorBody, 403: errorBody, 404: errorBody, 409: errorBody },
      },
    },
    async (req) => service.deleteAnnotation(app.deps, userOf(req), req.params.id, req.query.version),
  );
  app.get(
    '/api/annotations/:id/versions',
    {
      config: { permission: 'recordings:read' },
      schema: {
        tags,
        summary: '历史版本 Every version of a note or segment: who, when, what (audited as a view)',
        params: idParams,
        response: { 200: annotationHistory, 404: errorBody },
      },
    },
    async (req) => service.annotationHistory(app.deps, userOf(req), req.params.id),
  );
}
