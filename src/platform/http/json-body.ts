import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors/error-catalog.ts';

/**
 * Request bodies are small and flat. Anonymous clients must not make the server burn CPU on a body:
 * the size is bounded per route (before a byte is parsed) and the JSON nesting depth is checked with a
 * cheap linear scan before JSON.parse and validation walk it.
 */

/** Default limit of a request body; bigger bodies are refused with 413 before they are read. */
export const DEFAULT_BODY_LIMIT = 64 * 1024;
/** Credential bodies (login, password change, API tokens) hold a name and a password or two. */
export const CREDENTIAL_BODY_LIMIT = 4 * 1024;
/** Routes under these paths take credential bodies. */
export const CREDENTIAL_ROUTE_PREFIXES = ['/api/auth/', '/api/api-tokens'] as const;
/** Deepest nesting of arrays and objects a body may have (ours need 4). */
export const MAX_JSON_DEPTH = 32;

/** True when the JSON text nests arrays/objects deeper than `max` (strings are skipped; O(length)). */
export function jsonNestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > max) return true;
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) depth--;
  }
  return false;
}

/** The body limit of a route that does not set its own. */
export function bodyLimitFor(url: string): number {
  return CREDENTIAL_ROUTE_PREFIXES.some((p) => url.startsWith(p)) ? CREDENTIAL_BODY_LIMIT : DEFAULT_BODY_LIMIT;
}

/**
 * Replaces Fastify's JSON parser with one that refuses deep nesting first, then parses as before
 * (Fastify's own parser, with its __proto__ / constructor poisoning protection).
 */
export function registerJsonParser(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    if (jsonNestsDeeperThan(body as string, MAX_JSON_DEPTH)) {
      done(
        new AppError('VALIDATION_FAILED', {}, { body: { en: `nested more than ${MAX_JSON_DEPTH} levels deep`, zh: `嵌套超过 ${MAX_JSON_DEPTH} 层` } }),
        undefined,
      );
      return;
    }
    parse(req, body as string, done);
  });
}
