import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { BODY_TIMEOUT } from './body-timeouts.ts';
import { AppError, errorMessage, localizeError, type ErrorCode, type ParamValue } from '../errors/error-catalog.ts';

/** The body of every error response. */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
  requestId: string;
  fields?: Record<string, string>;
}

function send(req: FastifyRequest, reply: FastifyReply, status: number, code: ErrorCode, fields?: Record<string, ParamValue>, params: Record<string, ParamValue> = {}) {
  const { message, fields: localFields } = localizeError(new AppError(code, params, fields), req.locale ?? 'zh-CN');
  const body: ErrorBody = { code, message, requestId: req.id, ...(localFields && { fields: localFields }) };
  return reply.status(status).send(body);
}

/** Unique constraints users can hit, as the field and the thing that already exists. */
const uniqueFields: Record<string, { field: string; zh: string; en: string }> = {
  person_staff_number_key: { field: 'staffNumber', zh: '工号', en: 'Staff number' },
  person_certificate_number: { field: 'certificate.number', zh: '执法证号', en: 'Certificate number' },
  department_code_key: { field: 'code', zh: '部门代码', en: 'Department code' },
  department_sibling_name: { field: 'name', zh: '同一上级下的同名部门', en: 'A department with this name under the same parent' },
  app_user_username_key: { field: 'username', zh: '用户名', en: 'Username' },
  app_user_person_id_key: { field: 'personId', zh: '该人员的账户', en: 'An account for this person' },
  // One recording per original and department (0003): moving a recording where the same footage is already filed.
  recording_original_department: { field: 'departmentId', zh: '该部门中同一原始文件的声像资料', en: 'A recording of the same original file in that department' },
  // Devices (0014): a race past the service's checks (two desks registering or checking out at once).
  device_device_number_key: { field: 'deviceNumber', zh: '设备编号', en: 'Device number' },
  device_checkout_open_device: { field: 'deviceNumber', zh: '该设备的未归还领用', en: 'An open checkout of this device' },
  device_checkout_open_person_type: { field: 'personId', zh: '该人员未归还的同类设备', en: 'An open checkout of this type for this officer' },
  device_repairer_name_key: { field: 'name', zh: '维修单位', en: 'Repairer' },
};

/** Maps PostgreSQL constraint errors that slipped past validation to client errors, not 500s. */
function fromPostgres(err: { code?: string; constraint?: string; detail?: string; message?: string }): { status: number; code: ErrorCode; params?: Record<string, string> } | undefined {
  switch (err.code) {
    // The archived-case lock (0013 refuse_archived_case_change): whatever route tried the change, a clear 409.
    case '42501':
      return err.message?.startsWith('QUANLU_CASE_ARCHIVED') ? { status: 409, code: 'CASE_LOCKED' } : undefined;
    case '23505':
      return { status: 409, code: 'CONFLICT', params: { what: err.constraint ?? 'record' } };
    case '23503':
    case '23514':
    case '22001':
    case '22P02':
    case '22007':
    case '22008':
    // Out-of-range numbers and time zone offsets: input checks refuse them first; this keeps a missed one a 400.
    case '22003':
    case '22009':
      return { status: 400, code: 'VALIDATION_FAILED' };
    default:
      return undefined;
  }
}

/**
 * One handler for every error: domain errors keep their catalog code, validation errors list their
 * fields, anything unknown becomes a generic 500 logged with the request id.
 */
export function registerErrorHandler(app: FastifyInstance, opts: { spaFallback?: boolean } = {}): void {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err instanceof AppError) {
      if (err.status >= 500) req.log.error({ err }, 'domain error');
      return send(req, reply, err.status, err.code, err.fields, err.params);
    }
    if (hasZodFastifySchemaValidationErrors(err)) {
      // Messages are bilingual ("English / 中文", zod-messages.ts or the schema's own); `send` picks the
      // request's language. An unknown field is reported under its own name (item: strict bodies).
      const fields: Record<string, string> = {};
      for (const v of err.validation) {
        const at = v.instancePath.replace(/^\//, '').replace(/\//g, '.');
        const message = v.message ?? 'invalid / 无效';
        if (v.keyword === 'unrecognized_keys') {
          const keys = ((v.params as { keys?: string[] }).keys ?? []).slice(0, 20);
          for (const k of keys) fields[at ? `${at}.${k}` : k] ??= message;
          continue;
        }
        fields[at || (err.validationContext ?? 'body')] ??= message;
      }
      return send(req, reply, 400, 'VALIDATION_FAILED', fields);
    }
    if (isResponseSerializationError(err)) {
      req.log.error({ err, issues: err.cause?.issues }, 'response did not match its schema');
      return send(req, reply, 500, 'INTERNAL');
    }
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return send(req, reply, 413, 'BODY_TOO_LARGE');
    if (err.code === BODY_TIMEOUT) {
      // The rest of the body may still come; the connection cannot carry another request.
      reply.header('connection', 'close');
      return send(req, reply, 408, 'REQUEST_TIMEOUT', undefined, { seconds: (err as { seconds?: number }).seconds ?? 0 });
    }
    if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return send(req, reply, 415, 'UNSUPPORTED_MEDIA_TYPE');
    if (err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || (err.statusCode === 400 && err instanceof SyntaxError)) {
      return send(req, reply, 400, 'VALIDATION_FAILED', { body: req.locale === 'en' ? 'Body is not valid JSON' : '请求体不是有效的 JSON' });
    }
    const pgErr = fromPostgres(err as never);
    if (pgErr) {
      req.log.warn({ err }, 'database constraint');
      const known = pgErr.code === 'CONFLICT' ? uniqueFields[(err as { constraint?: string }).constraint ?? ''] : undefined;
      if (known) {
        const what = req.locale === 'en' ? known.en : known.zh;
        return send(req, reply, 409, 'CONFLICT', { [known.field]: errorMessage('CONFLICT', req.locale, { what }) }, { what });
      }
      return send(req, reply, pgErr.status, pgErr.code, undefined, pgErr.params);
    }
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      return send(req, reply, err.statusCode, err.statusCode === 404 ? 'NOT_FOUND' : 'VALIDATION_FAILED');
    }
    req.log.error({ err }, 'unexpected error');
    return send(req, reply, 500, 'INTERNAL');
  });

  // With the web UI served, unknown page paths get the single-page app (it routes itself);
  // unknown /api paths stay JSON 404s.
  app.setNotFoundHandler((req, reply) => {
    if (opts.spaFallback && (req.method === 'GET' || req.method === 'HEAD') && !req.url.startsWith('/api')) {
      return reply.type('text/html').sendFile('index.html');
    }
    return send(req, reply, 404, 'ROUTE_NOT_FOUND');
  });
}
