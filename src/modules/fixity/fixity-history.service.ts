import { appendAuditEvent } from '../../platform/audit/audit-chain.ts';
import type { Deps } from '../../platform/deps.ts';
import { getSetting } from '../settings/settings.service.ts';
import * as repo from './fixity.repository.ts';

/** Rows removed per transaction (each with its audit event), so a large backlog never holds one long lock. */
export const PRUNE_BATCH = 5000;

/**
 * Prunes the fixity history (0028): routine 'ok' checks older than `fixity.checkHistoryDays` that a later check
 * of the same object supersedes. Failed checks, workstation checks (第十条: the check before a card was
 * cleared) and every object's latest check stay for ever (民事证据规定 第93–94条: the checks are the integrity
 * evidence); the database enforces the same. Each batch and its audit event commit together. Returns the count.
 */
export async function pruneFixityHistory({ db }: Deps, o: { batch?: number; signal?: AbortSignal } = {}): Promise<number> {
  const keepDays = await getSetting(db, 'fixity.checkHistoryDays');
  const batch = o.batch ?? PRUNE_BATCH;
  let total = 0;
  for (;;) {
    if (o.signal?.aborted) break;
    const n = await db.transaction().execute(async (trx) => {
      const removed = await repo.pruneRoutineChecks(trx, keepDays, batch);
      if (removed > 0) {
        await appendAuditEvent(trx, { actor: { kind: 'system', label: 'job:fixity.prune' }, action: 'fixity.checks.pruned', details: { removed, keepDays } });
      }
      return removed;
    });
    total += n;
    if (n < batch) break;
  }
  return total;
}
