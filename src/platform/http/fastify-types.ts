import type { AuthUser } from '../auth/auth-user.ts';
import type { Permission } from '../auth/permissions.ts';
import type { Deps } from '../deps.ts';
import type { Locale } from '../errors/error-catalog.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The permission this route needs, checked on the server before the handler runs. */
    permission?: Permission;
    /** True for the few routes that need no login (health, login, docs). */
    public?: boolean;
    /**
     * The route reads its raw body as a stream of any length (a disc image sent for a check): like a tus upload,
     * it is cut only when nothing arrives for the idle time, never for taking longer than the parsed-body limit.
     */
    streamedBody?: boolean;
  }
  interface FastifyRequest {
    /** The authenticated caller; set for every non-public route. */
    user?: AuthUser;
    /** Language of messages for this request (Accept-Language; zh-CN by default). */
    locale: Locale;
  }
  interface FastifyInstance {
    deps: Deps;
  }
}
