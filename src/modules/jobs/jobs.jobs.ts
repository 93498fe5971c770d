import { z } from 'zod';
import { defineJob } from '../../platform/jobs/catalog.ts';
import { pruneJobHistory } from './jobs.service.ts';

declare module '../../platform/jobs/catalog.ts' {
  interface JobPayloads {
    /** Removes finished jobs older than `jobs.historyDays` from the jobs page's history. */
    'jobs.prune': Record<string, never>;
  }
}

export const jobHistoryJobs = {
  'jobs.prune': defineJob('jobs.prune', {
    payload: z.strictObject({}),
    schedule: { cron: '43 3 * * *', payload: {} }, // daily, 03:43 UTC (11:43 Beijing: off the night's fixity and disposal)
    handler: async (deps, _payload, ctx) => {
      ctx.log('job history pruned', { removed: await pruneJobHistory(deps) });
    },
  }),
};
