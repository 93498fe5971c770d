import { writeFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createDatabase } from '../../src/platform/db/database.ts';
import { buildApp } from '../../src/platform/http/app.ts';
import { createTestApp, type TestContext } from '../support/harness.ts';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestApp();
});
afterAll(() => ctx.close());

test('the OpenAPI document describes the whole API and the docs page is served', async () => {
  const doc = (await ctx.app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
  expect(doc.openapi).toMatch(/^3\./);
  for (const p of ['/api/auth/login', '/api/personnel', '/api/personnel/{id}/qualification', '/api/audit-events', '/api/recordings', '/api/offload/late']) {
    expect(Object.keys(doc.paths)).toContain(p);
  }
  // Request schemas (zod) feed the document: field docs and limits are there.
  expect(JSON.stringify(doc.paths['/api/personnel'].post)).toContain('staffNumber');
  const page = await ctx.app.inject({ method: 'GET', url: '/api/docs/' });
  expect(page.statusCode).toBe(200);
  expect(page.body).toContain('swagger');
});

test('health is 503 naming the failed check when storage or the database fails', async () => {
  // Storage: the folder health writes to is a file now.
  await rm(path.join(ctx.dataDir, 'tmp'), { recursive: true, force: true });
  await writeFile(path.join(ctx.dataDir, 'tmp'), 'not a folder');
  const bad = await ctx.app.inject({ method: 'GET', url: '/api/health' });
  expect(bad.statusCode).toBe(503);
  expect(bad.json()).toMatchObject({ status: 'unavailable', checks: { database: { ok: true }, storage: { ok: false } } });
  await rm(path.join(ctx.dataDir, 'tmp'));
  expect((await ctx.app.inject({ method: 'GET', url: '/api/health' })).statusCode).toBe(200);

  // Database: a server that is not there.
  const db = createDatabase('postgres://nobody:x@127.0.0.1:1/none', 1);
  const app = await buildApp({ ...ctx.deps, db }, { logger: false, serveWeb: false });
  try {
    const res = await app.inject({ method: 'GET', url: '/api/health' });
    expect(res.statusCode).toBe(503);
    // Only ok/failed in public; the error text is for administrators (/api/health/detail) and the log.
    expect(res.json().checks.database).toEqual({ ok: false });
  } finally {
    await app.close();
    await db.destroy();
  }
});

test('unknown API paths are JSON 404s with a request id; every response carries x-request-id', async () => {
  const res = await ctx.app.inject({ method: 'GET', url: '/api/nothing-here', headers: { 'accept-language': 'en' } });
  expect(res.statusCode).toBe(404);
  expect(res.json()).toMatchObject({ code: 'ROUTE_NOT_FOUND', message: 'No such API route' });
  expect(res.json().requestId).toBe(res.headers['x-request-id']);
});
