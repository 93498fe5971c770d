import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorBody } from '../../platform/http/schemas.ts';
import { userOf } from '../../platform/http/schemas.ts';
import { settingKeys } from './settings.registry.ts';
import * as service from './settings.service.ts';

const tags = ['system'];
const settingView = z.object({
  key: z.enum(settingKeys),
  value: z.unknown(),
  isDefault: z.boolean(),
  updatedAt: z.string().nullable(),
  /** What the setting is, for the settings page. */
  label: z.object({ zh: z.string(), en: z.string() }),
  /** How to edit it. */
  input: z.object({ type: z.enum(['text', 'integer']), min: z.number().optional(), max: z.number().optional() }),
});

export async function settingsRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.get(
    '/api/settings',
    { config: { permission: 'settings:read' }, schema: { tags, summary: '系统设置 Settings', response: { 200: z.object({ items: z.array(settingView) }) } } },
    async () => ({ items: await service.listSettings(app.deps) }),
  );
  app.put(
    '/api/settings/:key',
    {
      config: { permission: 'settings:write' },
      schema: {
        tags,
        summary: '修改设置 Change a setting',
        params: z.object({ key: z.enum(settingKeys) }),
        body: z.strictObject({ value: z.unknown() }),
        response: { 200: settingView, 400: errorBody },
      },
    },
    async (req) => service.putSetting(app.deps, userOf(req), req.params.key, req.body.value),
  );
}
