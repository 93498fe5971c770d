import { z } from 'zod';
import { SYSTEM_ACTOR } from '../../platform/auth/auth-user.ts';
import { defineJob } from '../../platform/jobs/catalog.ts';
import { runScheduledRound } from './check-rounds.service.ts';
import { buildSet } from './media-build.ts';

declare module '../../platform/jobs/catalog.ts' {
  interface JobPayloads {
    /** 第十二条: write a disc / removable-media set's volumes (ISO or folder) and read them back. */
    'media.build': { setId: string };
    /**
     * Daily (03:00 Beijing): records overdue checks as alerts and, once the configured interval (系统设置) has
     * passed since the last round, opens a check round of the physical media (档案法实施条例 art. 41).
     */
    'media.checkRound': Record<string, never>;
  }
}

export const mediaSetJobs = {
  'media.build': defineJob('media.build', {
    payload: z.object({ setId: z.uuid() }),
    maxAttempts: 3,
    handler: async (deps, payload, ctx) => {
      const r = await buildSet(deps, payload.setId, ctx.signal);
      ctx.log('media set build', { setId: payload.setId, result: r });
    },
  }),
  'media.checkRound': defineJob('media.checkRound', {
    payload: z.object({}).strict() as z.ZodType<Record<string, never>>,
    schedule: { cron: '0 19 * * *', payload: {} },
    handler: async (deps, _p, ctx) => {
      const r = await runScheduledRound(deps, SYSTEM_ACTOR, 'job:media.checkRound');
      ctx.log('media check round', r);
    },
  }),
};
