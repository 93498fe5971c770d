import type { Deps } from '../../platform/deps.ts';

/** Recent background jobs with their state, for the UI (long work is visible). */
export async function listJobs({ db }: Deps, f: { state?: 'queued' | 'running' | 'done' | 'failed'; limit: number }) {
  let q = db.selectFrom('job').selectAll().orderBy('created_at', 'desc').limit(f.limit);
  if (f.state) q = q.where('state', '=', f.state);
  return (await q.execute()).map((j) => ({
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
