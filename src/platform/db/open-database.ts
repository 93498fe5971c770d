import { sql } from 'kysely';
import type { Config } from '../config/config.ts';
import { redactUrl } from '../config/redact.ts';
import { privilegeWarning, rolePowers } from './app-privileges.ts';
import { createDatabase, type Database } from './database.ts';
import { openEmbeddedPostgres } from './embedded-postgres.ts';
import { migrate } from './migrate.ts';

export interface OpenedDatabase {
  db: Database;
  /** 'external' (DATABASE_URL) or 'embedded' (in the data folder). */
  mode: 'external' | 'embedded';
  /** Where the data is, for people: the embedded cluster's folder and port, or the external URL without its password. */
  location: string;
  /** Migrations applied by this call. */
  applied: string[];
  /**
   * Said when the role `db` serves as could do more than its grants (superuser, owner of tables, may
   * TRUNCATE or create): the write-once protections then hold against bugs, not against its credentials.
   */
  privilegeWarning?: string;
  /** Closes the pool and stops the embedded server if this process started it. */
  close(): Promise<void>;
}

/**
 * The database of this configuration: DATABASE_URL when set, else the data folder's embedded
 * PostgreSQL (created, started or joined). Migrations are applied before it is returned, as the owner
 * role (the embedded cluster's, or DATABASE_OWNER_URL), which then grants the serving role its
 * privileges; the returned handle serves as that role. Without DATABASE_OWNER_URL, DATABASE_URL's role
 * does both and `privilegeWarning` says what that costs.
 * The server and the CLI both come through here, so with the same environment they reach the same data.
 */
export async function openDatabase(
  config: Config,
  log: (msg: string, kind?: 'info' | 'postgres') => void = () => undefined,
): Promise<OpenedDatabase> {
  const embedded = config.databaseUrl ? undefined : await openEmbeddedPostgres(config.dataDir, log);
  const db = createDatabase(config.databaseUrl ?? embedded!.url);
  const ownerUrl = embedded ? embedded.ownerUrl : config.databaseOwnerUrl;
  const location = embedded
    ? `embedded PostgreSQL in ${embedded.clusterDir} (127.0.0.1:${embedded.port})`
    : `external PostgreSQL ${redactUrl(config.databaseUrl!)}`;
  try {
    let applied: string[];
    if (ownerUrl) {
      const appRole = (await sql<{ role: string }>`SELECT current_user AS role`.execute(db)).rows[0]!.role;
      const owner = createDatabase(ownerUrl, 2);
      try {
        applied = await migrate(owner, { appRole });
      } finally {
        await owner.destroy();
      }
    } else {
      applied = await migrate(db);
    }
    const warning = privilegeWarning(await rolePowers(db));
    return {
      db,
      mode: embedded ? 'embedded' : 'external',
      location,
      applied,
      ...(warning && { privilegeWarning: warning }),
      close: async () => {
        await db.destroy();
        await embedded?.stop();
      },
    };
  } catch (e) {
    await db.destroy();
    await embedded?.stop();
    throw e;
  }
}
