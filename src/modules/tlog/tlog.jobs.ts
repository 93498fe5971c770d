import { z } from 'zod';
import { defineJob } from '../../platform/jobs/catalog.ts';
import { tick } from './tlog.service.ts';

declare module '../../platform/jobs/catalog.ts' {
  interface JobPayloads {
    /** Each minute: integrate new audit events; sign a checkpoint when due (QUANLU_TLOG_CHECKPOINT_MINUTES) and the daily seal. */
    'tlog.tick': Record<string, never>;
  }
}

export const tlogJobs = {
  'tlog.tick': defineJob('tlog.tick', {
    payload: z.object({}).strict() as z.ZodType<Record<string, never>>,
    schedule: { cron: '* * * * *', payload: {} },
    // A failed tick is not retried: the next minute's does the same work.
    maxAttempts: 1,
    handler: async (deps, _payload, ctx) => {
      const r = await tick(deps);
      if (r.periodic || r.daily) ctx.log('tlog checkpoint', { size: (r.daily ?? r.periodic)!.size, daily: r.daily?.sealDay ?? null });
    },
  }),
};
