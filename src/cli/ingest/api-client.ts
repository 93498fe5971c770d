import { z } from 'zod';

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

const meSchema = z.object({
  id: z.string(),
  username: z.string(),
  displayName: z.string(),
  permissions: z.array(z.string()),
  departmentId: z.string().nullable(),
  via: z.enum(['session', 'token']),
});
export type Me = z.infer<typeof meSchema>;

const personSchema = z.object({ id: z.string(), name: z.string(), staffNumber: z.string(), departmentId: z.string(), departmentName: z.string() });
/** A person as the workstation needs one: who recorded, and which department the footage belongs to. */
export type Person = z.infer<typeof personSchema>;
const personPage = z.object({ items: z.array(personSchema), nextCursor: z.string().nullable() });

const originalSchema = z.object({ sha256: z.string(), sm3: z.string(), sizeBytes: z.number(), recordingId: z.string().nullable() });
/** What the server holds under a SHA-256. */
export type OriginalInfo = z.infer<typeof originalSchema>;

const freshCheckSchema = z.object({
  sha256: z.string(),
  sm3: z.string(),
  sizeBytes: z.number(),
  result: z.enum(['ok', 'damaged', 'missing']),
  check: z.string(),
  detail: z.string().nullable(),
  checkedAt: z.string(),
});
/** The server's answer after re-hashing its stored copy of an original just now. */
export type FreshCheck = z.infer<typeof freshCheckSchema>;

const uploadResultSchema = z.object({
  state: z.enum(['receiving', 'stored', 'duplicate', 'rejected']),
  recordingId: z.string().nullable(),
  sha256: z.string().nullable(),
  sm3: z.string().nullable(),
  errorCode: z.string().nullable(),
});
export type UploadResult = z.infer<typeof uploadResultSchema>;

/** Request timeout for plain API calls (uploads have their own, per chunk, in tus). */
const TIMEOUT_MS = 30_000;

async function send(base: string, method: string, url: string, headers: Record<string, string>, body?: unknown): Promise<Response> {
  try {
    return await fetch(`${base}${url}`, {
      method,
      headers: { accept: 'application/json', ...headers, ...(body !== undefined && { 'content-type': 'application/json' }) },
      ...(body !== undefined && { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new ServerUnreachable(`${base}: ${cause?.code ?? cause?.message ?? (e as Error).message}`);
  }
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

/** Turns an error response into an ApiError carrying the server's `{ code, message }`. */
export async function apiErrorOf(res: Response): Promise<ApiError> {
  const d = describeErrorBody(res.status, await res.text().catch(() => ''));
  return new ApiError(res.status, d.code, d.message);
}

/** The few server calls the workstation makes, authenticated by a token or a session. */
export class ApiClient {
  constructor(
    readonly base: string,
    /** `Authorization: Bearer …`, or the session cookie plus `x-csrf-token` (writes need both). */
    readonly authHeaders: Readonly<Record<string, string>>,
  ) {}

  /** GET and parse; with `missingIsUndefined`, a 404 is an answer ("not there") rather than an error. */
  async #json<T>(url: string, schema: z.ZodType<T>, missingIsUndefined = false): Promise<T | undefined> {
    const res = await send(this.base, 'GET', url, this.authHeaders);
    if (res.status === 404 && missingIsUndefined) return undefined;
    if (!res.ok) throw await apiErrorOf(res);
    return schema.parse(await res.json());
  }

  /** Who the credentials belong to, and what they may do. */
  async me(): Promise<Me> {
    return (await this.#json('/api/auth/me', meSchema))!;
  }

  /** Is this content already stored? (`undefined` when not.) */
  findOriginal(sha256: string): Promise<OriginalInfo | undefined> {
    return this.#json(`/api/originals/${sha256}`, originalSchema, true);
  }

  /**
   * Asks the server to re-hash its stored copy of these bytes now (`undefined` when it holds none the
   * caller may see). --clear deletes a card file only after this answers `ok`: a database row says the
   * bytes were stored once, not that they are intact today.
   */
  async verifyOriginal(sha256: string): Promise<FreshCheck | undefined> {
    const res = await send(this.base, 'POST', `/api/originals/${sha256}/verify`, this.authHeaders);
    if (res.status === 404) return undefined;
    if (!res.ok) throw await apiErrorOf(res);
    return freshCheckSchema.parse(await res.json());
  }

  /** A person by id (`undefined` when unknown or outside the caller's departments). */
  async getPerson(id: string): Promise<Person | undefined> {
    try {
      return await this.#json(`/api/personnel/${id}`, personSchema, true);
    } catch (e) {
      if (e instanceof ApiError && e.code === 'OUT_OF_SCOPE') return undefined;
      throw e;
    }
  }

  /** The person with exactly this staff number (工号, letter case ignored), within the caller's departments. */
  async findPersonByStaffNumber(staffNumber: string): Promise<Person | undefined> {
    const qs = new URLSearchParams({ staffNumber, limit: '2' });
    const p: z.infer<typeof personPage> = (await this.#json(`/api/personnel?${qs}`, personPage))!;
    return p.items[0];
  }

  /** What a tus upload became (used when the final response lacked the hash headers). */
  uploadResult(uploadId: string): Promise<UploadResult | undefined> {
    return this.#json(`/api/upload-results/${encodeURIComponent(uploadId)}`, uploadResultSchema, true);
  }
}

/** Logs in with a username and password; returns the session cookie and CSRF headers. */
export async function loginWithPassword(base: string, username: string, password: string): Promise<Record<string, string>> {
  const res = await send(base, 'POST', '/api/auth/login', {}, { username, password });
  if (!res.ok) throw await apiErrorOf(res);
  const body = z.object({ csrfToken: z.string() }).parse(await res.json());
  const cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0]!)
    .join('; ');
  return { cookie, 'x-csrf-token': body.csrfToken };
}
