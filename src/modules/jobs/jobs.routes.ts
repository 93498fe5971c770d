import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { listJobs } from './jobs.service.ts';

const jobView = z.object({
  /** graphile-worker's job id (digits); jobs of the queue before 0006 keep their uuid. */
  id: z.string(),
  kind: z.string(),
  state: z.enum(['queued', 'running', 'done', 'failed']),
  attempts: z.number(),
  maxAttempts: z.number(),
  runAt: z.iso.datetime(),
  lastError: z.string().nullable(),
  createdAt: z.iso.datetime(),
  finishedAt: z.iso.datetime().nullable(),
});

export async function jobRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.get(
    '/api/jobs',
    {
      config: { permission: 'jobs:read' },
      schema: {
        tags: ['system'],
        summary: '后台任务 Background jobs, newest first',
        querystring: z.object({ state: z.enum(['queued', 'running', 'done', 'failed']).optional(), limit: z.coerce.number().int().min(1).max(200).default(50) }),
        response: { 200: z.object({ items: z.array(jobView) }) },
      },
    },
    async (req) => ({ items: await listJobs(app.deps, req.query) }),
  );
}
