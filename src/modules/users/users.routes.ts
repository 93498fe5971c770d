import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf } from '../../platform/auth/auth-user.ts';
import { errorBody, idParams, userOf } from '../../platform/http/schemas.ts';
import { userBody, userPatch, userView } from './users.schema.ts';
import * as service from './users.service.ts';

const tags = ['users'];
const errors = { 400: errorBody, 403: errorBody, 404: errorBody, 409: errorBody };

export async function userRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.get(
    '/api/users',
    { config: { permission: 'users:read' }, schema: { tags, summary: '账户列表 Accounts', response: { 200: z.object({ items: z.array(userView) }) } } },
    async () => ({ items: await service.listUsers(app.deps) }),
  );
  app.post(
    '/api/users',
    { config: { permission: 'users:write' }, schema: { tags, summary: '新建账户 Create an account', body: userBody, response: { 201: userView, ...errors } } },
    async (req, reply) => reply.status(201).send(await service.createUser(app.deps, actorOf(userOf(req)), req.body)),
  );
  app.patch(
    '/api/users/:id',
    {
      config: { permission: 'users:write' },
      schema: { tags, summary: '修改账户（角色、停用、重置密码） Update an account', params: idParams, body: userPatch, response: { 200: userView, ...errors } },
    },
    async (req) => service.updateUser(app.deps, actorOf(userOf(req)), req.params.id, req.body),
  );
  app.post(
    '/api/users/:id/unlock',
    { config: { permission: 'users:write' }, schema: { tags, summary: '解除登录限制 Let the account log in at once again (clears its login wait)', params: idParams, response: { 200: userView, ...errors } } },
    async (req) => service.unlockUser(app.deps, actorOf(userOf(req)), req.params.id),
  );
}
