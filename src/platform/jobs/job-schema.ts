import { runMigrations } from 'graphile-worker';
import { poolOf, type Database } from '../db/database.ts';
import { graphileLogger, silentJobLog } from './job-logger.ts';

/**
 * Installs or upgrades graphile-worker's own schema (`graphile_worker`, versioned by the library). Runs from
 * migrate(), i.e. as the role that owns the schema, before our numbered migrations (0006 moves the old
 * queue's waiting jobs into it). Serving roles then only need usage/DML grants on it.
 */
export async function installJobSchema(db: Database): Promise<void> {
  await runMigrations({ pgPool: poolOf(db), logger: graphileLogger(silentJobLog) });
}
