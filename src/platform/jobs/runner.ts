import { parseCronItems, run, runOnce, type JobHelpers, type Runner, type Task, type TaskList } from 'graphile-worker';
import pg from 'pg';
import { z } from 'zod';
import { poolOf } from '../db/database.ts';
import type { Deps } from '../deps.ts';
import { assertCatalog, DEFAULT_MAX_ATTEMPTS, type JobDefinition } from './catalog.ts';
import { graphileLogger, silentJobLog, type JobLog } from './job-logger.ts';
import { reapDeadLeases, takeLease } from './lease.ts';

export interface JobRunnerOptions {
  /** Jobs run at once by this process (default 2: a transcode and a sweep side by side on two cores). */
  concurrency?: number;
  /** false: no polling, no schedules, no reaper — only drain() (tests, one-shot CLI commands). */
  background?: boolean;
  /** How often to look for due jobs besides the instant wake-up on a new job (default 2 s). */
  pollMs?: number;
  /** A job locked this long whose lease nobody holds is given back to the queue (default 60 s). */
  leaseGraceMs?: number;
  /** How often this runner looks for such jobs (default 15 s). */
  reapEveryMs?: number;
  /** How often a running job re-confirms its lease (default 60 s). */
  leaseRefreshMs?: number;
  /** How long stop() waits for running jobs after asking them to abort (default 30 s). */
  stopTimeoutMs?: number;
  log?: JobLog;
}

export interface JobRunner {
  /** Runs every job that is due now, until none is left; returns how many handlers completed. */
  drain(): Promise<number>;
  /** Gives back to the queue the jobs whose worker died (the background runner does this every reapEveryMs). */
  reap(): Promise<string[]>;
  /** Stops taking jobs, aborts running ones (ctx.signal), waits up to stopTimeoutMs, closes its connections. */
  stop(): Promise<void>;
}

class JobTakenAway extends Error {
  constructor(id: string) {
    super(`job ${id} was given back to the queue before this worker confirmed it; not run here`);
  }
}

/**
 * Starts the job runner of this process on graphile-worker: the catalog's handlers, its schedules (cron in
 * UTC, each slot queued once across all nodes), leases so a killed worker's job re-runs within about
 * leaseGraceMs + reapEveryMs, and a history row for each completed job (the jobs page). Fails at start if a
 * definition is incomplete, or if jobs of a name this catalog lacks are waiting (they would wait forever).
 */
