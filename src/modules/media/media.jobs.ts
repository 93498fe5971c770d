import { z } from 'zod';
import { defineJob } from '../../platform/jobs/catalog.ts';
import { processMedia } from './media.service.ts';

declare module '../../platform/jobs/catalog.ts' {
  interface JobPayloads {
    /** ffprobe facts, browser proxy, thumbnail and EXIF of one original (dedupe key `media.process:<sha256>`). */
    'media.process': { sha256: string };
  }
}

export const mediaJobs = {
  'media.process': defineJob('media.process', {
    payload: z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/) }),
    handler: async (deps, { sha256 }) => {
      await processMedia(deps, sha256);
    },
  }),
};
