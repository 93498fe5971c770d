import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorBody, userOf } from '../../platform/http/schemas.ts';
import { attestationsView, cosignatureBody, cosignatureView, witnessBody, witnessList, witnessView } from './tlog-witness.schema.ts';
import { latestCosignedNote, listWitnesses, registerWitness, sealAttestations, submitCosignature } from './tlog-witness.service.ts';

const tags = ['tlog'];

/**
 * Witnesses of the transparency log (issue 13 §3–4). Reading is public, like the checkpoints; a witness
 * submits its cosignature without an account (the service accepts only a valid cosignature, by a registered
 * key, of a checkpoint this system signed); registering a witness is the administrator's (settings:write).
 */
export async function tlogWitnessRoutes(appBase: FastifyInstance): Promise<void> {
  const app = appBase.withTypeProvider<ZodTypeProvider>();

  app.get(
    '/api/tlog/checkpoint/cosigned',
    {
      config: { public: true },
      schema: { tags, summary: '最新已见证检查点 The latest checkpoint a witness cosigned, with every cosignature line', response: { 200: z.string(), 404: errorBody } },
    },
    async (_req, reply) => reply.type('text/plain; charset=utf-8').header('cache-control', 'no-store').send(await latestCosignedNote(app.deps)),
  );

  app.post(
    '/api/tlog/cosignatures',
    {
      config: { public: true },
      schema: { tags, summary: '提交见证副署 A witness submits its cosignature (C2SP cosignature/v1)', body: cosignatureBody, response: { 201: cosignatureView, 400: errorBody, 403: errorBody, 404: errorBody } },
    },
    async (req, reply) => reply.code(201).send(await submitCosignature(app.deps, req.body)),
  );

  app.get(
    '/api/tlog/witnesses',
    { config: { public: true }, schema: { tags, summary: '已登记的见证者 Registered witnesses', response: { 200: witnessList } } },
    async () => ({ items: await listWitnesses(app.deps.db) }),
  );

  app.post(
    '/api/tlog/witnesses',
    {
      config: { permission: 'settings:write' },
      schema: { tags, summary: '登记见证者 Register a witness (name and verifier key)', body: witnessBody, response: { 201: witnessView, 400: errorBody, 409: errorBody } },
    },
    async (req, reply) => reply.code(201).send(await registerWitness(app.deps, userOf(req), req.body.vkey)),
  );

  app.get(
    '/api/tlog/attestations',
    { config: { public: true }, schema: { tags, summary: '见证与时间戳 Witnesses and time stamps of the latest checkpoint and the daily seals', response: { 200: attestationsView } } },
    async () => sealAttestations(app.deps),
  );
}
