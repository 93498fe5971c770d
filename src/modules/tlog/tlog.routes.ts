import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../platform/errors/error-catalog.ts';
import { errorBody } from '../../platform/http/schemas.ts';
import { consistencyQuery, consistencyView, inclusionQuery, inclusionView, keysView, sealsView, sizeParams, tileParams } from './tlog.schema.ts';
import { checkpointNoteOfSize, consistency, dailySeals, entryBundle, inclusion, keys, latestCheckpointNote, tileBytes } from './tlog.service.ts';
import { parseTilePath } from './tiles.ts';

const tags = ['tlog'];
const text = z.string().describe('C2SP tlog-checkpoint signed note (text/plain)');

/**
 * The transparency log, public on purpose (like the installation key): a witness, a court or another agency
 * must read checkpoints, tiles and proofs without an account of this system. They reveal hashes only — event
 * chain hashes and tree nodes, never an event's content. Checkpoints and full tiles never change, so they may
 * be cached; the latest checkpoint and partial tiles may not.
 */
export async function tlogRoutes(appBase: FastifyInstance): Promise<void> {
  const app = appBase.withTypeProvider<ZodTypeProvider>();

  app.get(
    '/api/tlog/checkpoint',
    { config: { public: true }, schema: { tags, summary: '最新检查点 The latest signed checkpoint (C2SP tlog-checkpoint)', response: { 200: text, 404: errorBody } } },
    async (_req, reply) => reply.type('text/plain; charset=utf-8').header('cache-control', 'no-store').send(await latestCheckpointNote(app.deps.db)),
  );

  app.get(
    '/api/tlog/checkpoints/:size',
    { config: { public: true }, schema: { tags, summary: '指定树大小的检查点 The signed checkpoint of a tree size', params: sizeParams, response: { 200: text, 404: errorBody } } },
    async (req, reply) => reply.type('text/plain; charset=utf-8').send(await checkpointNoteOfSize(app.deps.db, req.params.size)),
  );

  app.get(
    '/api/tlog/tile/*',
    {
      config: { public: true },
      schema: {
        tags,
        summary: '日志瓦片 A tile (C2SP tlog-tiles paths: <L>/<N>[.p/<W>], entries/<N>[.p/<W>]); binary',
        params: tileParams,
        response: { 404: errorBody },
      },
    },
    async (req, reply) => {
      const t = parseTilePath(req.params['*']);
      if (!t) throw new AppError('TLOG_NO_TILE');
      const bytes = t.level === 'entries' ? await entryBundle(app.deps.db, t.idx, t.width) : await tileBytes(app.deps.db, t.level, t.idx, t.width);
      return reply
        .type('application/octet-stream')
        .header('cache-control', t.width === 256 ? 'public, max-age=31536000, immutable' : 'no-store')
        .send(bytes as never);
    },
  );

  app.get(
    '/api/tlog/proof/inclusion',
    { config: { public: true }, schema: { tags, summary: '包含证明 Inclusion proof of an audit event in a tree (RFC 9162)', querystring: inclusionQuery, response: { 200: inclusionView } } },
    async (req) => inclusion(app.deps.db, req.query.seq, req.query.size),
  );

  app.get(
    '/api/tlog/proof/consistency',
    { config: { public: true }, schema: { tags, summary: '一致性证明 Consistency proof between two tree sizes (RFC 9162)', querystring: consistencyQuery, response: { 200: consistencyView } } },
    async (req) => consistency(app.deps.db, req.query.from, req.query.to),
  );

  app.get(
    '/api/tlog/keys',
    { config: { public: true }, schema: { tags, summary: '检查点签名公钥 Every key that signed checkpoints (C2SP verifier keys; old keys kept)', response: { 200: keysView } } },
    async () => keys(app.deps.db),
  );

  app.get(
    '/api/tlog/seals',
    { config: { public: true }, schema: { tags, summary: '每日封存 The daily seals (checkpoint at the close of each Beijing day), newest first', response: { 200: sealsView } } },
    async () => ({ items: await dailySeals(app.deps.db) }),
  );
}
