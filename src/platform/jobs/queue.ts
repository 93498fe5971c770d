import { hostname } from 'node:os';
import { sql } from 'kysely';
import type { DbOrTx } from '../db/database.ts';
import type { Deps } from '../deps.ts';

/** A job's handler. Throwing makes the job retry with back-off until max attempts. */
export type JobHandler = (deps: Deps, payload: Record<string, unknown>) => Promise<void>;

export interface JobDefinition {
  handler: JobHandler;
}

export type JobCatalog = Record<string, JobDefinition>;

/**
 * Queues a job. With a `dedupeKey` (predictable, e.g. `media.probe:<sha256>`) a repeated request is a
 * duplicate and queues nothing. Returns the job id, or undefined for a duplicate.
 */
export async function enqueueJob(
  db: DbOrTx,
  kind: string,
  payload: Record<string, unknown> = {},
  opts: { dedupeKey?: string; runAt?: Date; maxAttempts?: number } = {},
): Promise<string | undefined> {
  const row = await db
    .insertInto('job')
    .values({
      kind,
      payload: JSON.stringify(payload),
      dedupe_key: opts.dedupeKey ?? null,
      run_at: opts.runAt ?? new Date(),
      ...(opts.maxAttempts && { max_attempts: opts.maxAttempts }),
    })
    .onConflict((oc) => oc.column('dedupe_key').doNothing())
    .returning('id')
    .executeTakeFirst();
  return row?.id;
}

/** Exponential back-off: 5 s, 20 s, 80 s, … capped at one hour. */
export function backoffSeconds(attempt: number): number {
  return Math.min(3600, 5 * 4 ** Math.max(0, attempt - 1));
}

/** Jobs left 'running' by a worker that died are given back to the queue after this long. */
const STALE_AFTER_MS = 15 * 60_000;

export interface Worker {
  stop(): Promise<void>;
  /** Runs queued jobs until none is ready (for tests and the CLI). */
  drain(): Promise<number>;
}

/**
 * Starts a worker that claims ready jobs with `FOR UPDATE SKIP LOCKED` (several workers on several
 * nodes never take the same job). Every kind in the catalog must have a handler; an unknown kind
 * found in the queue fails that job with a clear error instead of being skipped forever.
 */
export function startWorker(deps: Deps, catalog: JobCatalog, opts: { pollMs?: number; background?: boolean; log?: (msg: string, extra?: object) => void } = {}): Worker {
  for (const [kind, def] of Object.entries(catalog)) {
    if (typeof def?.handler !== 'function') throw new Error(`Job kind ${kind} has no handler`);
  }
  const { db } = deps;
  const workerId = `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`;
  const log = opts.log ?? (() => undefined);
  let stopping = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();

  async function runOne(): Promise<boolean> {
    await sql`UPDATE job SET state = 'queued', locked_by = NULL, updated_at = now()
              WHERE state = 'running' AND locked_at < ${new Date(Date.now() - STALE_AFTER_MS)}`.execute(db);
    const r = await sql<{ id: string; kind: string; payload: Record<string, unknown>; attempts: number; max_attempts: number }>`
      UPDATE job SET state = 'running', locked_by = ${workerId}, locked_at = now(), attempts = attempts + 1, updated_at = now()
      WHERE id = (SELECT id FROM job WHERE state = 'queued' AND run_at <= now() ORDER BY run_at FOR UPDATE SKIP LOCKED LIMIT 1)
      RETURNING id, kind, payload, attempts, max_attempts`.execute(db);
    const job = r.rows[0];
    if (!job) return false;
    const def = catalog[job.kind];
    try {
      if (!def) throw new Error(`No handler for job kind ${job.kind}`);
      await def.handler(deps, job.payload);
      await db.updateTable('job').set({ state: 'done', finished_at: new Date(), updated_at: new Date(), last_error: null }).where('id', '=', job.id).execute();
      log('job done', { id: job.id, kind: job.kind });
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      const final = !def || job.attempts >= job.max_attempts;
      await db
        .updateTable('job')
        .set({
          state: final ? 'failed' : 'queued',
          last_error: message.slice(0, 2000),
          run_at: new Date(Date.now() + backoffSeconds(job.attempts) * 1000),
          updated_at: new Date(),
          locked_by: null,
          ...(final && { finished_at: new Date() }),
        })
        .where('id', '=', job.id)
        .execute();
      log(final ? 'job failed' : 'job will retry', { id: job.id, kind: job.kind, error: message });
    }
    return true;
  }

  async function drain(): Promise<number> {
    let n = 0;
    while (!stopping && (await runOne())) n++;
    return n;
  }

  const tick = () => {
    if (stopping) return;
    running = drain()
      .catch((e) => log('worker error', { error: String(e) }))
      .finally(() => {
        if (!stopping) timer = setTimeout(tick, opts.pollMs ?? 1000);
      });
  };
  // background: false gives a worker that runs only when drained (tests, one-shot CLI commands).
  if (opts.background !== false) timer = setTimeout(tick, 10);

  return {
    drain,
    async stop() {
      stopping = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
