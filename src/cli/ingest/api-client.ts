import createClient, { type Client } from 'openapi-fetch';
import type { paths } from '../../api-contract/schema.ts';

/** A non-2xx answer from the server, with its stable error code. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    /** The catalog code (`TOKEN_INVALID`, `OUT_OF_SCOPE` …) or `HTTP_<status>` when the body had none. */
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The server could not be reached at all (DNS, refused, timeout). */
export class ServerUnreachable extends Error {}

type Json<P extends keyof paths, M extends keyof paths[P], S extends number = 200> = paths[P][M] extends {
  responses: { [K in S]: { content: { 'application/json': infer T } } };
}
  ? T
  : never;

/** Who the credentials belong to (GET /api/auth/me). */
export type Me = Json<'/api/auth/me', 'get'>;
/** A person as the workstation needs one: who recorded, and which department the footage belongs to. */
export type Person = Pick<Json<'/api/personnel/{id}', 'get'>, 'id' | 'name' | 'staffNumber' | 'departmentId' | 'departmentName'>;
/** What the server holds under a SHA-256. */
export type OriginalInfo = Json<'/api/originals/{sha256}', 'get'>;
/** The server's answer after re-hashing its stored copy of an original just now. */
export type FreshCheck = Json<'/api/originals/{sha256}/verify', 'post'>;
/** What a tus upload became. */
export type UploadResult = Json<'/api/upload-results/{id}', 'get'>;

/** Request timeout for plain API calls (uploads have their own, per chunk, in tus). */
const TIMEOUT_MS = 30_000;

/** fetch with the plain-call timeout; a server that cannot be reached at all becomes ServerUnreachable. */
function timedFetch(base: string) {
  return async (request: Request): Promise<Response> => {
    try {
      return await fetch(request, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      throw new ServerUnreachable(`${base}: ${cause?.code ?? cause?.message ?? (e as Error).message}`);
    }
  };
}

/** The typed client (openapi-fetch over the generated contract, src/api-contract/schema.ts) for one server. */
function typedClient(base: string, headers: Readonly<Record<string, string>>): Client<paths> {
  return createClient<paths>({ baseUrl: base, headers: { accept: 'application/json', ...headers }, fetch: timedFetch(base) });
}

/**
 * `{ code, message }` of an error body `{ code, message, requestId, fields? }`; field messages are
 * appended, as VALIDATION_FAILED says what was wrong only there. A body that is not JSON (a proxy's
 * error page) becomes `HTTP_<status>` with its first characters.
 */
export function describeErrorBody(status: number, text: string): { code: string; message: string } {
  try {
    const b = JSON.parse(text) as { code?: string; message?: string; fields?: Record<string, string> };
    const fields = Object.entries(b.fields ?? {}).map(([k, v]) => `${k}: ${v}`);
    return { code: b.code ?? `HTTP_${status}`, message: `${b.message ?? text}${fields.length ? `（${fields.join('；')}）` : ''}` };
  } catch {
    return { code: `HTTP_${status}`, message: text.slice(0, 200) || `HTTP ${status}` };
  }
}

/** An ApiError carrying the server's `{ code, message }` (openapi-fetch has already read the body). */
function apiErrorOf(response: Response, error: unknown): ApiError {
  const text = typeof error === 'string' ? error : JSON.stringify(error ?? '');
  const d = describeErrorBody(response.status, text);
  return new ApiError(response.status, d.code, d.message);
}

/** The answer, `undefined` for a 404 when `missingIsUndefined` ("not there"), else an ApiError. */
async function answer<D>(call: Promise<{ data?: D; error?: unknown; response: Response }>, missingIsUndefined = false): Promise<D | undefined> {
  const { data, error, response } = await call;
  if (response.ok) return data as D;
  if (response.status === 404 && missingIsUndefined) return undefined;
  throw apiErrorOf(response, error);
}

/** The few server calls the workstation makes, authenticated by a token or a session. */
export class ApiClient {
  readonly #api: Client<paths>;
  constructor(
    readonly base: string,
    /** `Authorization: Bearer …`, or the session cookie plus `x-csrf-token` (writes need both). */
    readonly authHeaders: Readonly<Record<string, string>>,
  ) {
    this.#api = typedClient(base, authHeaders);
  }

  /** Who the credentials belong to, and what they may do. */
  async me(): Promise<Me> {
    return (await answer(this.#api.GET('/api/auth/me')))!;
  }

  /** Is this content already stored? (`undefined` when not.) */
  findOriginal(sha256: string): Promise<OriginalInfo | undefined> {
    return answer(this.#api.GET('/api/originals/{sha256}', { params: { path: { sha256 } } }), true);
  }

  /**
   * Asks the server to re-hash its stored copy of these bytes now (`undefined` when it holds none the
   * caller may see). --clear deletes a card file only after this answers `ok`: a database row says the
   * bytes were stored once, not that they are intact today.
   */
  verifyOriginal(sha256: string): Promise<FreshCheck | undefined> {
    return answer(this.#api.POST('/api/originals/{sha256}/verify', { params: { path: { sha256 } } }), true);
  }

  /** A person by id (`undefined` when unknown or outside the caller's departments). */
  async getPerson(id: string): Promise<Person | undefined> {
    try {
      return await answer(this.#api.GET('/api/personnel/{id}', { params: { path: { id } } }), true);
    } catch (e) {
      if (e instanceof ApiError && e.code === 'OUT_OF_SCOPE') return undefined;
      throw e;
    }
  }

  /** The person with exactly this staff number (工号, letter case ignored), within the caller's departments. */
  async findPersonByStaffNumber(staffNumber: string): Promise<Person | undefined> {
    const page = await answer(this.#api.GET('/api/personnel', { params: { query: { staffNumber, limit: 2 } } }));
    return page!.items[0];
  }

  /** What a tus upload became (used when the final response lacked the hash headers). */
  uploadResult(uploadId: string): Promise<UploadResult | undefined> {
    return answer(this.#api.GET('/api/upload-results/{id}', { params: { path: { id: uploadId } } }), true);
  }
}

/** Logs in with a username and password; returns the session cookie and CSRF headers. */
export async function loginWithPassword(base: string, username: string, password: string): Promise<Record<string, string>> {
  const { data, error, response } = await typedClient(base, {}).POST('/api/auth/login', { body: { username, password } });
  if (!response.ok || !data) throw apiErrorOf(response, error);
  const cookie = response.headers
    .getSetCookie()
    .map((c) => c.split(';')[0]!)
    .join('; ');
  return { cookie, 'x-csrf-token': data.csrfToken };
}