export async function startJobRunner(deps: Deps, catalog: Partial<Record<string, JobDefinition>>, opts: JobRunnerOptions = {}): Promise<JobRunner> {
  const defs = assertCatalog(catalog);
  const log = opts.log ?? silentJobLog;
  const concurrency = opts.concurrency ?? 2;
  const graceMs = opts.leaseGraceMs ?? 60_000;
  const refreshMs = opts.leaseRefreshMs ?? 60_000;
  // Our own connections: a long job must not hold the API's pool, and the lease of each running job is a
  // connection of its own (plus graphile-worker's listener and its job fetching).
  const pool = new pg.Pool({ ...poolOf(deps.db).options, max: 2 * concurrency + 4, application_name: 'quanlu-jobs' });
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  const logger = graphileLogger(log);
  let completed = 0;

  try {
    await assertNoUnknownJobs(pool, defs.map((d) => d.name));
  } catch (e) {
    await pool.end();
    throw e;
  }

  const wrap = (def: JobDefinition): Task => async (rawPayload: unknown, helpers: JobHelpers) => {
    const job = helpers.job;
    const lease = await takeLease(pool, job.id, job.locked_by!, refreshMs);
    if (!lease) throw new JobTakenAway(job.id); // graphile-worker's fail is then a no-op: the job is not ours
    try {
      const { _cron, ...body } = (rawPayload ?? {}) as Record<string, unknown>;
      void _cron;
      const parsed = def.payload.safeParse(body);
      if (!parsed.success) {
        // Retrying cannot help: fail for good, with the reason on the jobs page.
        await pool.query(`UPDATE graphile_worker._private_jobs SET max_attempts = attempts WHERE id = $1::bigint AND locked_by = $2`, [job.id, job.locked_by]);
        throw new Error(`payload of ${def.name} is invalid: ${z.prettifyError(parsed.error)}`);
      }
      await def.handler(deps, parsed.data, {
        jobId: job.id,
        attempt: job.attempts,
        signal: AbortSignal.any([helpers.abortSignal, lease.lost]),
        log: (msg, extra) => log('info', msg, { job: job.id, kind: def.name, ...extra }),
      });
      // Completing deletes the job by id: only the worker that still holds it may complete it.
      if (!(await lease.confirm())) throw new Error(`job ${job.id} was taken away from this worker while it ran; result not recorded`);
      await deps.db
        .insertInto('job_history')
        .values({ id: job.id, kind: def.name, job_key: job.key, state: 'done', attempts: job.attempts, max_attempts: job.max_attempts, created_at: job.created_at })
        .onConflict((oc) => oc.column('id').doUpdateSet({ state: 'done', attempts: job.attempts, finished_at: new Date(), last_error: null }))
        .execute();
      completed++;
    } finally {
      await lease.release();
    }
  };
  const taskList: TaskList = Object.fromEntries(defs.map((d) => [d.name, wrap(d)]));
  const graphile = { pgPool: pool, taskList, concurrency, pollInterval: opts.pollMs ?? 2000, noHandleSignals: true, logger };

  const drain = async () => {
    const before = completed;
    await runOnce(graphile);
    return completed - before;
  };
  const reap = async () => {
    const ids = await reapDeadLeases(pool, graceMs);
    if (ids.length) log('warn', 'jobs of a stopped worker given back to the queue', { jobs: ids });
    return ids;
  };

  if (opts.background === false) {
    return { drain, reap, stop: () => pool.end() };
  }

  const parsedCronItems = parseCronItems(
    defs
      .filter((d) => d.schedule)
      .map((d) => ({
        task: d.name,
        identifier: d.name,
        match: d.schedule!.cron,
        payload: d.schedule!.payload as Record<string, unknown>,
        // One queue per schedule: runs of one schedule never overlap, and a slot that comes while one waits
        // only refreshes it (no pile-up after a long run or a stopped node).
        options: { queueName: `schedule:${d.name}`, jobKey: `schedule:${d.name}`, jobKeyMode: 'preserve_run_at' as const, maxAttempts: d.maxAttempts ?? DEFAULT_MAX_ATTEMPTS },
      })),
  );
  const runner: Runner = await run({ ...graphile, parsedCronItems, gracefulShutdownAbortTimeout: 1000 });
  runner.promise.catch((e: unknown) => log('error', 'job runner stopped', { error: String(e) }));
  let reaping: Promise<unknown> = Promise.resolve();
  const reaper = setInterval(() => {
    reaping = reap().catch((e: unknown) => log('warn', 'job reaper error', { error: String(e) }));
  }, opts.reapEveryMs ?? 15_000);
  reaper.unref();
  // A node that restarts after being killed gets its own dead jobs back without waiting for the first tick.
  reaping = reap().catch((e: unknown) => log('warn', 'job reaper error', { error: String(e) }));

  let stopped: Promise<void> | undefined;
  return {
    drain,
    reap,
    stop: () =>
      (stopped ??= (async () => {
        clearInterval(reaper);
        await reaping;
        const timeout = opts.stopTimeoutMs ?? 30_000;
        let timer: NodeJS.Timeout | undefined;
        const finished = await Promise.race([
          runner.stop().then(() => true),
          new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeout))),
        ]);
        clearTimeout(timer);
        if (finished) {
          await pool.end();
        } else {
          // A handler that ignores its abort signal keeps its lease until this process exits; the job then
          // runs again elsewhere. Never give it back while it may still run here.
          log('warn', 'jobs still running at shutdown; they will run again after this process exits', { timeoutMs: timeout });
        }
      })()),
  };
}

/** Jobs waiting under a name no handler knows would wait forever: start-up refuses instead. */
async function assertNoUnknownJobs(pool: pg.Pool, names: string[]): Promise<void> {
  const { rows } = await pool.query<{ task_identifier: string; n: string }>(
    `SELECT task_identifier, count(*) AS n FROM graphile_worker.jobs
     WHERE attempts < max_attempts AND NOT (task_identifier = ANY($1::text[])) GROUP BY 1 ORDER BY 1`,
    [names],
  );
  if (rows.length) {
    throw new Error(`Jobs are waiting for handlers this build does not have: ${rows.map((r) => `${r.task_identifier} (${r.n})`).join(', ')}`);
  }
}
