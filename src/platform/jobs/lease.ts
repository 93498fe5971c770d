import type pg from 'pg';

/**
 * Job leases. graphile-worker marks a job it runs with `locked_by` (its pool id) and only gives a job back
 * after four hours (measured before this: a killed transcode stayed "running" for 15 minutes and a restarted
 * node did not reclaim its own job). A lease is a session advisory lock on the job id, held on its own
 * connection by the worker for as long as the handler runs. PostgreSQL drops it the moment that connection
 * ends — the worker process was killed, or its machine vanished (TCP keepalives below, about 1.5 minutes) —
 * and only then may the reaper give the job back. A live, connected worker keeps its lock, so a long job is
 * never run by two workers at once, however long it takes. (A worker that loses its lease connection while
 * alive has its handler's signal aborted; a handler that ignores the signal could overlap with the re-run.)
 */

/** First key of the two-key advisory lock space reserved for job leases. */
const LEASE_NAMESPACE = 710_045;
/** Lock arguments for the job id in $1: folded into int4 (a collision only makes a dead job look alive a while). */
const LOCK_ARGS = `${LEASE_NAMESPACE}, ($1::bigint % 2147483647)::int`;

export interface JobLease {
  /** Aborts when this worker can no longer prove it holds the job (connection lost, or job taken away). */
  lost: AbortSignal;
  /** True while this worker still holds the job; stamps locked_at = now() (keeps the library's 4-hour reset away). */
  confirm(): Promise<boolean>;
  release(): Promise<void>;
}

/**
 * Takes the lease of a job this pool (`lockedBy`) has just locked. Waits while a reaper examines the job;
 * returns undefined when the job was given back to the queue meanwhile (the caller must not run it).
 */
export async function takeLease(pool: pg.Pool, jobId: string, lockedBy: string, refreshMs: number): Promise<JobLease | undefined> {
  const client = await pool.connect();
  const ac = new AbortController();
  const onError = (e: Error) => ac.abort(new Error(`job lease connection lost: ${e.message}`));
  const onEnd = () => ac.abort(new Error('job lease connection ended'));
  client.on('error', onError);
  client.on('end', onEnd);
  const unlisten = () => {
    client.removeListener('error', onError);
    client.removeListener('end', onEnd);
  };
  let released = false;
  try {
    // A crashed machine's connection must end within minutes, not the OS default of hours (TCP only; these
    // do nothing on a Unix socket, where the kernel closes the socket when the process dies).
    await client.query(`SET tcp_keepalives_idle = 30; SET tcp_keepalives_interval = 10; SET tcp_keepalives_count = 6; SET idle_session_timeout = 0`);
    await client.query(`SELECT pg_advisory_lock(${LOCK_ARGS})`, [jobId]);
  } catch (e) {
    unlisten();
    client.release(e as Error);
    throw e;
  }
  const confirm = async () => {
    if (ac.signal.aborted) return false;
    const r = await client.query(
      `UPDATE graphile_worker._private_jobs SET locked_at = now() WHERE id = $1::bigint AND locked_by = $2 RETURNING id`,
      [jobId, lockedBy],
    );
    return r.rowCount === 1;
  };
  const release = async () => {
    if (released) return;
    released = true;
    clearInterval(timer);
    unlisten();
    try {
      await client.query(`SELECT pg_advisory_unlock(${LOCK_ARGS})`, [jobId]);
      client.release();
    } catch (e) {
      // Destroying the connection releases the lock as well.
      client.release(e as Error);
    }
  };
  const timer = setInterval(() => {
    confirm().then(
      (ok) => {
        if (!ok) ac.abort(new Error('job was taken away from this worker'));
      },
      (e: unknown) => ac.abort(e instanceof Error ? e : new Error(String(e))),
    );
  }, refreshMs);
  timer.unref();
  if (!(await confirm().catch(() => false))) {
    await release();
    return undefined;
  }
  return { lost: ac.signal, confirm, release };
}

/**
 * Gives back to the queue every job locked for longer than `graceMs` whose lease nobody holds (its worker
 * died). The lease lock is held while the job is given back, so a worker that is just starting the job either
 * sees it taken away (and does not run it) or keeps it. Returns the ids given back.
 */
export async function reapDeadLeases(pool: pg.Pool, graceMs: number): Promise<string[]> {
  const client = await pool.connect();
  const reaped: string[] = [];
  try {
    const { rows } = await client.query<{ id: string; locked_by: string }>(
      `SELECT id::text AS id, locked_by FROM graphile_worker.jobs
       WHERE locked_at < now() - make_interval(secs => $1) ORDER BY locked_at LIMIT 100`,
      [graceMs / 1000],
    );
    for (const job of rows) {
      const got = await client.query<{ ok: boolean }>(`SELECT pg_try_advisory_lock(${LOCK_ARGS}) AS ok`, [job.id]);
      if (!got.rows[0]!.ok) continue; // its worker is alive
      try {
        // The job, and its named queue (scheduled jobs run one at a time in one) which the dead worker locked too.
        const r = await client.query<{ n: number }>(
          `WITH j AS (
             UPDATE graphile_worker._private_jobs
             SET locked_at = NULL, locked_by = NULL, run_at = greatest(run_at, now()),
                 last_error = 'worker ' || locked_by || ' stopped while running this job (lease lost); given back to the queue'
             WHERE id = $1::bigint AND locked_by = $2 AND locked_at < now() - make_interval(secs => $3)
             RETURNING job_queue_id),
           q AS (
             UPDATE graphile_worker._private_job_queues q SET locked_at = NULL, locked_by = NULL
             FROM j WHERE q.id = j.job_queue_id AND q.locked_by = $2 RETURNING q.id)
           SELECT (SELECT count(*) FROM j)::int AS n`,
          [job.id, job.locked_by, graceMs / 1000],
        );
        if (r.rows[0]?.n === 1) reaped.push(job.id);
      } finally {
        await client.query(`SELECT pg_advisory_unlock(${LOCK_ARGS})`, [job.id]);
      }
    }
    client.release();
  } catch (e) {
    client.release(e as Error);
    throw e;
  }
  return reaped;
}
