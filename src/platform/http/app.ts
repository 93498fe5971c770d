import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Deps } from '../deps.ts';
import { registerErrorHandler } from './error-handler.ts';
import { registerBodyTimeouts } from './body-timeouts.ts';
import { bodyLimitFor, DEFAULT_BODY_LIMIT, registerJsonParser } from './json-body.ts';
import { assertStrictBody } from './strict-bodies.ts';
import { noContentOn204, withStandardResponses } from './standard-responses.ts';
import './zod-messages.ts';
import { requestIdGenerator } from './request-id.ts';
import { fastifyTrustProxy } from '../config/trust-proxy.ts';
import './fastify-types.ts';
import { authPlugin } from '../../modules/auth/auth.plugin.ts';
import { authRoutes } from '../../modules/auth/auth.routes.ts';
import { auditRoutes } from '../../modules/audit/audit.routes.ts';
import { departmentRoutes } from '../../modules/departments/departments.routes.ts';
import { healthRoutes } from '../../modules/health/health.routes.ts';
import { jobRoutes } from '../../modules/jobs/jobs.routes.ts';
import { personnelRoutes } from '../../modules/personnel/personnel.routes.ts';
import { settingsRoutes } from '../../modules/settings/settings.routes.ts';
import { userRoutes } from '../../modules/users/users.routes.ts';
import { offloadRoutes } from '../../modules/offload/offload.routes.ts';
import { recordingRoutes } from '../../modules/recordings/recordings.routes.ts';
import { fixityRoutes } from '../../modules/fixity/fixity.routes.ts';
import { uploadRoutes } from '../../modules/uploads/uploads.routes.ts';
import { accessRequestRoutes } from '../../modules/access-requests/access-requests.routes.ts';
import { playbackRoutes } from '../../modules/playback/playback.routes.ts';
import { deviceRoutes } from '../../modules/devices/devices.routes.ts';
import { custodyRoutes } from '../../modules/custody/custody.routes.ts';
import { evidencePackageRoutes } from '../../modules/evidence-packages/evidence-packages.routes.ts';
import { caseRoutes } from '../../modules/cases/cases.routes.ts';
import { caseFileRoutes } from '../../modules/case-files/case-files.routes.ts';
import { annotationRoutes } from '../../modules/annotations/annotations.routes.ts';
import { tlogRoutes } from '../../modules/tlog/tlog.routes.ts';
import { preservationRoutes } from '../../modules/preservation/preservation.routes.ts';
import { mediaSetRoutes } from '../../modules/media-sets/media-sets.routes.ts';
import { retentionRoutes } from '../../modules/retention/retention.routes.ts';
import { tlogWitnessRoutes } from '../../modules/tlog/tlog-witness.routes.ts';

export const webDistDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../web/dist');

export interface AppOptions {
  /** pino options, or false for no logging (tests). */
  logger?: boolean | Record<string, unknown>;
  /** Serve the built web UI from web/dist when it exists. */
  serveWeb?: boolean;
}

/**
 * Builds the Fastify application: external plugins (security headers, cookies, OpenAPI), then the
 * access-control plugin, then the feature modules' routes. No side effects beyond the instance.
 */
export async function buildApp(deps: Deps, opts: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: opts.logger ?? { level: deps.config.logLevel },
    genReqId: requestIdGenerator(deps.config.trustProxy),
    bodyLimit: DEFAULT_BODY_LIMIT,
    // The client address (req.ip, as audit and logs record it) comes from X-Forwarded-For only via trusted proxies.
    trustProxy: fastifyTrustProxy(deps.config.trustProxy),
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.decorate('deps', deps);
  app.addHook('onSend', async (req, reply) => {
    reply.header('x-request-id', req.id);
  });
  // Odd input gets a clear 4xx cheaply: bounded bodies (size per route, JSON depth), strict body schemas,
  // bodies that stop arriving cut off.
  app.addHook('onRoute', (route) => {
    route.bodyLimit ??= bodyLimitFor(route.url);
    assertStrictBody(route);
  });
  registerJsonParser(app);
  registerBodyTimeouts(app, { idleMs: deps.config.bodyIdleSeconds * 1000, totalMs: deps.config.bodyTimeoutSeconds * 1000 });

  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        // Ant Design injects its styles at run time.
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        mediaSrc: ["'self'", 'blob:'],
        connectSrc: ["'self'"],
        frameAncestors: ["'none'"],
        formAction: ["'self'"],
        objectSrc: ["'none'"],
        upgradeInsecureRequests: null,
      },
    },
    crossOriginEmbedderPolicy: false,
    strictTransportSecurity: deps.config.secureCookies,
  });
  await app.register(cookie);
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'QuanLu 全录 API',
        version: '0.1.0',
        description:
          '行政执法全过程记录系统 API. Cookie sessions (with the x-csrf-token header on writes) or personal API tokens (Authorization: Bearer). Errors: { code, message, requestId, fields? }.',
      },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'ql_session' },
          bearer: { type: 'http', scheme: 'bearer' },
        },
      },
      security: [{ session: [] }, { bearer: [] }],
    },
    // Every route documents the statuses its shape can produce (standard-responses.ts).
    transform: withStandardResponses(jsonSchemaTransform),
    // Schemas registered with an id (`.meta({ id })`) become components.schemas and named types in the contract.
    transformObject: (doc) => noContentOn204(jsonSchemaTransformObject(doc)),
  });

  const serveWeb = opts.serveWeb !== false && existsSync(path.join(webDistDir, 'index.html'));
  registerErrorHandler(app, { spaFallback: serveWeb });
  await app.register(authPlugin);
  await app.register(swaggerUi, { routePrefix: '/api/docs', staticCSP: true });
  app.get('/api/openapi.json', { config: { public: true }, schema: { hide: true } }, async () => app.swagger());

  await app.register(healthRoutes);
  await app.register(authRoutes);
  await app.register(userRoutes);
  await app.register(departmentRoutes);
  await app.register(personnelRoutes);
  await app.register(auditRoutes);
  await app.register(settingsRoutes);
  await app.register(jobRoutes);
  await app.register(uploadRoutes);
  await app.register(recordingRoutes);
  await app.register(offloadRoutes);
  await app.register(fixityRoutes);
  await app.register(preservationRoutes);
  await app.register(mediaSetRoutes);
  await app.register(tlogRoutes);
  await app.register(tlogWitnessRoutes);
  await app.register(accessRequestRoutes);
  await app.register(playbackRoutes);
  await app.register(deviceRoutes);
  await app.register(custodyRoutes);
  await app.register(caseRoutes);
  await app.register(caseFileRoutes);
  await app.register(retentionRoutes);
  await app.register(annotationRoutes);
  await app.register(evidencePackageRoutes);

  if (serveWeb) await app.register(fastifyStatic, { root: webDistDir, prefix: '/', wildcard: false, index: ['index.html'] });
  return app;
}
