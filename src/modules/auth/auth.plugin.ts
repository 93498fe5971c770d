import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { AppError } from '../../platform/errors/error-catalog.ts';
import { safeEqual } from '../../platform/auth/secrets.ts';
import { localeOf } from '../../platform/http/locale.ts';
import { userFromSession, userFromToken } from './auth.service.ts';

export const SESSION_COOKIE = 'ql_session';
export const CSRF_COOKIE = 'ql_csrf';
export const CSRF_HEADER = 'x-csrf-token';

/** One row per API route: what it needs. Tests walk it to prove every route checks access. */
export interface RouteAccess {
  method: string;
  url: string;
  permission?: string;
  public: boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    routeAccess: RouteAccess[];
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** API documentation pages are public by nature; every other /api route must declare its access. */
const isDocsRoute = (url: string) => url === '/api/docs' || url.startsWith('/api/docs/') || url === '/api/openapi.json';

async function authenticate(app: FastifyInstance, req: FastifyRequest) {
  const authz = req.headers.authorization;
  if (authz) {
    const m = /^Bearer\s+(\S+)$/i.exec(authz);
    if (!m) throw new AppError('TOKEN_INVALID');
    return userFromToken(app.deps, m[1]!);
  }
  const cookie = req.cookies[SESSION_COOKIE];
  if (!cookie) throw new AppError('UNAUTHENTICATED');
  const user = await userFromSession(app.deps, cookie);
  // Cookie-authenticated writes must echo the session's CSRF token in a header (a cross-site form cannot).
  if (!SAFE_METHODS.has(req.method)) {
    const sent = req.headers[CSRF_HEADER];
    if (typeof sent !== 'string' || !user.csrfToken || !safeEqual(sent, user.csrfToken)) throw new AppError('CSRF_FAILED');
  }
  return user;
}

/**
 * Server-side access control for every route: who is calling (session cookie or bearer API token),
 * CSRF for cookie writes, and the route's declared permission. A route under /api that declares
 * neither a permission nor `public` stops start-up.
 */
export const authPlugin = fp(async (app: FastifyInstance) => {
  app.decorate('routeAccess', [] as RouteAccess[]);
  app.decorateRequest('user', undefined);
  app.decorateRequest('locale', 'zh-CN');

  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/api')) return;
    const cfg = (route.config ?? {}) as { permission?: string; public?: boolean };
    const isPublic = cfg.public === true || isDocsRoute(route.url);
    if (!isPublic && !cfg.permission) throw new Error(`Route ${String(route.method)} ${route.url} declares no permission`);
    for (const method of [route.method].flat()) {
      if (method === 'HEAD') continue;
      app.routeAccess.push({ method, url: route.url, permission: cfg.permission, public: isPublic });
    }
  });

  app.addHook('onRequest', async (req) => {
    req.locale = localeOf((req.query as { lang?: string } | undefined)?.lang === 'en' ? 'en' : req.headers['accept-language']);
    const cfg = req.routeOptions.config;
    if (!req.routeOptions.url?.startsWith('/api') || cfg.public || isDocsRoute(req.routeOptions.url ?? '')) return;
    const user = await authenticate(app, req);
    req.user = user;
    if (cfg.permission && !user.permissions.has(cfg.permission)) {
      throw new AppError('FORBIDDEN', { permission: cfg.permission });
    }
  });
});
