import type { Database } from '../db/database.ts';
import { enqueueJob } from './queue.ts';
import type { JobKind } from './catalog.ts';

/** Periodic jobs: kind and period. The dedupe key is the period's slot, so many nodes queue it once. */
const schedule: { kind: JobKind; everyMs: number }[] = [
  { kind: 'sessions.purge', everyMs: 3_600_000 },
  { kind: 'uploads.sweep', everyMs: 3_600_000 },
];

/** Queues each periodic job once per period (checked every minute). */
export function startScheduler(db: Database, log: (msg: string, extra?: object) => void): () => void {
  const tick = async () => {
    for (const s of schedule) {
      const slot = Math.floor(Date.now() / s.everyMs);
      await enqueueJob(db, s.kind, {}, { dedupeKey: `${s.kind}:${slot}` }).catch((e) => log('scheduler error', { error: String(e) }));
    }
  };
  void tick();
  const timer = setInterval(() => void tick(), 60_000);
  return () => clearInterval(timer);
}
