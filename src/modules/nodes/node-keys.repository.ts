import type { DbOrTx } from '../../platform/db/database.ts';

export type NodeKeyName = 'ed25519' | 'sm2' | 'party-id';

/** The recorded id of each installation key (0023). */
export async function recordedKeyIds(db: DbOrTx): Promise<Map<NodeKeyName, string>> {
  const rows = await db.selectFrom('installation_key').select(['name', 'key_id']).execute();
  return new Map(rows.map((r) => [r.name, r.key_id]));
}

/** Records the ids not recorded yet (the first node to start; two starting at once: the first insert wins). */
export async function recordMissingKeyIds(db: DbOrTx, ids: Record<NodeKeyName, string>): Promise<void> {
  await db
    .insertInto('installation_key')
    .values(Object.entries(ids).map(([name, key_id]) => ({ name: name as NodeKeyName, key_id })))
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
}

/** Replaces the recorded ids (a key rotation made new keys). */
export async function replaceKeyIds(db: DbOrTx, ids: Partial<Record<NodeKeyName, string>>): Promise<void> {
  for (const [name, keyId] of Object.entries(ids)) {
    await db
      .insertInto('installation_key')
      .values({ name: name as NodeKeyName, key_id: keyId })
      .onConflict((oc) => oc.column('name').doUpdateSet({ key_id: keyId, recorded_at: new Date() }))
      .execute();
  }
}
