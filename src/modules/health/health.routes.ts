import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorBody } from '../../platform/http/schemas.ts';
import { health } from './health.service.ts';
import { fixityHealthCheck } from '../fixity/fixity.service.ts';

const status = z.enum(['ok', 'unavailable']);
/** Public: only whether each check passed — no addresses, ports, paths or error texts for anonymous callers. */
const healthView = z.object({ status, checks: z.object({ database: z.object({ ok: z.boolean() }), storage: z.object({ ok: z.boolean() }) }) });
const checkDetail = z.object({ ok: z.boolean(), ms: z.number(), error: z.string().optional() });
/** For administrators: timings and the error of a failed check. */
const healthDetailView = z.object({
  status,
  /** `fixity` fails while any stored object failed its latest fixity check; it does not make the node unavailable. */
  checks: z.object({ database: checkDetail, storage: checkDetail, fixity: checkDetail }),
});

export async function healthRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.get(
    '/api/health',
    { config: { public: true }, schema: { tags: ['system'], summary: '健康检查 Health (503 when the database or storage fails)', response: { 200: healthView, 503: healthView } } },
    async (req, reply) => {
      const h = await health(app.deps, req.log);
      const { database, storage } = h.checks;
      return reply.status(h.status === 'ok' ? 200 : 503).send({ status: h.status, checks: { database: { ok: database.ok }, storage: { ok: storage.ok } } });
    },
  );
  app.get(
    '/api/health/detail',
    {
      config: { permission: 'settings:read' },
      schema: {
        tags: ['system'],
        summary: '健康检查详情 Health with timings and errors (administrators)',
        response: { 200: healthDetailView, 503: healthDetailView, 401: errorBody, 403: errorBody },
      },
    },
    async (req, reply) => {
      const h = await health(app.deps, req.log);
      const fixity = await fixityHealthCheck(app.deps).catch((e: unknown) => ({ ok: false, ms: 0, error: e instanceof Error ? e.message : String(e) }));
      return reply.status(h.status === 'ok' ? 200 : 503).send({ ...h, checks: { ...h.checks, fixity } });
    },
  );
}
