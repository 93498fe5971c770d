import { z } from 'zod';
import { defineJob } from '../../platform/jobs/catalog.ts';
import { buildPackage } from './evidence-packages.service.ts';

declare module '../../platform/jobs/catalog.ts' {
  interface JobPayloads {
    /** Builds an asked-for evidence package (its row exists already and shows the progress). */
    'evidence-package.build': { packageId: string };
  }
}

export const evidencePackageJobs = {
  'evidence-package.build': defineJob('evidence-package.build', {
    payload: z.object({ packageId: z.uuid() }),
    // A failed build is recorded on the package (state failed, with the reason); the person asks again.
    maxAttempts: 1,
    handler: async (deps, payload, ctx) => {
      await buildPackage(deps, payload.packageId, { signal: ctx.signal });
    },
  }),
};
