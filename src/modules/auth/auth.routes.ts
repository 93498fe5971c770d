import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AuthUser } from '../../platform/auth/auth-user.ts';
import { AppError } from '../../platform/errors/error-catalog.ts';
import { errorBody, idParams, userOf } from '../../platform/http/schemas.ts';
import { CSRF_COOKIE, SESSION_COOKIE } from './auth.plugin.ts';
import { createdToken, createTokenBody, loginBody, loginResponse, meResponse, passwordChangeBody, passwordChangeResponse, tokenView } from './auth.schema.ts';
import * as service from './auth.service.ts';

const tags = ['auth'];

export function meView(u: AuthUser): z.infer<typeof meResponse> {
  return {
    id: u.id,
    username: u.username,
    displayName: u.displayName,
    roles: u.roles,
    permissions: [...u.permissions],
    departmentId: u.departmentId,
    personId: u.personId,
    via: u.via,
  };
}

type TokenRow = { id: string; name: string; prefix: string; created_at: Date; expires_at: Date; last_used_at: Date | null; revoked_at: Date | null };
const tokenOut = (t: TokenRow) => ({
  id: t.id,
  name: t.name,
  prefix: t.prefix,
  createdAt: t.created_at.toISOString(),
  expiresAt: t.expires_at.toISOString(),
  lastUsedAt: t.last_used_at?.toISOString() ?? null,
  revokedAt: t.revoked_at?.toISOString() ?? null,
});

/** A throttled password check answers 429 with Retry-After (RFC 9110 §10.2.3) as well as the message. */
async function withRetryAfter<T>(reply: FastifyReply, work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (e) {
    if (e instanceof AppError && e.code === 'LOGIN_THROTTLED') reply.header('retry-after', String(e.params.seconds));
    throw e;
  }
}

export async function authRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const cookieBase = { path: '/', sameSite: 'strict' as const, secure: app.deps.config.secureCookies };

  app.post(
    '/api/auth/login',
    {
      config: { public: true },
      schema: { tags, summary: '登录 Log in', body: loginBody, response: { 200: loginResponse, 401: errorBody, 403: errorBody, 429: errorBody } },
    },
    async (req, reply) => {
      const r = await withRetryAfter(
        reply,
        service.login(app.deps, { username: req.body.username, password: req.body.password, ip: req.ip ?? null, userAgent: req.headers['user-agent'] ?? null }),
      );
      reply.setCookie(SESSION_COOKIE, r.sessionToken, { ...cookieBase, httpOnly: true, expires: r.expiresAt });
      reply.setCookie(CSRF_COOKIE, r.csrfToken, { ...cookieBase, httpOnly: false, expires: r.expiresAt });
      return { user: meView(r.user), csrfToken: r.csrfToken, expiresAt: r.expiresAt.toISOString() };
    },
  );

  app.post(
    '/api/auth/logout',
    { config: { permission: 'self' }, schema: { tags, summary: '退出 Log out', response: { 204: z.null() } } },
    async (req, reply) => {
      await service.logout(app.deps, userOf(req));
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      reply.clearCookie(CSRF_COOKIE, { path: '/' });
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/api/auth/me',
    { config: { permission: 'self' }, schema: { tags, summary: '当前用户 Current user', response: { 200: meResponse } } },
    async (req) => meView(userOf(req)),
  );

  app.post(
    '/api/auth/password',
    {
      config: { permission: 'self' },
      schema: {
        tags,
        summary: '修改我的密码（结束其他会话，撤销全部 API 令牌） Change my password (ends my other sessions and revokes all my API tokens)',
        body: passwordChangeBody,
        response: { 200: passwordChangeResponse, 400: errorBody, 403: errorBody, 429: errorBody },
      },
    },
    async (req, reply) =>
      withRetryAfter(reply, service.changeOwnPassword(app.deps, userOf(req), { ...req.body, ip: req.ip ?? null })),
  );

  app.get(
    '/api/api-tokens',
    {
      config: { permission: 'self' },
      schema: { tags, summary: '我的 API 令牌 My API tokens', response: { 200: z.object({ items: z.array(tokenView) }) } },
    },
    async (req) => ({ items: (await service.listApiTokens(app.deps, userOf(req))).map(tokenOut) }),
  );

  app.post(
    '/api/api-tokens',
    {
      config: { permission: 'self' },
      schema: { tags, summary: '创建 API 令牌（仅限网页登录） Create an API token (interactive session only)', body: createTokenBody, response: { 201: createdToken, 403: errorBody } },
    },
    async (req, reply) => {
      const t = await service.createApiToken(app.deps, userOf(req), req.body);
      return reply.status(201).send({ ...tokenOut(t), token: t.token });
    },
  );

  app.post(
    '/api/api-tokens/:id/revoke',
    { config: { permission: 'self' }, schema: { tags, summary: '撤销 API 令牌 Revoke an API token', params: idParams, response: { 204: z.null() } } },
    async (req, reply) => {
      await service.revokeApiToken(app.deps, userOf(req), req.params.id);
      return reply.status(204).send(null);
    },
  );
}
