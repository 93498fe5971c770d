import { z } from 'zod';
import { defineJob } from '../../platform/jobs/catalog.ts';
import { tick } from './tlog.service.ts';
import { stampPending } from './tlog-witness.service.ts';

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
      // RFC 3161 stamps (issue 13 §4) of new checkpoints, and of those a TSA outage left unstamped.
      const s = await stampPending(deps);
      if (s.error) ctx.log('tlog: the time-stamping authority failed; checkpoints stay unstamped until a later tick', { error: s.error, stamped: s.stamped });
    },
  }),
};
