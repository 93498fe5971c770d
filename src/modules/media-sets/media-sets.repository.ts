import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { DbOrTx } from '../../platform/db/database.ts';
import type { MediaType } from './volume-plan.ts';

/**
 * Approved preservation marks (第十二条) with their recordings, for a new set: the given marks, or when none are
 * given every approved mark none of whose recordings is on a set yet that is not failed.
 */
export async function approvedMarkRecordings(db: DbOrTx, markIds: readonly string[] | null) {
  let q = db
    .selectFrom('preservation_mark as m')
    .innerJoin('preservation_mark_item as i', 'i.mark_id', 'm.id')
    .innerJoin('recording as r', 'r.id', 'i.recording_id')
    .innerJoin('original as o', 'o.sha256', 'r.original_sha256')
    .select(['m.id as mark_id', 'm.state', 'r.id', 'r.file_name', 'r.recorded_start', 'o.size_bytes'])
    .orderBy('r.recorded_start')
    .orderBy('r.id');
  if (markIds) q = q.where('m.id', 'in', markIds);
  else {
    q = q.where('m.state', '=', 'approved').where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('media_set_item as si')
            .innerJoin('media_set as s', 's.id', 'si.set_id')
            .select(sql`1`.as('one'))
            .whereRef('si.mark_id', '=', 'm.id')
            .where('s.state', '<>', 'failed'),
        ),
      ),
    );
  }
  return q.execute();
}

export function insertSet(db: DbOrTx, s: { label: string; mediaType: MediaType; volumeBytes: number; format: 'iso' | 'folder'; departmentId: string; createdBy: string; totalBytes: number }) {
  return db
    .insertInto('media_set')
    .values({ label: s.label, media_type: s.mediaType, volume_bytes: s.volumeBytes, format: s.format, department_id: s.departmentId, created_by: s.createdBy, total_bytes: s.totalBytes })
    .returning('id')
    .executeTakeFirstOrThrow()
    .then((r) => r.id);
}

export async function insertItems(db: DbOrTx, setId: string, items: { recordingId: string; markId: string; volumeNo: number; path: string; size: number }[]) {
  await db
    .insertInto('media_set_item')
    .values(items.map((i) => ({ set_id: setId, recording_id: i.recordingId, mark_id: i.markId, volume_no: i.volumeNo, path: i.path, size_bytes: i.size })))
    .execute();
}

export async function insertVolumes(db: DbOrTx, setId: string, labels: string[]) {
  await db
    .insertInto('media_volume')
    .values(labels.map((label, i) => ({ set_id: setId, volume_no: i + 1, volume_count: labels.length, label })))
    .execute();
}

/** A department's name (the set's page names the department it belongs to). */
export async function departmentName(db: DbOrTx, id: string): Promise<string> {
  return (await db.selectFrom('department').select('name').where('id', '=', id).executeTakeFirstOrThrow()).name;
}

export function findSet(db: DbOrTx, id: string) {
  return db.selectFrom('media_set').selectAll().where('id', '=', id).executeTakeFirst();
}
export type SetRow = NonNullable<Awaited<ReturnType<typeof findSet>>>;

/** Sets in departments `visible` (the access filter over department alias `d`) lets through, newest first. */
export function listSets(db: DbOrTx, visible: RawBuilder<SqlBool>) {
  return db
    .selectFrom('media_set as s')
    .innerJoin('department as d', 'd.id', 's.department_id')
    .selectAll('s')
    .select('d.name as department_name')
    .where(visible)
    .orderBy('s.created_at', 'desc')
    .orderBy('s.id')
    .limit(200)
    .execute();
}

export function volumesOf(db: DbOrTx, setIds: readonly string[]) {
  if (!setIds.length) return Promise.resolve([]);
  return db.selectFrom('media_volume').selectAll().where('set_id', 'in', setIds).orderBy('set_id').orderBy('volume_no').execute();
}

export function findVolume(db: DbOrTx, id: string) {
  return db
    .selectFrom('media_volume as v')
    .innerJoin('media_set as s', 's.id', 'v.set_id')
    .selectAll('v')
    .select(['s.department_id', 's.format', 's.state as set_state', 's.media_type', 's.label as set_label'])
    .where('v.id', '=', id)
    .executeTakeFirst();
}
export type VolumeRow = NonNullable<Awaited<ReturnType<typeof findVolume>>>;

