import type { Deps } from '../../platform/deps.ts';
import * as repo from './jobs.repository.ts';

/** Recent background jobs with their state, attempts and last error, for the UI (long work is visible). */
export async function listJobs({ db }: Deps, f: { state?: repo.JobState; limit: number }) {
  return (await repo.listJobs(db, f)).map((j) => ({
    id: j.id,
    kind: j.kind,
    state: j.state,
    attempts: j.attempts,
    maxAttempts: j.max_attempts,
    runAt: j.run_at.toISOString(),
    lastError: j.last_error,
    createdAt: j.created_at.toISOString(),
    finishedAt: j.finished_at?.toISOString() ?? null,
  }));
}
