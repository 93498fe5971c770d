import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ROLES, roleWithout, type Permission } from '../../src/platform/auth/permissions.ts';
import { createTestApp, loginAs, type Session, type TestContext } from '../support/harness.ts';

let ctx: TestContext;
const sessions = new Map<string, Session>();

beforeAll(async () => {
  ctx = await createTestApp();
  for (const role of ROLES) sessions.set(role, (await loginAs(ctx, [role])).session);
});
afterAll(() => ctx.close());

/** A concrete URL for a route pattern (`:id` → a random uuid, `:key` → a real setting key). */
const concrete = (url: string) => url.replace(/:id\b/g, '00000000-0000-4000-8000-000000000000').replace(/:key\b/g, 'agency.name');

describe('every API route checks access on the server', () => {
  test('the route catalog is complete and every non-public route declares a permission', () => {
    const routes = ctx.app.routeAccess;
    expect(routes.length).toBeGreaterThan(15);
    for (const r of routes) expect(r.public || r.permission, `${r.method} ${r.url}`).toBeTruthy();
    const publicRoutes = routes.filter((r) => r.public && !r.url.startsWith('/api/docs')).map((r) => `${r.method} ${r.url}`);
    // The installation's public key is public on purpose: anyone must be able to check a signed copy receipt.
    // The transparency log too (issue 13): a witness or a court reads checkpoints, tiles and proofs without an
    // account; they reveal hashes only, never an event's content.
    // Witnesses submit cosignatures and read the cosigned checkpoint, witness keys and attestations without an
    // account; the evidence packages' BagIt profile is published (issue 13 §3, §5).
    expect(publicRoutes.sort()).toEqual([
      'GET /api/evidence-packages/profile',
      'GET /api/health',
      'GET /api/installation-key',
      'GET /api/openapi.json',
      'GET /api/tlog/attestations',
      'GET /api/tlog/checkpoint',
      'GET /api/tlog/checkpoint/cosigned',
      'GET /api/tlog/checkpoints/:size',
      'GET /api/tlog/keys',
      'GET /api/tlog/proof/consistency',
      'GET /api/tlog/proof/inclusion',
      'GET /api/tlog/seals',
      'GET /api/tlog/tile/*',
      'GET /api/tlog/witnesses',
      'POST /api/auth/login',
      'POST /api/tlog/cosignatures',
    ]);
  });

  test('without a session every protected route answers 401', async () => {
    for (const r of ctx.app.routeAccess.filter((x) => !x.public)) {
      const res = await ctx.app.inject({ method: r.method as 'GET', url: concrete(r.url), payload: r.method === 'GET' ? undefined : {} });
      expect(res.statusCode, `${r.method} ${r.url}`).toBe(401);
      expect(res.json().code).toBe('UNAUTHENTICATED');
    }
  });

  test('a role without the permission gets 403 on every route', async () => {
    let checked = 0;
    for (const r of ctx.app.routeAccess.filter((x) => !x.public)) {
      const role = roleWithout(r.permission as Permission);
      if (!role) continue; // every role holds it (e.g. `self`)
      const res = await sessions.get(role)!.request(r.method, concrete(r.url), r.method === 'GET' ? undefined : {});
      expect(res.statusCode, `${role} ${r.method} ${r.url}`).toBe(403);
      expect(res.json().code).toBe('FORBIDDEN');
      checked++;
    }
    expect(checked).toBeGreaterThan(10);
  });

  test('a bad or revoked bearer token gets 401, a valid one acts with its owner rights', async () => {
    const bad = await ctx.app.inject({ method: 'GET', url: '/api/auth/me', headers: { authorization: 'Bearer qlt_nope' } });
    expect(bad.statusCode).toBe(401);
    expect(bad.json().code).toBe('TOKEN_INVALID');

    const officer = sessions.get('officer')!;
    const created = await officer.request('POST', '/api/api-tokens', { name: '采集站 1', expiresInDays: 30 });
    expect(created.statusCode).toBe(201);
    const { token, id } = created.json() as { token: string; id: string };
    const auth = { authorization: `Bearer ${token}` };
    expect((await ctx.app.inject({ method: 'GET', url: '/api/personnel', headers: auth })).statusCode).toBe(200);
    // No CSRF header needed for a bearer token; its rights are the owner's, so admin writes are refused.
    const write = await ctx.app.inject({ method: 'POST', url: '/api/departments', headers: auth, payload: { name: 'x', kind: 'office' } });
    expect(write.statusCode).toBe(403);

    const list = await officer.request('GET', '/api/api-tokens');
    expect(list.json().items[0]).toMatchObject({ id, name: '采集站 1', revokedAt: null });
    expect(JSON.stringify(list.json())).not.toContain(token);
    const stored = await ctx.db.selectFrom('api_token').select('token_hash').where('id', '=', id).executeTakeFirstOrThrow();
    expect(stored.token_hash.toString('utf8')).not.toContain(token.slice(4));

    expect((await officer.request('POST', `/api/api-tokens/${id}/revoke`)).statusCode).toBe(204);
    expect((await ctx.app.inject({ method: 'GET', url: '/api/auth/me', headers: auth })).statusCode).toBe(401);
  });

  test('an expired token is refused', async () => {
    const officer = sessions.get('officer')!;
    const { token, id } = (await officer.request('POST', '/api/api-tokens', { name: 'short', expiresInDays: 1 })).json() as { token: string; id: string };
    await ctx.db.updateTable('api_token').set({ expires_at: new Date(Date.now() - 1000) }).where('id', '=', id).execute();
    const res = await ctx.app.inject({ method: 'GET', url: '/api/auth/me', headers: { authorization: `Bearer ${token}` } });
    expect(res.statusCode).toBe(401);
  });

  test('cookie writes without the CSRF header are refused', async () => {
    const admin = sessions.get('admin')!;
    const res = await ctx.app.inject({ method: 'POST', url: '/api/departments', headers: { cookie: admin.cookie }, payload: { name: 'csrf', kind: 'office' } });
    expect(res.statusCode).toBe(403);
    expect(res.json().code).toBe('CSRF_FAILED');
    const wrong = await admin.request('POST', '/api/departments', { name: 'csrf', kind: 'office' }, { 'x-csrf-token': 'forged' });
    expect(wrong.statusCode).toBe(403);
    expect(await ctx.db.selectFrom('department').where('name', '=', 'csrf').selectAll().execute()).toHaveLength(0);
  });

  test('security headers are set', async () => {
    const res = await ctx.app.inject({ method: 'GET', url: '/api/health' });
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBeDefined();
    expect(res.headers['x-request-id']).toBeTruthy();
  });
});
