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

/** The session's CSRF token, for writes made outside `request` (tus uploads send it themselves). */
export function csrfToken(): string | undefined {
  return readCookie('ql_csrf');
}

let onUnauthorized: (() => void) | undefined;

/** The session layer registers what to do when the server says "log in first" (401). */
export function setUnauthorizedHandler(handler: (() => void) | undefined): void {
  onUnauthorized = handler;
}

export type Query = Record<string, string | number | boolean | null | undefined>;

/** `?a=1&b=x`, skipping empty values so optional filters can be passed as they are. */
export function toQueryString(q: Query = {}): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== null && v !== '') p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
}

/**
 * Calls the API on the same origin with the session cookie. Writes echo the CSRF cookie in
 * `x-csrf-token`; `Accept-Language` makes server messages come back in the UI language.
 */
export async function request<T>(method: string, url: string, body?: unknown, opts: { skipAuthRedirect?: boolean } = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json', 'Accept-Language': currentLanguage() === 'en' ? 'en' : 'zh-CN' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (WRITE_METHODS.has(method)) {
    const csrf = readCookie('ql_csrf');
    if (csrf) headers['x-csrf-token'] = csrf;
  }
  let res: Response;
  try {
    res = await fetch(url, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, { code: 'NETWORK' }, currentLanguage() === 'en' ? 'Cannot reach the server' : '无法连接服务器，请检查网络');
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let data: unknown;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = undefined;
  }
  if (!res.ok) {
    if (res.status === 401 && !opts.skipAuthRedirect) onUnauthorized?.();
    throw new ApiError(res.status, (data ?? {}) as Partial<ApiErrorBody>, `HTTP ${res.status}`);
  }
  return data as T;
}

export const api = {
  get: <T>(url: string, query?: Query) => request<T>('GET', url + toQueryString(query)),
  post: <T>(url: string, body?: unknown, opts?: { skipAuthRedirect?: boolean }) => request<T>('POST', url, body, opts),
  patch: <T>(url: string, body: unknown) => request<T>('PATCH', url, body),
  put: <T>(url: string, body: unknown) => request<T>('PUT', url, body),
  del: <T>(url: string) => request<T>('DELETE', url),
};
