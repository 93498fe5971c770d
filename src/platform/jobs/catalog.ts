import { purgeExpiredSessions } from '../../modules/auth/auth.service.ts';
import type { JobCatalog } from './queue.ts';

/** Every job kind QuanLu runs, with its handler. Start-up fails if a kind has none. */
export const jobCatalog = {
  /** Removes sessions that expired more than a day ago. */
  'sessions.purge': {
    handler: async (deps) => {
      await purgeExpiredSessions(deps);
    },
  },
} satisfies JobCatalog;

export type JobKind = keyof typeof jobCatalog;
