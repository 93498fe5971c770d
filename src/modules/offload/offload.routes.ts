import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { dateString, errorBody, instant, multilineText, userOf } from '../../platform/http/schemas.ts';
import { handoverDayView, lateOffloadsView } from './offload.schema.ts';
import * as service from './offload.service.ts';

const tags = ['offload'];

export async function offloadRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.get(
    '/api/offload/late',
    {
      config: { permission: 'offload:read' },
      schema: {
        tags,
        summary: '迟交声像资料 Late offloads per officer and device (第十条)',
        querystring: z.object({ from: instant, to: instant, limit: z.coerce.number().int().min(1).max(5000).default(1000) }),
        response: { 200: lateOffloadsView },
      },
    },
    async (req) => service.lateOffloads(app.deps, userOf(req), req.query),
  );
  app.get(
    '/api/offload/days/:day',
    {
      config: { permission: 'offload:read' },
      schema: {
        tags,
        summary: '当日交接 What each officer handed over on a day, and the receipts',
        params: z.object({ day: dateString }),
        response: { 200: handoverDayView },
      },
    },
    async (req) => service.handoversOfDay(app.deps, userOf(req), req.params.day),
  );
  app.post(
    '/api/offload/receipts',
    {
      config: { permission: 'offload:confirm' },
      schema: {
        tags,
        summary: '确认交接 The custodian confirms an officer’s hand-over for a day',
        body: z.strictObject({ personId: z.uuid(), day: dateString, note: multilineText(500).optional() }),
        response: {
          201: z.object({ id: z.uuid(), personId: z.uuid(), day: z.string(), recordingIds: z.array(z.uuid()), confirmedAt: z.string() }),
          404: errorBody,
          409: errorBody,
        },
      },
    },
    async (req, reply) => reply.status(201).send(await service.confirmReceipt(app.deps, userOf(req), req.body)),
  );
}
