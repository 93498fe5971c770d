import type { Config } from '../config/config.ts';
import { createDatabase, type Database } from './database.ts';
import { openEmbeddedPostgres } from './embedded-postgres.ts';
import { migrate } from './migrate.ts';

export interface OpenedDatabase {
  db: Database;
  /** 'external' (DATABASE_URL) or 'embedded' (in the data folder). */
  mode: 'external' | 'embedded';
  /** Migrations applied by this call. */
  applied: string[];
  /** Closes the pool and stops the embedded server if this process started it. */
  close(): Promise<void>;
}

/**
 * The database of this configuration: DATABASE_URL when set, else the data folder's embedded
 * PostgreSQL (created, started or joined). Migrations are applied before it is returned.
 * The server and the CLI both come through here, so with the same environment they reach the same data.
 */
export async function openDatabase(config: Config, log: (msg: string) => void = () => undefined): Promise<OpenedDatabase> {
  const embedded = config.databaseUrl ? undefined : await openEmbeddedPostgres(config.dataDir, log);
  const db = createDatabase(config.databaseUrl ?? embedded!.url);
  try {
    const applied = await migrate(db);
    return {
      db,
      mode: embedded ? 'embedded' : 'external',
      applied,
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
