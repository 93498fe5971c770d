import { sql } from 'kysely';
import type { DbOrTx } from '../../platform/db/database.ts';

/** Advisory-lock namespace of object keys (writer: shared, sweep: exclusive); second key: hashtext(sha256). */
const OBJECT_KEY_LOCK = 28_0001;

/** Takes the key's lock for the rest of the transaction: shared by writers, exclusive for the sweep. */
export async function lockObjectKey(trx: DbOrTx, sha256: string, mode: 'shared' | 'exclusive'): Promise<void> {
  if (mode === 'shared') await sql`SELECT pg_advisory_xact_lock_shared(${OBJECT_KEY_LOCK}::int, hashtext(${sha256}))`.execute(trx);
  else await sql`SELECT pg_advisory_xact_lock(${OBJECT_KEY_LOCK}::int, hashtext(${sha256}))`.execute(trx);
}

export async function insertIntent(db: DbOrTx, i: { sha256: string; purpose: 'case_document' | 'case_file_build'; by: string | null }): Promise<string> {
  const r = await db.insertInto('object_intent').values({ sha256: i.sha256, purpose: i.purpose, created_by: i.by }).returning('id').executeTakeFirstOrThrow();
  return r.id;
}

export async function deleteIntent(db: DbOrTx, id: string): Promise<void> {
  await db.deleteFrom('object_intent').where('id', '=', id).execute();
}

/** Keys with an unresolved intent older than `before` (at most `limit`), oldest first. */
export async function staleKeys(db: DbOrTx, before: Date, limit: number): Promise<string[]> {
  const r = await sql<{ sha256: string }>`SELECT sha256 FROM object_intent WHERE kept_at IS NULL AND created_at < ${before}
    GROUP BY sha256 ORDER BY min(created_at) LIMIT ${limit}`.execute(db);
  return r.rows.map((x) => x.sha256);
}

/** The unresolved intents of a key, locked. */
export async function intentsOf(db: DbOrTx, sha256: string) {
  return db.selectFrom('object_intent').select(['id', 'purpose', 'created_at', 'created_by']).where('sha256', '=', sha256).where('kept_at', 'is', null).orderBy('created_at').forUpdate().execute();
}

/** Whether any row names the key as a stored object (an original or a derived file). */
export async function isReferenced(db: DbOrTx, sha256: string): Promise<boolean> {
  const r = await sql<{ x: boolean }>`SELECT EXISTS (SELECT 1 FROM original WHERE sha256 = ${sha256})
    OR EXISTS (SELECT 1 FROM derived_object WHERE sha256 = ${sha256}) AS x`.execute(db);
  return r.rows[0]!.x;
}

export async function deleteIntentsOf(db: DbOrTx, ids: string[]): Promise<void> {
  if (ids.length) await db.deleteFrom('object_intent').where('id', 'in', ids).execute();
}

export async function markKept(db: DbOrTx, ids: string[]): Promise<void> {
  if (ids.length) await db.updateTable('object_intent').set({ kept_at: sql<Date>`now()` }).where('id', 'in', ids).execute();
}
