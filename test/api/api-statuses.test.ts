import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiTokenForTest, createTestApp, makeDepartment, makeUser, type TestContext } from '../support/harness.ts';

/**
 * Issue 7 §4: the OpenAPI document lists every status an operation answers. The walk checks the rules
 * written out below; the sampled fuzz sends a few bad requests per operation and accepts only statuses the
 * document lists for that operation.
 */

/** Operations anyone may call without credentials (written out, not read from the routes). */
const PUBLIC = new Set([
  'POST /api/auth/login',
  'GET /api/health',
  // The Ed25519 public key that verifies copy receipts offline (issue 8): public by purpose.
  'GET /api/installation-key',
  // The transparency log (issue 13): checkpoints, tiles and proofs a witness reads without an account.
  'GET /api/tlog/checkpoint',
  'GET /api/tlog/checkpoints/{size}',
  'GET /api/tlog/keys',
  'GET /api/tlog/proof/consistency',
  'GET /api/tlog/proof/inclusion',
  'GET /api/tlog/seals',
  'GET /api/tlog/tile/{*}',
  // Witnesses (issue 13 §3): a witness submits its cosignature without an account (only a valid cosignature by a
  // registered key over a checkpoint QuanLu signed is kept); the cosigned checkpoint, the registered witnesses'
  // public keys and the attestations are read by anyone checking the log.
  'GET /api/tlog/checkpoint/cosigned',
  'POST /api/tlog/cosignatures',
  'GET /api/tlog/witnesses',
  'GET /api/tlog/attestations',
  // The published BagIt profile of evidence packages (issue 13 §5): its identifier must resolve for anyone.
  'GET /api/evidence-packages/profile',
]);
const WRITES = new Set(['post', 'put', 'patch', 'delete']);

type Operation = { parameters?: { in: string; name: string }[]; requestBody?: unknown; responses: Record<string, unknown> };
type Doc = { paths: Record<string, Record<string, Operation>> };

let ctx: TestContext;
let doc: Doc;
let adminToken: string;
let officerToken: string;

beforeAll(async () => {
  ctx = await createTestApp();
  const admin = await makeUser(ctx.db, { roles: ['admin'] });
  adminToken = await createApiTokenForTest(ctx, admin);
  const officer = await makeUser(ctx.db, { roles: ['officer'], departmentId: (await makeDepartment(ctx.db)).id });
  officerToken = await createApiTokenForTest(ctx, officer);
  doc = (await ctx.app.inject({ method: 'GET', url: '/api/openapi.json' })).json() as Doc;
}, 60_000);
afterAll(async () => ctx?.close());

function operations(): { method: string; path: string; op: Operation }[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([m]) => ['get', 'post', 'put', 'patch', 'delete', 'head', 'options'].includes(m))
      .map(([method, op]) => ({ method, path, op })),
  );
}

/** A well-formed value for a path parameter that names nothing that exists. */
function plausible(name: string): string {
  if (name === 'sha256') return 'ab'.repeat(32);
  if (name === 'day') return '2026-01-01';
  if (name === 'key') return 'no.such.setting';
  return randomUUID();
}

const fill = (path: string, value: (name: string) => string) => path.replace(/\{([^}]+)\}/g, (_, n: string) => encodeURIComponent(value(n)));

describe('the OpenAPI document lists every status (issue 7 §4)', () => {
  it('every operation documents 401 unless public, and 400 when it has a body, query or path parameters', () => {
    const missing: string[] = [];
    for (const { method, path, op } of operations()) {
      const name = `${method.toUpperCase()} ${path}`;
      const codes = Object.keys(op.responses);
      if (!PUBLIC.has(name) && !codes.includes('401')) missing.push(`${name}: 401`);
      const hasInput = op.requestBody !== undefined || (op.parameters ?? []).length > 0 || WRITES.has(method);
      if (hasInput && !codes.includes('400')) missing.push(`${name}: 400`);
      if ((op.parameters ?? []).some((p) => p.in === 'path') && !codes.includes('404')) missing.push(`${name}: 404`);
    }
    expect(missing).toEqual([]);
    // The walk saw the API, not an empty document.
    expect(operations().length).toBeGreaterThan(40);
  });

  it('204 answers name no content type, in the document and on the wire', async () => {
    const documented = operations().filter(({ op }) => '204' in op.responses);
    expect(documented.map(({ method, path }) => `${method.toUpperCase()} ${path}`)).toContain('POST /api/api-tokens/{id}/revoke');
    for (const { op } of documented) expect((op.responses['204'] as { content?: unknown }).content).toBeUndefined();
    const admin = await makeUser(ctx.db, { roles: ['admin'] });
    const token = await createApiTokenForTest(ctx, admin);
    const listed = await ctx.app.inject({ method: 'GET', url: '/api/api-tokens', headers: { authorization: `Bearer ${token}` } });
    const id = (listed.json() as { items: { id: string }[] }).items[0]!.id;
    const res = await ctx.app.inject({ method: 'POST', url: `/api/api-tokens/${id}/revoke`, headers: { authorization: `Bearer ${adminToken}` } });
    // Another user's token is not the admin's to revoke: out of scope looks like not found.
    expect(res.statusCode).toBe(404);
    const own = await ctx.app.inject({ method: 'POST', url: `/api/api-tokens/${id}/revoke`, headers: { authorization: `Bearer ${token}` } });
    expect(own.statusCode).toBe(204);
    expect(own.headers['content-type']).toBeUndefined();
    expect(own.body).toBe('');
  });

  it('a sampled fuzz of every operation gets only statuses the document lists', async () => {
    const undocumented: string[] = [];
    for (const { method, path, op } of operations()) {
      const name = `${method.toUpperCase()} ${path}`;
      const allowed = new Set(Object.keys(op.responses));
      const hasQuery = (op.parameters ?? []).some((p) => p.in === 'query');
      const attempts: { what: string; token?: string; url: string; payload?: string; type?: string }[] = [
        { what: 'no credentials', url: fill(path, plausible) },
        { what: 'malformed path parameters', token: adminToken, url: fill(path, () => 'not an id') },
        { what: 'unknown ids', token: adminToken, url: fill(path, plausible) + (hasQuery ? '?limit=0&cursor=%21%21' : '') },
        { what: 'officer', token: officerToken, url: fill(path, plausible) },
      ];
      if (WRITES.has(method)) {
        attempts.push(
          { what: 'unknown field', token: adminToken, url: fill(path, plausible), payload: '{"unexpected":1}', type: 'application/json' },
          { what: 'broken JSON', token: adminToken, url: fill(path, plausible), payload: '{', type: 'application/json' },
          { what: 'XML body', token: adminToken, url: fill(path, plausible), payload: '<a/>', type: 'application/xml' },
        );
      }
      for (const a of attempts) {
        const res = await ctx.app.inject({
          method: method.toUpperCase() as 'GET',
          url: a.url,
          headers: { ...(a.token && { authorization: `Bearer ${a.token}` }), ...(a.type && { 'content-type': a.type }) },
          ...(a.payload !== undefined && { payload: a.payload }),
        });
        if (!allowed.has(String(res.statusCode))) undocumented.push(`${name} (${a.what}): ${res.statusCode} ${res.body.slice(0, 120)}`);
        if (a.what === 'no credentials' && !PUBLIC.has(name) && res.statusCode !== 401) undocumented.push(`${name} without credentials: ${res.statusCode}, not 401`);
      }
    }
    expect(undocumented).toEqual([]);
  }, 120_000);
});
