import { purgeExpiredSessions } from '../../modules/auth/auth.service.ts';
import type { JobCatalog } from './queue.ts';
import { processMedia } from '../../modules/recordings/media.service.ts';
import { sweepUploads } from '../../modules/recordings/upload-sweep.service.ts';

/** Every job kind QuanLu runs, with its handler. Start-up fails if a kind has none. */
export const jobCatalog = {
  /** Removes sessions that expired more than a day ago. */
  'sessions.purge': {
    handler: async (deps) => {
      await purgeExpiredSessions(deps);
    },
  },
  /** ffprobe facts, browser proxy, thumbnail and EXIF for one original (dedupe key media.process:<sha256>). */
  'media.process': {
    handler: async (deps, payload) => {
      await processMedia(deps, String(payload.sha256));
    },
  },
  /** Finishes uploads whose bytes all arrived but were never finished; expires abandoned partial ones. */
  'uploads.sweep': {
    handler: async (deps) => {
      await sweepUploads(deps);
    },
  },
} satisfies JobCatalog;

export type JobKind = keyof typeof jobCatalog;
