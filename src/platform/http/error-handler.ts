import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { AppError, errorMessage, type ErrorCode } from '../errors/error-catalog.ts';
import { localizeIssue } from './locale.ts';

/** The body of every error response. */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
  requestId: string;
  fields?: Record<string, string>;
}

function send(req: FastifyRequest, reply: FastifyReply, status: number, code: ErrorCode, fields?: Record<string, string>, params = {}) {
  const body: ErrorBody = { code, message: errorMessage(code, req.locale ?? 'zh-CN', params), requestId: req.id };
  if (fields && Object.keys(fields).length) body.fields = fields;
  return reply.status(status).send(body);
}

/** Maps PostgreSQL constraint errors that slipped past validation to client errors, not 500s. */
function fromPostgres(err: { code?: string; constraint?: string; detail?: string }): { status: number; code: ErrorCode; params?: Record<string, string> } | undefined {
  switch (err.code) {
    case '23505':
      return { status: 409, code: 'CONFLICT', params: { what: err.constraint ?? 'record' } };
    case '23503':
    case '23514':
    case '22001':
    case '22P02':
    case '22007':
    case '22008':
      return { status: 400, code: 'VALIDATION_FAILED' };
    default:
      return undefined;
  }
}

/**
 * One handler for every error: domain errors keep their catalog code, validation errors list their
 * fields, anything unknown becomes a generic 500 logged with the request id.
 */
export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err instanceof AppError) {
      if (err.status >= 500) req.log.error({ err }, 'domain error');
      return send(req, reply, err.status, err.code, err.fields, err.params);
    }
    if (hasZodFastifySchemaValidationErrors(err)) {
      const fields: Record<string, string> = {};
      for (const v of err.validation) {
        const where = v.instancePath.replace(/^\//, '').replace(/\//g, '.') || (err.validationContext ?? 'body');
        const issue = { code: v.keyword, ...(v.params as Record<string, unknown>) };
        fields[where] ??= localizeIssue(issue, v.message ?? 'invalid', req.locale);
      }
      return send(req, reply, 400, 'VALIDATION_FAILED', fields);
    }
    if (isResponseSerializationError(err)) {
      req.log.error({ err, issues: err.cause?.issues }, 'response did not match its schema');
      return send(req, reply, 500, 'INTERNAL');
    }
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return send(req, reply, 413, 'BODY_TOO_LARGE');
    if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return send(req, reply, 415, 'UNSUPPORTED_MEDIA_TYPE');
    if (err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || (err.statusCode === 400 && err instanceof SyntaxError)) {
      return send(req, reply, 400, 'VALIDATION_FAILED', { body: req.locale === 'en' ? 'Body is not valid JSON' : '请求体不是有效的 JSON' });
    }
    const pgErr = fromPostgres(err as never);
    if (pgErr) {
      req.log.warn({ err }, 'database constraint');
      return send(req, reply, pgErr.status, pgErr.code, undefined, pgErr.params);
    }
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      return send(req, reply, err.statusCode, err.statusCode === 404 ? 'NOT_FOUND' : 'VALIDATION_FAILED');
    }
    req.log.error({ err }, 'unexpected error');
    return send(req, reply, 500, 'INTERNAL');
  });

  app.setNotFoundHandler((req, reply) => send(req, reply, 404, 'ROUTE_NOT_FOUND'));
}
