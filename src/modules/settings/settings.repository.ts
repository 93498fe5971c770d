import type { DbOrTx } from '../../platform/db/database.ts';

/** Every stored setting (keys never set are absent: their default applies). */
export function listSettings(db: DbOrTx) {
  return db.selectFrom('setting').selectAll().execute();
}

/** One stored setting's value, or undefined when never set. */
export function findSettingValue(db: DbOrTx, key: string) {
  return db.selectFrom('setting').select('value').where('key', '=', key).executeTakeFirst();
}

/** Stores a setting's value (JSON), creating or replacing it. */
export async function upsertSetting(db: DbOrTx, s: { key: string; value: unknown; updatedBy: string }) {
  const value = JSON.stringify(s.value);
  await db
    .insertInto('setting')
    .values({ key: s.key, value, updated_by: s.updatedBy })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value, updated_by: s.updatedBy, updated_at: new Date() }))
    .execute();
}
