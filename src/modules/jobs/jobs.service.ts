import { appendAuditEvent } from '../../platform/audit/audit-chain.ts';
import type { Deps } from '../../platform/deps.ts';
import { getSetting } from '../settings/settings.service.ts';
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

/** Rows removed per transaction (each with its audit event). */
export const PRUNE_BATCH = 5000;

/**
 * Prunes the jobs page's history (0028): finished jobs older than `jobs.historyDays`. What a job changed keeps
 * its own audit events; this removes only the page's list entries. Each batch is audited with its count.
 */
export async function pruneJobHistory({ db }: Deps, o: { batch?: number; now?: number } = {}): Promise<number> {
  const days = await getSetting(db, 'jobs.historyDays');
  const before = new Date((o.now ?? Date.now()) - days * 86_400_000);
  const batch = o.batch ?? PRUNE_BATCH;
  let total = 0;
  for (;;) {
    const n = await db.transaction().execute(async (trx) => {
      const removed = await repo.pruneHistory(trx, before, batch);
      if (removed > 0) {
        await appendAuditEvent(trx, { actor: { kind: 'system', label: 'job:jobs.prune' }, action: 'jobs.history.pruned', details: { removed, keepDays: days } });
      }
      return removed;
    });
    total += n;
    if (n < batch) break;
  }
  return total;
}
