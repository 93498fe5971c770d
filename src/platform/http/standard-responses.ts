/**
 * The error statuses every route can answer, written into the OpenAPI document from what the route is: a
 * client reading the document (the generated types, a fuzzer) finds every status the server sends. Only the
 * statuses that come from the route's shape are added here; a route documents its own domain statuses (409
 * on a duplicate, 422 on unreadable media, 429 on the login throttle) in its `response` map.
 *
 * - 401: any route that is not public (no, expired or revoked session or token).
 * - 403: a route with a permission other than `self` (FORBIDDEN), and every write (CSRF_FAILED on a session).
 * - 400: path or query parameters (VALIDATION_FAILED, INVALID_CURSOR), and every write (a bad or non-JSON body).
 * - 404: a path parameter (not found, and out of scope looks the same).
 * - 408, 413, 415: every write (body too slow, too large, or of a type the route does not read).
 * - tus (/api/uploads): the statuses @tus/server and our hooks answer, 412 for an unsupported Tus-Resumable.
 * 204 answers carry no body, so the document gives them no content (Fastify already sends no content type).
 */

import type { SwaggerTransform } from '@fastify/swagger';

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** @tus/server's ERRORS (400 … 413, 423 file locked, 460 checksum), 412 for the protocol version, 415 ours. */
const TUS_STATUSES = [400, 401, 403, 404, 409, 410, 412, 413, 415, 423, 460];
/** tus 1.0 success answers: 201 Created, 204 after PATCH/DELETE/OPTIONS, 200 for HEAD. */
const TUS_SUCCESS: Record<string, number> = { POST: 201, PATCH: 204, DELETE: 204, OPTIONS: 204, HEAD: 200 };

/** The JSON schema of the error body (the same fields as `errorBody` in schemas.ts). */
const errorBodySchema = {
  type: 'object',
  required: ['code', 'message', 'requestId'],
  properties: {
    code: { type: 'string' },
    message: { type: 'string' },
    requestId: { type: 'string' },
    fields: { type: 'object', additionalProperties: { type: 'string' } },
  },
  description: 'Error: { code, message (request language), requestId, fields? }',
};

interface RouteInfo {
  method: string | string[];
  url: string;
  config?: { public?: boolean; permission?: string };
}

/** The statuses a route can answer because of its shape (see above), for one HTTP method. */
export function standardStatuses(route: RouteInfo, method: string, schema: { params?: unknown; querystring?: unknown }): number[] {
  if (route.url === '/api/uploads' || route.url.startsWith('/api/uploads/')) return [TUS_SUCCESS[method.toUpperCase()] ?? 200, ...TUS_STATUSES];
  const out = new Set<number>();
  const write = WRITE_METHODS.has(method.toUpperCase());
  if (!route.config?.public) {
    out.add(401);
    if (write || route.config?.permission !== 'self') out.add(403);
  }
  if (schema.params || schema.querystring || write) out.add(400);
  if (schema.params) out.add(404);
  if (write) for (const s of [408, 413, 415]) out.add(s);
  return [...out].sort();
}

type Transformed = { schema: { response?: Record<string, unknown>; hide?: boolean }; url: string };

/**
 * Wraps the zod → JSON schema transform of @fastify/swagger: adds the standard error responses a route
 * does not document itself. Documentation only: the serializers of the route stay as the route made them.
 */
export function withStandardResponses(transform: SwaggerTransform): SwaggerTransform {
  return (arg) => {
    const out = transform(arg) as Transformed;
    if (!out.schema || out.schema.hide) return out as ReturnType<SwaggerTransform>;
    const route = arg.route as unknown as RouteInfo;
    const response: Record<string, unknown> = { ...(out.schema.response ?? {}) };
    for (const m of [route.method].flat()) {
      for (const status of standardStatuses(route, m, (arg.schema ?? {}) as { params?: unknown; querystring?: unknown })) {
        response[String(status)] ??= status < 300 ? { description: 'tus answer (headers only)', type: 'null' } : errorBodySchema;
      }
    }
    return { ...out, schema: { ...out.schema, response } } as ReturnType<SwaggerTransform>;
  };
}

type OpenApiObject = { paths?: Record<string, Record<string, { responses?: Record<string, { content?: unknown; description?: string }> }>> };

/** A 204 has no body: the document says so (no `content`), so generated types do not expect JSON. */
export function noContentOn204<T>(doc: T): T {
  for (const item of Object.values((doc as OpenApiObject).paths ?? {})) {
    for (const op of Object.values(item)) {
      const r = op?.responses?.['204'];
      if (r) {
        delete r.content;
        r.description = 'No Content';
      }
    }
  }
  return doc;
}
