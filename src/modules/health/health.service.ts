import { randomBytes } from 'node:crypto';
import { mkdir, open, unlink } from 'node:fs/promises';
import path from 'node:path';
import { pingDatabase } from './health.repository.ts';
import type { Deps } from '../../platform/deps.ts';

export interface Check {
  ok: boolean;
  ms: number;
  error?: string;
}

async function timed(fn: () => Promise<unknown>, timeoutMs = 3000): Promise<Check> {
  const t0 = Date.now();
  try {
    await Promise.race([fn(), new Promise((_, reject) => setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs).unref())]);
    return { ok: true, ms: Date.now() - t0 };
  } catch (e) {
    return { ok: false, ms: Date.now() - t0, error: e instanceof Error ? e.message : String(e) };
  }
}

/** Where failed checks are reported (the request's logger). */
export interface HealthLog {
  error(obj: object, msg: string): void;
}

/**
 * Database answers, and the data folder accepts a durable write (create, fsync, remove) — and, with the S3
 * store, the bucket answers. A failed check
 * is logged at error level (an outage is not routine), with its error text, which only the log and
 * administrators see.
 */
export async function health({ db, config, storage: store }: Deps, log?: HealthLog) {
  const [database, storage] = await Promise.all([
    timed(() => pingDatabase(db)),
    timed(async () => {
      const dir = path.join(config.dataDir, 'tmp');
      await mkdir(dir, { recursive: true });
      const f = path.join(dir, `.health-${randomBytes(6).toString('hex')}`);
      const fh = await open(f, 'wx');
      try {
        await fh.write('ok');
        await fh.sync();
      } finally {
        await fh.close();
        await unlink(f);
      }
      // With the S3 store, the bucket must answer too (a versions listing of an absent key: cheap, needs the credentials).
      if (store.kind === 's3') await store.exists('0'.repeat(64));
    }),
  ]);
  if (!database.ok) log?.error({ check: 'database', error: database.error, ms: database.ms }, 'health check failed: database unavailable');
  if (!storage.ok) log?.error({ check: 'storage', error: storage.error, ms: storage.ms }, 'health check failed: storage unavailable');
  return { status: database.ok && storage.ok ? ('ok' as const) : ('unavailable' as const), checks: { database, storage } };
}
