import { z } from 'zod';
import { defineJob } from '../../platform/jobs/catalog.ts';
import { sweepCopies } from './copies.service.ts';
import { sweepPlayback } from './playback.service.ts';

declare module '../../platform/jobs/catalog.ts' {
  interface JobPayloads {
    /**
     * Writes out quiet seek bursts, ends idle viewing sessions (audited as timeouts), removes expired thumbnail
     * tickets and watermarked copies past their download window.
     */
    'playback.sweep': Record<string, never>;
  }
}

export const playbackJobs = {
  'playback.sweep': defineJob('playback.sweep', {
    payload: z.strictObject({}),
    schedule: { cron: '* * * * *', payload: {} }, // every minute
    handler: async (deps, _payload, ctx) => {
      const r = await sweepPlayback(deps);
      const copiesRemoved = await sweepCopies(deps.config);
      if (r.bursts || r.timedOut || copiesRemoved) ctx.log('playback sweep', { ...r, copiesRemoved });
    },
  }),
};
