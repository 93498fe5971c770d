import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { trustedPeer, type TrustProxy } from '../config/trust-proxy.ts';

/** Shape of a request id QuanLu accepts from a proxy: what such ids look like, and short (it is logged and echoed). */
const REQUEST_ID = /^[A-Za-z0-9_-]{8,64}$/;

/**
 * Fastify's genReqId: a fresh UUID, or the proxy's `x-request-id` when the socket peer is a trusted
 * proxy (QUANLU_TRUST_PROXY) and the id has the expected shape. A client talking to QuanLu directly
 * never chooses the id its requests are logged and audited under.
 */
export function requestIdGenerator(trust: TrustProxy): (req: IncomingMessage) => string {
  const trusted = trustedPeer(trust);
  return (req) => {
    const given = req.headers['x-request-id'];
    return typeof given === 'string' && REQUEST_ID.test(given) && trusted(req.socket?.remoteAddress) ? given : randomUUID();
  };
}
