import path from 'node:path';
import { tmpdir } from 'node:os';
import { describe, expect, test } from 'vitest';
import { ConfigError, loadConfig } from '../../src/platform/config/config.ts';
import { runCli } from '../support/cli.ts';

/** `quanlu start --role` / QUANLU_ROLE and QUANLU_SHARED_DIR (issue 10 §3): what each setting gives, literally. */
const db = { DATABASE_URL: 'postgres://quanlu_app@db.internal/quanlu' };

describe('node roles', () => {
  test.each([
    [{}, 'all', true],
    [{ QUANLU_WORKERS: 'false' }, 'all', false],
    [{ QUANLU_ROLE: 'api', ...db }, 'api', false],
    [{ QUANLU_ROLE: 'api', QUANLU_WORKERS: 'true', ...db }, 'api', false],
    [{ QUANLU_ROLE: 'worker', ...db }, 'worker', true],
  ])('%j → role %s, job runner %s', (env, role, workers) => {
    const c = loadConfig({ QUANLU_DATA_DIR: '/srv/q', ...env });
    expect([c.role, c.workers]).toEqual([role, workers]);
  });

  test.each([
    [{ QUANLU_ROLE: 'both' }, 'QUANLU_ROLE'],
    [{ QUANLU_ROLE: 'api' }, 'QUANLU_ROLE: api needs DATABASE_URL'],
    [{ QUANLU_ROLE: 'worker' }, 'QUANLU_ROLE: worker needs DATABASE_URL'],
    [{ QUANLU_ROLE: 'worker', QUANLU_WORKERS: 'false', ...db }, 'QUANLU_WORKERS: false contradicts QUANLU_ROLE=worker'],
  ])('%j is refused, naming %s', (env, words) => {
    expect(() => loadConfig({ QUANLU_DATA_DIR: '/srv/q', ...env })).toThrow(ConfigError);
    expect(() => loadConfig({ QUANLU_DATA_DIR: '/srv/q', ...env })).toThrow(words);
  });

  test('the shared folder is the data folder unless QUANLU_SHARED_DIR names another (made absolute)', () => {
    expect(loadConfig({ QUANLU_DATA_DIR: '/srv/q' }).sharedDir).toBe('/srv/q');
    expect(loadConfig({ QUANLU_DATA_DIR: '/srv/q', QUANLU_SHARED_DIR: '/mnt/shared' }).sharedDir).toBe('/mnt/shared');
    expect(loadConfig({ QUANLU_DATA_DIR: '/srv/q', QUANLU_SHARED_DIR: 'rel' }).sharedDir).toBe(path.resolve('rel'));
  });

  test.each([
    [['start', '--role', 'leader'], 'QUANLU_ROLE'],
    [['start', '--role', 'worker'], 'needs DATABASE_URL'],
  ])('`quanlu %s` exits 2 before any database work, naming the problem', async (args, words) => {
    const r = await runCli(args, { QUANLU_DATA_DIR: path.join(tmpdir(), 'quanlu-never-created-roles') });
    expect([r.code, r.stderr.includes(words)]).toEqual([2, true]);
  });
});
