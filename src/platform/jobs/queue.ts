import { sql } from 'kysely';
import type { DbOrTx } from '../db/database.ts';
import { DEFAULT_MAX_ATTEMPTS, type JobName, type JobPayloads } from './catalog.ts';

export interface EnqueueOptions {
  /**
   * Predictable key (e.g. `media.process:<sha256>`): while a job with this key exists — waiting, running, or
   * failed for good — enqueueing again is a duplicate and adds nothing. Once that job completed, the key is free.
   */
  dedupeKey?: string;
  /** Not before this time (default: now). */
  runAt?: Date;
  /** Attempts before the job stays failed (default 5). */
  maxAttempts?: number;
  /** Lower runs first (default 0). */
  priority?: number;
}

/**
 * Queues a job on the given handle — pass the transaction of the change that causes the job, so that a
 * rollback leaves no job and a commit always leaves one (graphile-worker's add_job is plain SQL). Returns
 * the job id, or undefined when `dedupeKey` made it a duplicate.
 */
export async function enqueueJob<K extends JobName>(db: DbOrTx, kind: K, payload: JobPayloads[K], opts: EnqueueOptions = {}): Promise<string | undefined> {
  // unsafe_dedupe: an existing job with the key is left as it is (the library's other modes replace a waiting
  // job's payload, or add a second job while the first runs — neither is "a repeated job is a duplicate").
  const r = await sql<{ id: string; revision: number }>`
    SELECT id::text AS id, revision FROM graphile_worker.add_job(
      identifier => ${kind}::text,
      payload => ${JSON.stringify(payload)}::json,
      run_at => ${opts.runAt ?? null}::timestamptz,
      max_attempts => ${opts.maxAttempts ?? DEFAULT_MAX_ATTEMPTS}::int,
      job_key => ${opts.dedupeKey ?? null}::text,
      priority => ${opts.priority ?? null}::int,
      job_key_mode => 'unsafe_dedupe')`.execute(db);
  const row = r.rows[0]!;
  // A duplicate is answered with the existing job, its revision bumped.
  return opts.dedupeKey !== undefined && row.revision > 0 ? undefined : row.id;
}
