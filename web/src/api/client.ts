import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from '../../../src/api-contract/schema.ts';
import { currentLanguage } from '../i18n/language-store.ts';

/** The error body every non-2xx API response carries. */
export interface ApiErrorBody {
  code: string;
  message: string;
  requestId: string;
  fields?: Record<string, string>;
}

/** A failed API call: the server's code, its message (already in the UI language) and field errors. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly requestId: string | undefined;
  readonly fields: Record<string, string>;
  constructor(status: number, body: Partial<ApiErrorBody>, fallback: string) {
    super(body.message || fallback);
    this.name = 'ApiError';
    this.status = status;
    this.code = body.code ?? 'UNKNOWN';
    this.requestId = body.requestId;
    this.fields = body.fields ?? {};
  }
}

const WRITE_METHODS = new Set(['POST', 'PATCH', 'PUT', 'DELETE']);

/** Value of a readable cookie (the CSRF cookie `ql_csrf` is deliberately not httpOnly). */
function readCookie(name: string): string | undefined {
  for (const part of document.cookie.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return decodeURIComponent(v.join('='));
  }
  return undefined;
}

/** The session's CSRF token, for writes made outside the client (tus uploads send it themselves). */
export function csrfToken(): string | undefined {
  return readCookie('ql_csrf');
}

let onUnauthorized: (() => void) | undefined;

/** The session layer registers what to do when the server says "log in first" (401). */
export function setUnauthorizedHandler(handler: (() => void) | undefined): void {
  onUnauthorized = handler;
}

export type Query = Record<string, string | number | boolean | null | undefined>;

/** `a=1&b=x`, skipping empty values so optional filters can be passed as they are (an empty filter is no filter). */
export function toQueryString(q: Query = {}): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== null && v !== '') p.set(k, String(v));
  return p.toString();
}

/**
 * Every call: `Accept-Language` so server messages come back in the UI language, and on writes the CSRF
 * cookie echoed in `x-csrf-token`. A server that cannot be reached becomes an ApiError with status 0.
 */
const sessionHeaders: Middleware = {
  onRequest({ request }) {
    request.headers.set('Accept', 'application/json');
    request.headers.set('Accept-Language', currentLanguage() === 'en' ? 'en' : 'zh-CN');
    const csrf = WRITE_METHODS.has(request.method) ? readCookie('ql_csrf') : undefined;
    if (csrf) request.headers.set('x-csrf-token', csrf);
    return request;
  },
  onError() {
    return new ApiError(0, { code: 'NETWORK' }, currentLanguage() === 'en' ? 'Cannot reach the server' : '无法连接服务器，请检查网络');
  },
};

/**
 * The one typed client of the API (openapi-fetch over the generated contract, src/api-contract/schema.ts):
 * paths, parameters, bodies and answers are checked against the server's OpenAPI document at compile time.
 * Same origin, with the session cookie.
 */
export const client = createClient<paths>({
  baseUrl: '',
  credentials: 'same-origin',
  querySerializer: (q) => toQueryString(q as Query),
});
client.use(sessionHeaders);

/**
 * The answer of a call, or an ApiError carrying the server's `{ code, message, requestId, fields }`. A 401
 * sends the user to the login page unless `skipAuthRedirect` (the login form's own wrong password).
 */
export async function unwrap<D>(call: Promise<{ data?: D; error?: unknown; response: Response }>, opts: { skipAuthRedirect?: boolean } = {}): Promise<D> {
  const { data, error, response } = await call;
  if (response.ok) return data as D;
  if (response.status === 401 && !opts.skipAuthRedirect) onUnauthorized?.();
  const body = error && typeof error === 'object' ? (error as Partial<ApiErrorBody>) : {};
  throw new ApiError(response.status, body, `HTTP ${response.status}`);
}
