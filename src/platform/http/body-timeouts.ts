import type { IncomingMessage } from 'node:http';
import { PassThrough, type Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';

/** Error code of a request body that stopped arriving (the error handler answers 408 and closes). */
export const BODY_TIMEOUT = 'QL_BODY_TIMEOUT';

export interface BodyTimeouts {
  /** Longest gap between two pieces of any request body, uploads included (ms). */
  idleMs: number;
  /** Longest time a parsed (JSON) body may take to arrive in full (ms). */
  totalMs: number;
}

/** Content type of tus upload bytes: streamed by the tus handler itself, for as long as they keep coming. */
const STREAMED = 'application/offset+octet-stream';

function hasBody(raw: IncomingMessage): boolean {
  const length = raw.headers['content-length'];
  return raw.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

function isStreamedUpload(req: FastifyRequest): boolean {
  if (req.routeOptions.config?.streamedBody === true) return true;
  return (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase() === STREAMED;
}

function timeoutError(ms: number): Error {
  return Object.assign(new Error('request body timed out'), { code: BODY_TIMEOUT, statusCode: 408, seconds: Math.round(ms / 1000) });
}

/** The body stream, failing with BODY_TIMEOUT when it pauses longer than idleMs or runs longer than totalMs. */
function withDeadlines(payload: Readable, t: BodyTimeouts): Readable {
  const out = new PassThrough();
  // The parser listens for errors while it reads; when nobody reads (415, a reply sent early), a late
  // timeout must not become an unhandled 'error' event.
  out.on('error', () => undefined);
  let idle: NodeJS.Timeout | undefined;
  const fail = (ms: number) => {
    stop();
    payload.unpipe(out);
    out.destroy(timeoutError(ms));
  };
  const total = setTimeout(() => fail(t.totalMs), t.totalMs);
  const resetIdle = () => {
    clearTimeout(idle);
    idle = setTimeout(() => fail(t.idleMs), t.idleMs);
  };
  function stop() {
    clearTimeout(total);
    clearTimeout(idle);
    payload.off('data', resetIdle);
  }
  resetIdle();
  payload.on('data', resetIdle);
  payload.once('end', stop);
  payload.once('error', (err) => {
    stop();
    out.destroy(err);
  });
  payload.once('close', stop);
  payload.pipe(out);
  return out;
}

/**
 * Request bodies that stop arriving must not hold a connection forever (slow-body attacks), while a
 * long upload that keeps sending must never be cut:
 * - a parsed body (JSON) must arrive within `totalMs` and never pause longer than `idleMs`: 408 and the
 *   connection is closed;
 * - a streamed upload body (tus PATCH) is cut only when nothing arrives for `idleMs`: the socket is
 *   closed, the bytes received so far stay, and the client resumes from the server's offset.
 * Header reading is bounded by Node's own `headersTimeout`.
 */
export function registerBodyTimeouts(app: FastifyInstance, t: BodyTimeouts): void {
  app.addHook('onRequest', async (req) => {
    if (!hasBody(req.raw) || !isStreamedUpload(req)) return;
    const raw = req.raw;
    // An injected request (tests, light-my-request) has no socket to time out.
    if (typeof raw.setTimeout !== 'function') return;
    // Socket inactivity while the body streams in; no write happens meanwhile, so silence is the client's.
    raw.setTimeout(t.idleMs, () => raw.socket?.destroy());
    const clear = () => {
      if (!raw.socket?.destroyed) raw.setTimeout(0);
    };
    raw.once('end', clear);
    raw.once('close', clear);
  });
  app.addHook('preParsing', async (req, _reply, payload) => {
    if (req.method === 'GET' || req.method === 'HEAD' || !hasBody(req.raw) || isStreamedUpload(req)) return payload;
    return withDeadlines(payload, t);
  });
}
