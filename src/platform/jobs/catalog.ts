import type { z } from 'zod';
import type { Deps } from '../deps.ts';

/**
 * Job name -> payload type. Empty here: each module adds its own jobs by declaration merging in its
 * `<feature>.jobs.ts` (`declare module '../../platform/jobs/catalog.ts' { interface JobPayloads { … } }`),
 * so the platform knows no feature, and enqueueJob() and the composition root are still type-checked.
 */
export interface JobPayloads {}

export type JobName = keyof JobPayloads & string;

/** What a handler receives beside its payload. */
export interface JobContext {
  /** graphile-worker's job id (also shown on the jobs page). */
  jobId: string;
  /** 1 on the first run, 2 on the first retry, … */
  attempt: number;
  /**
   * Aborts when the runner shuts down or when this worker lost its lease (its lock connection died, so
   * another worker may take the job): long handlers should stop early.
   */
  signal: AbortSignal;
  log(msg: string, extra?: object): void;
}

/** A periodic run: a 5-field cron expression in UTC, and the payload each run gets. */
export interface JobSchedule<P> {
  cron: string;
  payload: P;
}

export interface JobDefinition<K extends JobName = JobName> {
  name: K;
  /** Parses the stored payload before the handler sees it; a payload that does not parse fails the job. */
  payload: z.ZodType<JobPayloads[K]>;
  // Method syntax: a catalog of specific jobs is then usable where any job definition is expected.
  handler(deps: Deps, payload: JobPayloads[K], ctx: JobContext): Promise<void>;
  /** Attempts before the job stays failed (default 5). Retries back off exponentially. */
  maxAttempts?: number;
  schedule?: JobSchedule<JobPayloads[K]>;
}

/** Every job name declared in JobPayloads with its definition: a name without one is a type error. */
export type JobCatalog = { [K in JobName]: JobDefinition<K> };

/** Declares one job (the name is repeated so the payload type follows from it). */
export function defineJob<K extends JobName>(name: K, def: Omit<JobDefinition<K>, 'name'>): JobDefinition<K> {
  return { name, ...def };
}

/** Default attempts of a job (the first run and four retries). */
export const DEFAULT_MAX_ATTEMPTS = 5;

/**
 * Start-up check of a catalog: every entry has a handler and a payload schema under its own name, and every
 * schedule parses. Throws naming the first fault (start-up fails instead of jobs waiting forever).
 */
export function assertCatalog(catalog: Partial<Record<string, JobDefinition>>): JobDefinition[] {
  const defs: JobDefinition[] = [];
  for (const [name, def] of Object.entries(catalog)) {
    if (!def || typeof def.handler !== 'function') throw new Error(`Job ${name} has no handler`);
    if (def.name !== name) throw new Error(`Job ${name} is registered under the name ${def.name}`);
    if (!def.payload || typeof def.payload.safeParse !== 'function') throw new Error(`Job ${name} has no payload schema`);
    defs.push(def);
  }
  return defs;
}
