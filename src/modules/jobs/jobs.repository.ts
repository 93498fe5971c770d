import { sql } from 'kysely';
import type { DbOrTx } from '../../platform/db/database.ts';

export type JobState = 'queued' | 'running' | 'done' | 'failed';

export interface JobRow {
  id: string;
  kind: string;
  state: JobState;
  attempts: number;
  max_attempts: number;
  run_at: Date;
  last_error: string | null;
  created_at: Date;
  finished_at: Date | null;
}

/**
 * Jobs newest first: waiting, running and failed ones from graphile-worker's `jobs` view (running = locked,
 * failed = out of attempts), completed ones from job_history (graphile-worker deletes completed jobs). A job
 * that is in both (its worker died after recording it) shows as it is in the queue.
 */
export async function listJobs(db: DbOrTx, f: { state?: JobState; limit: number }): Promise<JobRow[]> {
  const r = await sql<JobRow>`
    SELECT * FROM (
      SELECT id::text AS id, task_identifier AS kind,
             CASE WHEN locked_at IS NOT NULL THEN 'running' WHEN attempts >= max_attempts THEN 'failed' ELSE 'queued' END AS state,
             attempts::int AS attempts, max_attempts::int AS max_attempts, run_at, last_error, created_at,
             CASE WHEN locked_at IS NULL AND attempts >= max_attempts THEN updated_at END AS finished_at
      FROM graphile_worker.jobs
      UNION ALL
      SELECT h.id, h.kind, h.state, h.attempts, h.max_attempts, h.created_at AS run_at, h.last_error, h.created_at, h.finished_at
      FROM job_history h
      WHERE NOT EXISTS (SELECT 1 FROM graphile_worker.jobs j WHERE j.id::text = h.id)
    ) AS jobs
    WHERE ${f.state ?? null}::text IS NULL OR state = ${f.state ?? null}::text
    ORDER BY created_at DESC, id DESC
    LIMIT ${f.limit}`.execute(db);
  return r.rows;
}

/** Removes at most `batch` finished jobs of the history that finished before `before`; returns how many. */
export async function pruneHistory(db: DbOrTx, before: Date, batch: number): Promise<number> {
  const r = await sql`DELETE FROM job_history WHERE id IN (
    SELECT id FROM job_history WHERE finished_at < ${before} ORDER BY finished_at LIMIT ${batch})`.execute(db);
  return Number(r.numAffectedRows ?? 0);
}
