import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorBody, idParams, userOf } from '../../platform/http/schemas.ts';
import { deadlineView } from '../cases/cases.schema.ts';
import { createBody, deliverBody, listQuery, packageView, profileView } from './evidence-packages.schema.ts';
import { createPackage, deliverPackage, downloadPackage, getPackage, listPackages, publishedProfile } from './evidence-packages.service.ts';

const tags = ['evidence-packages'];
const errors = { 400: errorBody, 404: errorBody, 409: errorBody };

export async function evidencePackageRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();

  app.get(
    '/api/evidence-packages/profile',
    { config: { public: true }, schema: { tags, summary: 'BagIt 配置 The QuanLu BagIt profile of evidence packages (format v1)', response: { 200: profileView } } },
    async () => publishedProfile(),
  );

  app.post(
    '/api/evidence-packages',
    {
      config: { permission: 'recordings:read' },
      schema: {
        tags,
        summary: '生成证据包 Ask for an evidence package of a case or of recordings (needs a live copy grant over every item); built by a job',
        body: createBody,
        response: { 202: packageView, ...errors, 410: errorBody },
      },
    },
    async (req, reply) => reply.code(202).send(await createPackage(app.deps, userOf(req), req.body)),
  );

  app.get(
    '/api/evidence-packages',
    { config: { permission: 'recordings:read' }, schema: { tags, summary: '我的证据包 The caller’s evidence packages, newest first', querystring: listQuery, response: { 200: z.array(packageView), ...errors } } },
    async (req) => listPackages(app.deps, userOf(req), req.query),
  );

  app.get(
    '/api/evidence-packages/:id',
    { config: { permission: 'recordings:read' }, schema: { tags, summary: '证据包 An evidence package and its build progress', params: idParams, response: { 200: packageView, ...errors } } },
    async (req) => getPackage(app.deps, userOf(req), req.params.id),
  );

  app.get(
    '/api/evidence-packages/:id/file',
    {
      config: { permission: 'recordings:read' },
      schema: { tags, summary: '下载证据包 Download the package (ZIP); audited', params: idParams, response: { 200: z.any(), 404: errorBody, 409: errorBody, 410: errorBody } },
    },
    async (req, reply) => {
      const f = await downloadPackage(app.deps, userOf(req), req.params.id);
      return reply
        .type('application/zip')
        .header('content-length', String(f.size))
        .header('content-disposition', `attachment; filename="${f.fileName}"`)
        .header('x-quanlu-sha256', f.sha256)
        .send(f.stream);
    },
  );

  app.post(
    '/api/evidence-packages/:id/delivery',
    {
      config: { permission: 'cases:write' },
      schema: { tags, summary: '证据已提交 Record that the case’s evidence was handed over as this package', params: idParams, body: deliverBody, response: { 200: z.array(deadlineView), ...errors } },
    },
    async (req) => deliverPackage(app.deps, userOf(req), req.params.id, req.body),
  );
}
