import type { JobCatalog } from '../platform/jobs/catalog.ts';
import { authJobs } from '../modules/auth/auth.jobs.ts';
import { mediaJobs } from '../modules/media/media.jobs.ts';
import { uploadJobs } from '../modules/uploads/uploads.jobs.ts';
import { fixityJobs } from '../modules/fixity/fixity.jobs.ts';
import { playbackJobs } from '../modules/playback/playback.jobs.ts';
import { tlogJobs } from '../modules/tlog/tlog.jobs.ts';
import { mediaSetJobs } from '../modules/media-sets/media-sets.jobs.ts';
import { evidencePackageJobs } from '../modules/evidence-packages/evidence-packages.jobs.ts';
import { retentionJobs } from '../modules/retention/retention.jobs.ts';
import { jobHistoryJobs } from '../modules/jobs/jobs.jobs.ts';
import { caseFileJobs } from '../modules/case-files/case-files.jobs.ts';

/**
 * The job list (composition root): every module's jobs. `satisfies JobCatalog` makes a job name declared in
 * some `<feature>.jobs.ts` without a definition here a type error; the runner refuses to start on an
 * incomplete definition.
 */
export const jobCatalog = {
  ...authJobs,
  ...mediaJobs,
  ...uploadJobs,
  ...fixityJobs,
  ...playbackJobs,
  ...tlogJobs,
  ...mediaSetJobs,
  ...evidencePackageJobs,
  ...retentionJobs,
  ...jobHistoryJobs,
  ...caseFileJobs,
} satisfies JobCatalog;
