import { sql } from 'kysely';
import type { DbOrTx } from '../../platform/db/database.ts';

/** A round trip to the database (the health check's "does it answer"). */
export async function pingDatabase(db: DbOrTx) {
  await sql`SELECT 1`.execute(db);
}
