import { z } from 'zod';
import { defineJob } from '../../platform/jobs/catalog.ts';
import { sweepUploads } from './upload-sweep.service.ts';

declare module '../../platform/jobs/catalog.ts' {
  interface JobPayloads {
    /** Finishes uploads whose bytes all arrived but were never finished; expires abandoned partial ones. */
    'uploads.sweep': Record<string, never>;
  }
}

export const uploadJobs = {
  'uploads.sweep': defineJob('uploads.sweep', {
    payload: z.strictObject({}),
    schedule: { cron: '35 * * * *', payload: {} }, // hourly (UTC)
    handler: async (deps) => {
      await sweepUploads(deps);
    },
  }),
};
