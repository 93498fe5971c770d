import { z } from 'zod';
import { defineJob } from '../../platform/jobs/catalog.ts';
import { purgeExpiredSessions } from './auth.service.ts';

declare module '../../platform/jobs/catalog.ts' {
  interface JobPayloads {
    /** Removes login sessions that expired more than a day ago. */
    'sessions.purge': Record<string, never>;
  }
}

export const authJobs = {
  'sessions.purge': defineJob('sessions.purge', {
    payload: z.strictObject({}),
    schedule: { cron: '5 * * * *', payload: {} }, // hourly (UTC)
    handler: async (deps) => {
      await purgeExpiredSessions(deps);
    },
  }),
};
