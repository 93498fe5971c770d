import { z } from 'zod';
import { defineJob } from '../../platform/jobs/catalog.ts';
import { buildSet } from './media-build.ts';

declare module '../../platform/jobs/catalog.ts' {
  interface JobPayloads {
    /** 第十二条: write a disc / removable-media set's volumes (ISO or folder) and read them back. */
    'media.build': { setId: string };
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
};
