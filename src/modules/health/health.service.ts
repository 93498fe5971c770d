import { randomBytes } from 'node:crypto';
import { mkdir, open, unlink } from 'node:fs/promises';
import path from 'node:path';
import { sql } from 'kysely';
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

/** Database answers, and the data folder accepts a durable write (create, fsync, remove). */
export async function health({ db, config }: Deps) {
  const [database, storage] = await Promise.all([
    timed(() => sql`SELECT 1`.execute(db)),
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
    }),
  ]);
  return { status: database.ok && storage.ok ? ('ok' as const) : ('unavailable' as const), checks: { database, storage } };
}
