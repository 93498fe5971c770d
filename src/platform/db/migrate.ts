import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import type { Database } from './database.ts';
import { installJobSchema } from '../jobs/job-schema.ts';
import { grantAppPrivileges } from './app-privileges.ts';

const migrationsDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');
/** Advisory lock key so that two processes starting at once do not both migrate. */
const MIGRATION_LOCK = 7_100_451_001;

/**
 * Applies the ordered `migrations/NNNN_name.sql` files that have not run yet, each in its own
 * transaction. A migration file that changed after it was applied stops start-up: history is not
 * rewritten silently.
 *
 * Run as the owner role with `appRole` (the serving role's name), it then grants that role what
 * APP_TABLE_PRIVILEGES says, under the same lock. Run as a serving role that cannot create tables, it
 * only checks: nothing may be pending (the owner migrates; DATABASE_OWNER_URL).
 */
export async function migrate(db: Database, opts: { appRole?: string } = {}): Promise<string[]> {
  const files = (await readdir(migrationsDir)).filter((f) => /^\d{4}_.+\.sql$/.test(f)).sort();
  return db.connection().execute(async (conn) => {
    await sql`SELECT pg_advisory_lock(${MIGRATION_LOCK})`.execute(conn);
    try {
      const { exists, mayCreate, role } = (
        await sql<{ exists: boolean; mayCreate: boolean; role: string }>`
          SELECT to_regclass('public.schema_migration') IS NOT NULL AS exists,
                 has_schema_privilege('public', 'CREATE') AS "mayCreate", current_user AS role`.execute(conn)
      ).rows[0]!;
      const applied = new Map(
        exists ? (await conn.selectFrom('schema_migration').select(['name', 'checksum']).execute()).map((r) => [r.name, r.checksum]) : [],
      );
      const pending = files.filter((f) => !applied.has(f));
      if (pending.length && !mayCreate) {
        throw new Error(
          `${pending.length} database migration(s) pending (${pending.join(', ')}) and the role "${role}" may not apply them: set DATABASE_OWNER_URL to the owner role (README) / ` +
            `有 ${pending.length} 个数据库迁移待执行，角色 "${role}" 无权执行：请将 DATABASE_OWNER_URL 设为所有者角色（见 README）`,
        );
      }
      // Not CREATE … IF NOT EXISTS: PostgreSQL checks a serving role's privilege to create before the existence.
      if (!exists) {
        await sql`CREATE TABLE schema_migration (
          name text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`.execute(conn);
      }
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
      if (opts.appRole && opts.appRole !== role) {
        await conn.transaction().execute((trx) => grantAppPrivileges(trx, opts.appRole!));
      }
      return done;
    } finally {
      await sql`SELECT pg_advisory_unlock(${MIGRATION_LOCK})`.execute(conn);
    }
  });
}
