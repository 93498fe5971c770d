import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { z } from 'zod';
import type { Database, DbOrTx } from '../../src/platform/db/database.ts';
import type { Deps } from '../../src/platform/deps.ts';
import type { JobContext, JobDefinition, JobName } from '../../src/platform/jobs/catalog.ts';
import { enqueueJob, type EnqueueOptions } from '../../src/platform/jobs/queue.ts';

/**
 * Jobs for the job tests. Not declared in JobPayloads (that would add them to the application's catalog
 * type), hence the casts. Each run leaves rows in job_effect: 'start' when the handler begins, 'end' when
 * it finishes — the side effects the tests count.
 */
export const testJobs = {
  'test.effect': {
    name: 'test.effect',
    payload: z.object({ tag: z.string(), ms: z.number().int().min(0).default(0) }),
    handler: async (deps: Deps, payload: { tag: string; ms: number }, ctx: JobContext) => {
      await effect(deps.db, ctx.jobId, payload.tag, 'start');
      // The job's "work" (a transcode stand-in): it lasts this long, whatever the lease timings are.
      if (payload.ms) await sleep(payload.ms);
      await effect(deps.db, ctx.jobId, payload.tag, 'end');
    },
  },
  'test.fail': {
    name: 'test.fail',
    payload: z.object({ tag: z.string() }),
    handler: async (deps: Deps, payload: { tag: string }, ctx: JobContext) => {
      await effect(deps.db, ctx.jobId, payload.tag, 'start');
      throw new Error(`disk on fire (${payload.tag}, attempt ${ctx.attempt})`);
    },
  },
} as unknown as Record<string, JobDefinition>;

async function effect(db: Database, jobId: string, tag: string, event: 'start' | 'end') {
  await sql`INSERT INTO job_effect (job_id, tag, event, pid) VALUES (${jobId}, ${tag}, ${event}, ${process.pid})`.execute(db);
}

/** Made by the owner role (the serving role may not create tables); the serving role `db` may add and read rows. */
export async function createEffectTable(ownerDb: Database, db: Database) {
  await sql`CREATE TABLE IF NOT EXISTS job_effect (
    job_id text NOT NULL, tag text NOT NULL, event text NOT NULL, pid integer NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp())`.execute(ownerDb);
  const { role } = (await sql<{ role: string }>`SELECT current_user AS role`.execute(db)).rows[0]!;
  await sql`GRANT SELECT, INSERT ON job_effect TO ${sql.id(role)}`.execute(ownerDb);
}

export interface Effect {
  job_id: string;
  tag: string;
  event: 'start' | 'end';
  pid: number;
  at: Date;
}

export async function effects(db: Database, tag: string): Promise<Effect[]> {
  return (await sql<Effect>`SELECT * FROM job_effect WHERE tag = ${tag} ORDER BY at`.execute(db)).rows;
}

/** enqueueJob for the test jobs (their names are not in the application's typed catalog). */
export function enqueueTestJob(db: DbOrTx, kind: 'test.effect' | 'test.fail', payload: object, opts?: EnqueueOptions) {
  return enqueueJob(db, kind as JobName, payload as never, opts);
}
