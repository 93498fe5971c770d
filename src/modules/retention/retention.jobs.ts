import { z } from 'zod';
import type { Deps } from '../../platform/deps.ts';
import { SYSTEM_ACTOR } from '../../platform/auth/auth-user.ts';
import { defineJob } from '../../platform/jobs/catalog.ts';
import { AppError } from '../../platform/errors/error-catalog.ts';
import { executeDue, proposeBatch } from './disposal.service.ts';
import { recomputeMissing, syncCaseFileStore, syncObjectStore } from './retention.service.ts';

declare module '../../platform/jobs/catalog.ts' {
  interface JobPayloads {
    /** Every 10 minutes: compute dates not computed yet (new recordings and cases) and extend the store's locks (recordings' originals, case files' documents and PDFs). */
    'retention.sync': Record<string, never>;
    /** Daily (02:30 Beijing): propose the recordings and case files that are due; execute approved items past their grace period. */
    'retention.daily': Record<string, never>;
  }
}

const empty = z.object({}).strict() as z.ZodType<Record<string, never>>;

/** The store brought in step, a bounded batch at a time until nothing is left (or the job is stopped). */
async function syncStore(deps: Deps, signal: AbortSignal) {
  let recordings = 0;
  let caseFiles = 0;
  for (let n = await syncObjectStore(deps); n > 0 && !signal.aborted; n = await syncObjectStore(deps)) recordings += n;
  for (let n = await syncCaseFileStore(deps); n > 0 && !signal.aborted; n = await syncCaseFileStore(deps)) caseFiles += n;
  return { recordings, caseFiles };
}

export const retentionJobs = {
  'retention.sync': defineJob('retention.sync', {
    payload: empty,
    schedule: { cron: '*/10 * * * *', payload: {} },
    maxAttempts: 1,
    handler: async (deps, _p, ctx) => {
      const computed = await recomputeMissing(deps.db);
      const synced = await syncStore(deps, ctx.signal);
      if (computed.recordings || synced.recordings || synced.caseFiles) ctx.log('retention sync', { ...computed, synced });
    },
  }),
  'retention.daily': defineJob('retention.daily', {
    payload: empty,
    schedule: { cron: '30 18 * * *', payload: {} },
    handler: async (deps, _p, ctx) => {
      await recomputeMissing(deps.db);
      await syncStore(deps, ctx.signal);
      const executed = await executeDue(deps, { actor: SYSTEM_ACTOR, label: 'job:retention.daily' });
      try {
        const b = await proposeBatch(deps, null);
        ctx.log('disposal proposed', b);
      } catch (error) {
        if (!(error instanceof AppError && error.code === 'DISPOSAL_NOTHING_DUE')) throw error;
      }
      ctx.log('disposal executed', executed);
    },
  }),
};