/** What a set's volumes must hold: path, the digests recorded at ingest, and the recording's metadata. */
export function setContents(db: DbOrTx, setId: string) {
  return db
    .selectFrom('media_set_item as i')
    .innerJoin('recording as r', 'r.id', 'i.recording_id')
    .innerJoin('original as o', 'o.sha256', 'r.original_sha256')
    .innerJoin('department as d', 'd.id', 'r.department_id')
    .select([
      'i.volume_no',
      'i.path',
      'i.size_bytes',
      'r.id as recording_id',
      'r.file_name',
      'r.recorded_start',
      'r.recorded_end',
      'r.device_number',
      'r.activity',
      'r.case_number',
      'o.sha256',
      'o.sm3',
      'd.name as department_name',
    ])
    .where('i.set_id', '=', setId)
    .orderBy('i.volume_no')
    .orderBy('i.path')
    .execute();
}

export function officersOf(db: DbOrTx, recordingIds: readonly string[]) {
  if (!recordingIds.length) return Promise.resolve([]);
  return db
    .selectFrom('recording_officer as ro')
    .innerJoin('person as p', 'p.id', 'ro.person_id')
    .select(['ro.recording_id', 'p.name', 'p.staff_number'])
    .where('ro.recording_id', 'in', recordingIds)
    .orderBy('p.staff_number')
    .execute();
}

/** Every approved (or since released) mark covering these recordings, with its approver: the grounds. */
export function groundsOf(db: DbOrTx, recordingIds: readonly string[]) {
  if (!recordingIds.length) return Promise.resolve([]);
  return db
    .selectFrom('preservation_mark_item as i')
    .innerJoin('preservation_mark as m', 'm.id', 'i.mark_id')
    .leftJoin('app_user as u', 'u.id', 'm.decided_by')
    .select(['i.recording_id', 'm.id', 'm.ground', 'm.description', 'm.decided_at', 'u.username'])
    .where('i.recording_id', 'in', recordingIds)
    .where('m.state', 'in', ['approved', 'released'])
    .orderBy('m.decided_at')
    .execute();
}

export function updateSet(db: DbOrTx, id: string, s: { state?: 'building' | 'built' | 'failed'; phase?: string | null; doneBytes?: number; error?: string | null; built?: boolean }) {
  return db
    .updateTable('media_set')
    .set({
      ...(s.state && { state: s.state }),
      ...(s.phase !== undefined && { phase: s.phase }),
      ...(s.doneBytes !== undefined && { done_bytes: s.doneBytes }),
      ...(s.error !== undefined && { error: s.error }),
      ...(s.built && { built_at: sql<Date>`now()` }),
    })
    .where('id', '=', id)
    .execute();
}

export function updateVolume(
  db: DbOrTx,
  id: string,
  v: { imageName: string; imageBytes: number; imageSha256: string | null; manifestSha256: string; verifyOk: boolean; verifyDetail: string },
) {
  return db
    .updateTable('media_volume')
    .set({
      image_name: v.imageName,
      image_bytes: v.imageBytes,
      image_sha256: v.imageSha256,
      manifest_sha256: v.manifestSha256,
      verify_ok: v.verifyOk,
      verify_detail: v.verifyDetail,
      verified_at: sql<Date>`now()`,
    })
    .where('id', '=', id)
    .execute();
}

export function insertMedium(
  db: DbOrTx,
  m: { volumeId: string; label: string; mediaType: MediaType; maker: string; madeOn: string; storagePlace: string; registeredBy: string; months: number },
) {
  return db
    .insertInto('physical_medium')
    .values({
      volume_id: m.volumeId,
      label: m.label,
      media_type: m.mediaType,
      maker: m.maker,
      made_on: m.madeOn,
      storage_place: m.storagePlace,
      registered_by: m.registeredBy,
      next_check_due: sql<Date>`now() + make_interval(months => ${m.months})`,
    })
    .onConflict((oc) => oc.column('label').doNothing())
    .returning('id')
    .executeTakeFirst()
    .then((r) => r?.id);
}

const mediumColumns = [
  'pm.id',
  'pm.volume_id',
  'pm.label',
  'pm.media_type',
  'pm.maker',
  'pm.made_on',
  'pm.storage_place',
  'pm.registered_at',
  'pm.next_check_due',
  'pm.status',
  'pm.last_checked_at',
  'v.volume_no',
  'v.volume_count',
  'v.label as volume_label',
  's.id as set_id',
  's.department_id',
  'u.username as registered_by',
] as const;

/**
 * 0025: the medium was sampled by a scheduled check round whose due date has passed and has not been checked
 * since that round opened (an alert until a check is recorded).
 */
