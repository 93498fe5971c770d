import { configDefaults, defineConfig } from 'vitest/config';

/**
 * The browser tests drive the web UI against a real server and database; what they check does not depend on
 * which PostgreSQL holds the rows (the API and database tests run in both CI runs). To keep CI's two `npm test`
 * runs short, CI sets QUANLU_TEST_BROWSER_HALF=1 in one run and 2 in the other, so each browser test runs once
 * (halves balanced by their run time). Without the variable — a developer's `npm test` — all of them run.
 */
const BROWSER_HALVES: Record<string, string[]> = {
  '1': ['access-requests', 'annotations', 'case-file', 'cases', 'devices', 'player'],
  '2': ['custody', 'governance-pages', 'preservation', 'recordings', 'retention', 'seals', 'supersede', 'verify-html', 'web-findings', 'web-flow'],
};
const half = process.env.QUANLU_TEST_BROWSER_HALF;
if (half !== undefined && !BROWSER_HALVES[half]) throw new Error(`QUANLU_TEST_BROWSER_HALF must be 1 or 2 (got ${half})`);
const otherHalf = half === '1' ? BROWSER_HALVES['2']! : half === '2' ? BROWSER_HALVES['1']! : [];

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: [...configDefaults.exclude, ...otherHalf.map((name) => `test/browser/${name}.test.ts`)],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    // Files share a worker's module cache instead of re-importing the app per file: importing was over half of
    // the suite's time (20 API, case and database files at load 13: 582 s → 279 s). Files keep no state in
    // modules (each makes its own app and database), and the one spy on a global (resume-state) restores it.
    isolate: false,
    // Each file gets its own database, so files run in parallel safely.
    fileParallelism: true,
  },
});
