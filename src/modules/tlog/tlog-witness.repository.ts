import type { DbOrTx, Tx } from '../../platform/db/database.ts';
import { checkpointColumns, toCheckpoint, type CheckpointRow } from './tlog.repository.ts';

/** SQL of witnesses, cosignatures and time-stamp tokens (0021). */

export interface WitnessRow {
  id: string;
  name: string;
  vkey: string;
  keyId: Buffer;
  publicKey: Buffer;
  addedAt: Date;
}

const witnessColumns = ['id', 'name', 'vkey', 'key_id', 'public_key', 'added_at'] as const;
const toWitness = (r: { id: string; name: string; vkey: string; key_id: Buffer; public_key: Buffer; added_at: Date }): WitnessRow => ({
  id: r.id,
  name: r.name,
  vkey: r.vkey,
  keyId: r.key_id,
  publicKey: r.public_key,
  addedAt: r.added_at,
});

/** Inserts a witness; undefined when its key or its name + key ID is already registered. */
export async function insertWitness(trx: Tx, w: { name: string; vkey: string; keyId: Buffer; publicKey: Buffer; addedBy: string }): Promise<WitnessRow | undefined> {
  const r = await trx
    .insertInto('tlog_witness')
    .values({ name: w.name, vkey: w.vkey, key_id: w.keyId, public_key: w.publicKey, added_by: w.addedBy })
    .onConflict((oc) => oc.doNothing())
    .returning(witnessColumns)
    .executeTakeFirst();
  return r && toWitness(r);
}

export async function listWitnesses(db: DbOrTx): Promise<WitnessRow[]> {
  return (await db.selectFrom('tlog_witness').select(witnessColumns).orderBy('id').execute()).map(toWitness);
}

export async function witnessByKey(db: DbOrTx, name: string, keyId: Buffer): Promise<WitnessRow | undefined> {
  const r = await db.selectFrom('tlog_witness').select(witnessColumns).where('name', '=', name).where('key_id', '=', keyId).executeTakeFirst();
  return r && toWitness(r);
}

/** The checkpoints signed over a tree (size, root): equal trees give equal note texts. */
export async function checkpointsOf(db: DbOrTx, size: number, root: Buffer): Promise<CheckpointRow[]> {
  const rows = await db
    .selectFrom('tlog_checkpoint')
    .select(checkpointColumns)
    .where('size', '=', String(size))
    .where('root', '=', root)
    .orderBy('id')
    .execute();
  return rows.map(toCheckpoint);
}

export interface CosignatureRow {
  witnessId: string;
  witnessName: string;
  vkey: string;
  publicKey: Buffer;
  size: number;
  root: Buffer;
  cosignedAt: Date;
  line: string;
  receivedAt: Date;
}

/** Inserts a cosignature; false when that witness already cosigned that tree. */
export async function insertCosignature(trx: Tx, c: { witnessId: string; size: number; root: Buffer; cosignedAt: Date; line: string }): Promise<boolean> {
  const r = await trx
    .insertInto('tlog_cosignature')
    .values({ witness_id: c.witnessId, size: String(c.size), root: c.root, cosigned_at: c.cosignedAt, line: c.line })
    .onConflict((oc) => oc.columns(['witness_id', 'size', 'root']).doNothing())
    .returning('id')
    .executeTakeFirst();
  return !!r;
}

/** The cosignatures of the given tree sizes, oldest first. */
export async function cosignaturesOfSizes(db: DbOrTx, sizes: number[]): Promise<CosignatureRow[]> {
  if (!sizes.length) return [];
  const rows = await db
    .selectFrom('tlog_cosignature as c')
    .innerJoin('tlog_witness as w', 'w.id', 'c.witness_id')
    .select(['c.witness_id', 'w.name', 'w.vkey', 'w.public_key', 'c.size', 'c.root', 'c.cosigned_at', 'c.line', 'c.received_at'])
    .where('c.size', 'in', sizes.map(String))
    .orderBy('c.id')
    .execute();
  return rows.map((r) => ({
    witnessId: r.witness_id,
    witnessName: r.name,
    vkey: r.vkey,
    publicKey: r.public_key,
    size: Number(r.size),
    root: r.root,
    cosignedAt: r.cosigned_at,
    line: r.line,
    receivedAt: r.received_at,
  }));
}

/** The largest cosigned tree of at least `minSize` leaves, or undefined. */
export async function largestCosignedSize(db: DbOrTx, minSize: number): Promise<number | undefined> {
  const r = await db
    .selectFrom('tlog_cosignature as c')
    .innerJoin('tlog_checkpoint as k', (j) => j.onRef('k.size', '=', 'c.size').onRef('k.root', '=', 'c.root'))
    .select((eb) => eb.fn.max('c.size').as('size'))
    .where('c.size', '>=', String(minSize))
    .executeTakeFirst();
  return r?.size == null ? undefined : Number(r.size);
}

export interface TimestampRow {
  checkpointId: string;
  tsaUrl: string;
  tsaName: string;
  tsaCertPem: string;
  genTime: Date;
  response: Buffer;
}

export async function insertTimestamp(trx: Tx, t: TimestampRow): Promise<void> {
  await trx
    .insertInto('tlog_timestamp')
    .values({ checkpoint_id: t.checkpointId, tsa_url: t.tsaUrl, tsa_name: t.tsaName, tsa_cert_pem: t.tsaCertPem, gen_time: t.genTime, response: t.response })
    .execute();
}

export async function timestampsOf(db: DbOrTx, checkpointIds: string[]): Promise<TimestampRow[]> {
  if (!checkpointIds.length) return [];
  const rows = await db
    .selectFrom('tlog_timestamp')
    .select(['checkpoint_id', 'tsa_url', 'tsa_name', 'tsa_cert_pem', 'gen_time', 'response'])
    .where('checkpoint_id', 'in', checkpointIds)
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ checkpointId: r.checkpoint_id, tsaUrl: r.tsa_url, tsaName: r.tsa_name, tsaCertPem: r.tsa_cert_pem, genTime: r.gen_time, response: r.response }));
}

/** The newest checkpoints without a time-stamp token (to be stamped, or stamped again after a TSA outage). */
export async function unstampedCheckpoints(db: DbOrTx, limit: number): Promise<CheckpointRow[]> {
  const rows = await db
    .selectFrom('tlog_checkpoint')
    .select(checkpointColumns)
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('tlog_timestamp as t').select('t.id').whereRef('t.checkpoint_id', '=', 'tlog_checkpoint.id'))))
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map(toCheckpoint);
}

/** The checkpoint of the largest tree of at least `minSize` (the latest signed among equals). */
export async function checkpointAtLeast(db: DbOrTx, minSize: number, exactSize?: number): Promise<CheckpointRow | undefined> {
  let q = db.selectFrom('tlog_checkpoint').select(checkpointColumns).where('size', '>=', String(minSize));
  if (exactSize !== undefined) q = q.where('size', '=', String(exactSize));
  const r = await q.orderBy('size', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
  return r && toCheckpoint(r);
}