const OVERDUE = sql<boolean>`EXISTS (SELECT 1 FROM medium_check_round_item ri JOIN medium_check_round r ON r.id = ri.round_id
  WHERE ri.medium_id = pm.id AND r.due_at <= now()
    AND NOT EXISTS (SELECT 1 FROM medium_check c WHERE c.medium_id = pm.id AND c.checked_at >= r.opened_at))`;

function mediaQuery(db: DbOrTx) {
  return db
    .selectFrom('physical_medium as pm')
    .innerJoin('media_volume as v', 'v.id', 'pm.volume_id')
    .innerJoin('media_set as s', 's.id', 'v.set_id')
    .innerJoin('department as d', 'd.id', 's.department_id')
    .innerJoin('app_user as u', 'u.id', 'pm.registered_by')
    .select(mediumColumns)
    .select(OVERDUE.as('overdue'));
}

/** Media of visible departments (`visible` over department alias `d`); `alerting`: only missing / unreadable / mismatch / overdue. */
export function listMedia(db: DbOrTx, visible: RawBuilder<SqlBool>, o: { alerting?: boolean } = {}) {
  let q = mediaQuery(db).where(visible);
  if (o.alerting) q = q.where((eb) => eb.or([eb('pm.status', 'in', ['missing', 'unreadable', 'mismatch']), eb(OVERDUE, '=', true)]));
  return q.orderBy('pm.registered_at', 'desc').orderBy('pm.id').limit(1000).execute();
}

export function findMedium(db: DbOrTx, id: string) {
  return mediaQuery(db).where('pm.id', '=', id).executeTakeFirst();
}
export type MediumRow = NonNullable<Awaited<ReturnType<typeof findMedium>>>;

/**
 * A check round (档案法实施条例 art. 41; GB/T 18894 sample checks): every visible medium whose check is due, and
 * when those are fewer than `sampleCount`, the longest unchecked others until there are that many.
 */
export async function checkRound(db: DbOrTx, visible: RawBuilder<SqlBool>, sampleCount: number) {
  return mediaQuery(db)
    .where(visible)
    .where((eb) =>
      eb.or([
        eb('pm.next_check_due', '<=', sql<Date>`now()`),
        eb(
          'pm.id',
          'in',
          eb
            .selectFrom('physical_medium as x')
            .innerJoin('media_volume as xv', 'xv.id', 'x.volume_id')
            .innerJoin('media_set as xs', 'xs.id', 'xv.set_id')
            .innerJoin('department as d', 'd.id', 'xs.department_id')
            .select('x.id')
            .where(visible)
            .orderBy(sql`coalesce(x.last_checked_at, x.registered_at)`)
            .orderBy('x.id')
            .limit(sampleCount),
        ),
      ]),
    )
    .orderBy('pm.next_check_due')
    .orderBy('pm.id')
    .execute();
}

export async function countMedia(db: DbOrTx, visible: RawBuilder<SqlBool>): Promise<number> {
  const r = await db
    .selectFrom('physical_medium as pm')
    .innerJoin('media_volume as v', 'v.id', 'pm.volume_id')
    .innerJoin('media_set as s', 's.id', 'v.set_id')
    .innerJoin('department as d', 'd.id', 's.department_id')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where(visible)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

export async function insertCheck(db: DbOrTx, c: { mediumId: string; by: string; method: 'image' | 'reported'; result: 'ok' | 'unreadable' | 'missing' | 'mismatch'; detail: string | null; months: number }) {
  const row = await db
    .insertInto('medium_check')
    .values({ medium_id: c.mediumId, checked_by: c.by, method: c.method, result: c.result, detail: c.detail })
    .returning(['id', 'checked_at'])
    .executeTakeFirstOrThrow();
  await db
    .updateTable('physical_medium')
    .set({ status: c.result, last_checked_at: row.checked_at, next_check_due: sql<Date>`${row.checked_at}::timestamptz + make_interval(months => ${c.months})` })
    .where('id', '=', c.mediumId)
    .execute();
  return row.id;
}

export function checksOf(db: DbOrTx, mediumId: string) {
  return db
    .selectFrom('medium_check as c')
    .innerJoin('app_user as u', 'u.id', 'c.checked_by')
    .select(['c.id', 'c.checked_at', 'c.method', 'c.result', 'c.detail', 'u.username'])
    .where('c.medium_id', '=', mediumId)
    .orderBy('c.checked_at', 'desc')
    .orderBy('c.id')
    .execute();
}
