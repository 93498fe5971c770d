import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { health } from './health.service.ts';

const check = z.object({ ok: z.boolean(), ms: z.number(), error: z.string().optional() });
const healthView = z.object({ status: z.enum(['ok', 'unavailable']), checks: z.object({ database: check, storage: check }) });

export async function healthRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.get(
    '/api/health',
    { config: { public: true }, schema: { tags: ['system'], summary: '健康检查 Health (503 when the database or storage fails)', response: { 200: healthView, 503: healthView } } },
    async (_req, reply) => {
      const h = await health(app.deps);
      return reply.status(h.status === 'ok' ? 200 : 503).send(h);
    },
  );
}
