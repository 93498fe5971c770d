/**
 * A worker process for the job tests: `node --import tsx job-worker-child.ts <databaseUrl> <dataDir> [defaults]`.
 * Runs the test jobs with short lease timings, prints "ready" once it takes jobs, stops cleanly on SIGTERM.
 */
import { loadConfig } from '../../src/platform/config/config.ts';
import { createDatabase } from '../../src/platform/db/database.ts';
import { startJobRunner } from '../../src/platform/jobs/runner.ts';
import { openObjectStore } from '../../src/platform/storage/open-object-store.ts';
import { testJobs } from './test-jobs.ts';

const [url, dataDir, timings] = process.argv.slice(2);
const config = loadConfig({ QUANLU_DATA_DIR: dataDir!, QUANLU_LOG_LEVEL: 'silent', QUANLU_WORKERS: 'false' });
const db = createDatabase(url!, 3);
const runner = await startJobRunner({ config, db, storage: openObjectStore(config) }, testJobs, {
  concurrency: 1,
  pollMs: 200,
  // Much shorter than the test's long job, and a running job does not re-stamp its lock within it (refresh
  // every 60 s): only the lease (the advisory lock its worker holds) keeps a reaper from taking the job away.
  leaseGraceMs: 1500,
  reapEveryMs: 300,
  leaseRefreshMs: 60_000,
  // 'defaults': the production lease timings (for measuring by hand how soon a killed job runs again).
  ...(timings === 'defaults' && { leaseGraceMs: undefined, reapEveryMs: undefined, pollMs: undefined }),
  log: (level, msg, extra) => {
    if (level === 'warn' || level === 'error') process.stderr.write(`${level} ${msg} ${JSON.stringify(extra ?? {})}\n`);
  },
});
process.on('SIGTERM', () => {
  void runner
    .stop()
    .then(() => db.destroy())
    .then(() => process.exit(0));
});
process.stdout.write('ready\n');
