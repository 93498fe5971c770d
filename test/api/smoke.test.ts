import { afterAll, beforeAll, expect, test } from 'vitest';
import { createTestApp, loginAs, type TestContext } from '../support/harness.ts';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestApp();
});
afterAll(() => ctx.close());

test('health is ok and an admin can read /api/auth/me', async () => {
  const h = await ctx.app.inject({ method: 'GET', url: '/api/health' });
  expect(h.statusCode).toBe(200);
  expect(h.json().status).toBe('ok');
  const { session } = await loginAs(ctx, ['admin']);
  const me = await session.request('GET', '/api/auth/me');
  expect(me.statusCode).toBe(200);
  expect(me.json().roles).toEqual(['admin']);
});
