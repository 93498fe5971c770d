import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorBody, idParams, userOf } from '../../platform/http/schemas.ts';
import {
  accessApprove,
  accessCounts,
  accessRequestCreate,
  accessRequestListItem,
  accessRequestView,
  boxQuery,
  breakGlassCreate,
  policyView,
  reasonBody,
  reviewBody,
} from './access-requests.schema.ts';
import * as service from './access-requests.service.ts';

const tags = ['access-requests'];
const errors = { 400: errorBody, 403: errorBody, 404: errorBody, 409: errorBody };

/** 调阅审批 — access requests, grants, break-glass and the media policy table (第十四条). */
export async function accessRequestRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.post(
    '/api/access-requests',
    {
      config: { permission: 'access:request' },
      schema: { tags, summary: '提出调阅申请 Ask for access to recordings (items or a query; purpose; view or copy; period)', body: accessRequestCreate, response: { 201: accessRequestView, ...errors, 410: errorBody } },
    },
    async (req, reply) => reply.status(201).send(await service.createRequest(app.deps, userOf(req), req.body)),
  );
  app.post(
    '/api/access-requests/break-glass',
    {
      config: { permission: 'access:request' },
      schema: { tags, summary: '紧急调阅 Break-glass: view at once for a short fixed period, with a written reason; reviewed afterwards', body: breakGlassCreate, response: { 201: accessRequestView, ...errors, 410: errorBody } },
    },
    async (req, reply) => reply.status(201).send(await service.breakGlass(app.deps, userOf(req), req.body)),
  );
  app.get(
    '/api/access-requests',
    {
      config: { permission: 'access:request' },
      schema: {
        tags,
        summary: '调阅申请列表 My requests, requests to approve, break-glass to review, decided ones',
        querystring: boxQuery.extend({ cursor: z.string().max(500).optional() }),
        response: { 200: z.object({ items: z.array(accessRequestListItem), nextCursor: z.string().nullable() }), 400: errorBody },
      },
    },
    async (req) => service.listRequests(app.deps, userOf(req), req.query),
  );
  app.get(
    '/api/access-requests/counts',
    { config: { permission: 'self' }, schema: { tags, summary: '待审批数量 Requests waiting for my decision and break-glass waiting for my review', response: { 200: accessCounts } } },
    async (req) => service.counts(app.deps, userOf(req)),
  );
  app.get(
    '/api/access-requests/:id',
    { config: { permission: 'access:request' }, schema: { tags, summary: '调阅申请详情 One request with its recordings and grant', params: idParams, response: { 200: accessRequestView, ...errors } } },
    async (req) => service.getRequest(app.deps, userOf(req), req.params.id),
  );
  app.post(
    '/api/access-requests/:id/approve',
    {
      config: { permission: 'access:approve' },
      schema: { tags, summary: '批准 Approve, as asked or narrower (fewer recordings, shorter period, view instead of copy)', params: idParams, body: accessApprove, response: { 200: accessRequestView, ...errors } },
    },
    async (req) => service.approveRequest(app.deps, userOf(req), req.params.id, req.body),
  );
  app.post(
    '/api/access-requests/:id/deny',
    { config: { permission: 'access:approve' }, schema: { tags, summary: '驳回 Deny, with a reason', params: idParams, body: reasonBody, response: { 200: accessRequestView, ...errors } } },
    async (req) => service.denyRequest(app.deps, userOf(req), req.params.id, req.body.reason),
  );
  app.post(
    '/api/access-requests/:id/withdraw',
    { config: { permission: 'access:request' }, schema: { tags, summary: '撤回 The requester withdraws a pending request', params: idParams, response: { 200: accessRequestView, ...errors } } },
    async (req) => service.withdrawRequest(app.deps, userOf(req), req.params.id),
  );
  app.post(
    '/api/access-grants/:id/revoke',
    { config: { permission: 'access:request' }, schema: { tags, summary: '撤销授权 Revoke a grant with immediate effect', params: idParams, body: reasonBody, response: { 200: accessRequestView, ...errors } } },
    async (req) => service.revokeGrant(app.deps, userOf(req), req.params.id, req.body.reason),
  );
  app.post(
    '/api/access-grants/:id/review',
    {
      config: { permission: 'access:approve' },
      schema: { tags, summary: '紧急调阅复核 Sign off a break-glass, or refer it to supervision (ends it)', params: idParams, body: reviewBody, response: { 200: accessRequestView, ...errors } },
    },
    async (req) => service.reviewBreakGlass(app.deps, userOf(req), req.params.id, req.body),
  );
  app.get(
    '/api/access-policy',
    { config: { permission: 'settings:read' }, schema: { tags, summary: '调阅策略表 Who sees pictures and sound without a grant', response: { 200: policyView } } },
    async () => service.getPolicy(app.deps),
  );
  app.put(
    '/api/access-policy/:role',
    {
      config: { permission: 'settings:write' },
      schema: {
        tags,
        summary: '修改调阅策略 Change one role’s row of the media policy table',
        params: z.object({ role: z.string().max(40) }),
        body: z.strictObject({ withoutGrant: z.enum(['none', 'own_recent', 'reach']) }),
        response: { 200: policyView, ...errors },
      },
    },
    async (req) => service.putPolicy(app.deps, userOf(req), req.params.role, req.body.withoutGrant),
  );
  app.put(
    '/api/departments/:id/head',
    {
      config: { permission: 'departments:write' },
      schema: {
        tags,
        summary: '设置部门负责人 Name the department’s head (负责人), who decides requests from outside it',
        params: idParams,
        body: z.strictObject({ personId: z.uuid().nullable() }),
        response: { 200: z.object({ departmentId: z.uuid(), headPersonId: z.uuid().nullable() }), ...errors },
      },
    },
    async (req) => service.setDepartmentHead(app.deps, userOf(req), req.params.id, req.body.personId),
  );
}
