import { z } from 'zod';
import { defineJob } from '../../platform/jobs/catalog.ts';
import { sweepOrphanObjects } from './case-file-objects.service.ts';

declare module '../../platform/jobs/catalog.ts' {
  interface JobPayloads {
    /** Removes case-file objects left without their row (older than `storage.orphanSweepHours`, unreferenced). */
    'case-files.sweep-orphans': Record<string, never>;
  }
}

export const caseFileJobs = {
  'case-files.sweep-orphans': defineJob('case-files.sweep-orphans', {
    payload: z.strictObject({}),
    schedule: { cron: '23 * * * *', payload: {} }, // hourly (UTC)
    maxAttempts: 1,
    handler: async (deps, _payload, ctx) => {
      ctx.log('case-file orphan sweep', await sweepOrphanObjects(deps));
    },
  }),
};
