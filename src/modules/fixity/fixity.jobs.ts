import { z } from 'zod';
import { defineJob } from '../../platform/jobs/catalog.ts';
import { pruneFixityHistory } from './fixity-history.service.ts';
import { runFixityPass, runQueuedPass } from './fixity.service.ts';

declare module '../../platform/jobs/catalog.ts' {
  interface JobPayloads {
    /** The scheduled share of fixity checks (every object once per `fixity.periodDays`). */
    'fixity.slice': Record<string, never>;
    /** A full pass a person asked for through the API (its run row exists already). */
    'fixity.run': { runId: string };
    /** Daily pruning of routine fixity checks older than `fixity.checkHistoryDays` (failures and latest kept). */
    'fixity.prune': Record<string, never>;
  }
}

export const fixityJobs = {
  'fixity.slice': defineJob('fixity.slice', {
    payload: z.object({}).strict() as z.ZodType<Record<string, never>>,
    // Hourly (SLICE_HOURS = 1): the slices of one period together cover every stored object.
    schedule: { cron: '17 * * * *', payload: {} },
    // A failed slice is not retried: the next hour's slice takes the same objects (least recently checked first).
    maxAttempts: 1,
    handler: async (deps, _payload, ctx) => {
      const r = await runFixityPass(deps, { scope: { kind: 'slice' }, signal: ctx.signal });
      ctx.log('fixity slice', { runId: r.runId, checked: r.checked, failed: r.failed, orphans: r.orphans?.storeFilesWithoutRowsCount ?? null });
    },
  }),
  'fixity.run': defineJob('fixity.run', {
    payload: z.object({ runId: z.uuid() }),
    maxAttempts: 2,
    handler: async (deps, payload) => {
      await runQueuedPass(deps, payload.runId);
    },
  }),
  'fixity.prune': defineJob('fixity.prune', {
    payload: z.object({}).strict() as z.ZodType<Record<string, never>>,
    schedule: { cron: '37 3 * * *', payload: {} }, // daily, 03:37 UTC
    maxAttempts: 1,
    handler: async (deps, _payload, ctx) => {
      ctx.log('fixity history pruned', { removed: await pruneFixityHistory(deps, { signal: ctx.signal }) });
    },
  }),
};
