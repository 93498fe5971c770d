import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import type { Database } from './database.ts';
import { installJobSchema } from '../jobs/job-schema.ts';

const migrationsDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');
/** Advisory lock key so that two processes starting at once do not both migrate. */
const MIGRATION_LOCK = 7_100_451_001;

/**
 * Applies the ordered `migrations/NNNN_name.sql` files that have not run yet, each in its own
 * transaction. A migration file that changed after it was applied stops start-up: history is not
 * rewritten silently.
 */
export async function migrate(db: Database): Promise<string[]> {
  const files = (await readdir(migrationsDir)).filter((f) => /^\d{4}_.+\.sql$/.test(f)).sort();
  return db.connection().execute(async (conn) => {
    await sql`SELECT pg_advisory_lock(${MIGRATION_LOCK})`.execute(conn);
    try {
      await sql`CREATE TABLE IF NOT EXISTS schema_migration (
        name text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`.execute(conn);
      const applied = new Map(
        (await conn.selectFrom('schema_migration').select(['name', 'checksum']).execute()).map((r) => [r.name, r.checksum]),
      );
      // The job library's schema first: our migrations may enqueue jobs (0006 moves the old queue into it).
      await installJobSchema(db);
      const done: string[] = [];
      for (const file of files) {
        const text = await readFile(path.join(migrationsDir, file), 'utf8');
        const checksum = createHash('sha256').update(text).digest('hex');
        const previous = applied.get(file);
        if (previous !== undefined) {
          if (previous !== checksum) throw new Error(`Migration ${file} was changed after it was applied`);
          continue;
        }
        await conn.transaction().execute(async (trx) => {
          await sql.raw(text).execute(trx);
          await trx.insertInto('schema_migration').values({ name: file, checksum }).execute();
        });
        done.push(file);
      }
      return done;
    } finally {
      await sql`SELECT pg_advisory_unlock(${MIGRATION_LOCK})`.execute(conn);
    }
  });
}
