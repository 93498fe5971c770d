import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { instant, pageOf, pageQuery, text, userOf } from '../../platform/http/schemas.ts';
import * as service from './audit.service.ts';

const tags = ['audit'];

const eventView = z.object({
  seq: z.string(),
  at: z.iso.datetime(),
  actorId: z.uuid().nullable(),
  actorLabel: z.string(),
  action: z.string(),
  targetType: z.string().nullable(),
  targetId: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
  prevHash: z.string(),
  hash: z.string(),
});

const verification = z.object({
  ok: z.boolean(),
  checked: z.number(),
  headSeq: z.string(),
  firstBrokenSeq: z.string().optional(),
  reason: z.enum(['hash', 'missing', 'link', 'head', 'pending']).optional(),
  pending: z.object({ count: z.number(), stale: z.array(z.string()), edited: z.array(z.string()), sequencerError: z.string().optional() }).optional(),
  durationMs: z.number(),
});

export async function auditRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.get(
    '/api/audit-events',
    {
      config: { permission: 'audit:read' },
      schema: {
        tags,
        summary: '审计日志 Audit events, newest first (this read is itself audited)',
        querystring: pageQuery.extend({
          actorId: z.uuid().optional(),
          /** Username (or `system`) of the actor. */
          actor: text(80).optional(),
          /** Action or action prefix, e.g. `person.` */
          action: text(80).optional(),
          targetType: text(40).optional(),
          targetId: text(80).optional(),
          from: instant.optional(),
          to: instant.optional(),
        }),
        response: { 200: pageOf(eventView) },
      },
    },
    async (req) => {
      const { actor, ...q } = req.query;
      return service.listAuditEvents(app.deps, userOf(req), { ...q, actorLabel: actor });
    },
  );
  app.get(
    '/api/audit-chain',
    {
      config: { permission: 'audit:read' },
      schema: {
        tags,
        summary: '审计链状态 Chain head and the last verification',
        response: {
          200: z.object({
            headSeq: z.string(),
            headHash: z.string(),
            lastVerification: z
              .object({ seq: z.string(), at: z.string(), ok: z.boolean(), checked: z.number(), firstBrokenSeq: z.string().nullable(), reason: z.string().nullable() })
              .nullable(),
          }),
        },
      },
    },
    async () => service.chainStatus(app.deps),
  );
  app.post(
    '/api/audit-chain/verifications',
    {
      config: { permission: 'audit:verify' },
      schema: { tags, summary: '校验审计链 Verify the whole chain now', response: { 200: verification } },
    },
    async (req) => service.verifyChain(app.deps, userOf(req)),
  );
}
