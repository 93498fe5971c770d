import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { settingKeys } from '../../src/modules/settings/settings.registry.ts';
import { repoRoot } from '../support/cli.ts';
import { createTestApp, loginAs, type Session, type TestContext } from '../support/harness.ts';

/**
 * Issue 7 §6: a setting nothing reads is a promise the system does not keep — worst in an evidence system,
 * where an admin who sets "keep patrol footage 12 months" believes it. Every setting offered is read by the
 * code it claims to steer (outside the settings module), except descriptive data listed here literally.
 */

/** Descriptive data an admin records (names printed by documents to come); they steer no behaviour. */
const DESCRIPTIVE = ['agency.name', 'agency.fondsNumber'];

/** Source files outside the settings module (tests and the generated API contract excluded). */
function sourceOutsideSettings(): string {
  let all = '';
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (!['settings', 'api-contract'].includes(e.name)) walk(p);
      } else if (/\.tsx?$/.test(e.name) && !e.name.endsWith('.test.ts')) all += readFileSync(p, 'utf8');
    }
  };
  walk(path.join(repoRoot, 'src'));
  return all;
}

test.each(settingKeys.filter((k) => !DESCRIPTIVE.includes(k)))('setting %s is read by the code it steers', (key) => {
  expect(sourceOutsideSettings()).toContain(`'${key}'`);
});

let ctx: TestContext;
let admin: Session;
beforeAll(async () => {
  ctx = await createTestApp();
  ({ session: admin } = await loginAs(ctx, ['admin']));
});
afterAll(() => ctx.close());

// The periods themselves are the approved retention table (data, issue 11 §1), not settings: the only retention
// settings are the two the engine reads (the grace period before disposal, the digest's look-ahead).
test('the retention settings offered are the ones the engine reads (retention.patrolMonths did nothing and is gone)', async () => {
  const keys = (await admin.request('GET', '/api/settings')).json().items.map((s: { key: string }) => s.key);
  expect(keys).toEqual(expect.arrayContaining(['agency.name', 'offload.cutoffHour', 'fixity.periodDays']));
  expect(keys.filter((k: string) => k.startsWith('retention.')).sort()).toEqual(['retention.digestDays', 'retention.disposalGraceDays']);
  expect((await admin.request('PUT', '/api/settings/retention.patrolMonths', { value: 12 })).statusCode).toBe(400);
});
