import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { DbOrTx } from '../../platform/db/database.ts';

/**
 * What one principal reaches for one action, resolved to ids (no roles left). Built by the access
 * service; turned into SQL here so the detail check and the list filter are the same condition.
 */
export interface Reach {
  /** Every object. */
  all: boolean;
  /** Department subtree of a `department` scope (empty when the user has no department). */
  departmentIds: string[];
  /** `own`: uploaded by this user … */
  uploadedBy: string | null;
  /** … or naming this person (the user's linked person) as recording officer; for people, that person. */
  personId: string | null;
  /** `staff`: recordings naming a person of these departments as recording officer. */
  staffDepartmentIds: string[];
}

const uuids = (ids: readonly string[]) => sql`${ids}::uuid[]`;
const none = sql<SqlBool>`false`;

const anyOf = (conds: RawBuilder<SqlBool>[]) => (conds.length ? sql<SqlBool>`(${sql.join(conds, sql` OR `)})` : none);

/** The condition on a recording row (`alias`.id, department_id, uploaded_by). */
export function recordingCondition(reach: Reach, alias = 'r'): RawBuilder<SqlBool> {
  if (reach.all) return sql<SqlBool>`true`;
  const col = (c: string) => sql.ref(`${alias}.${c}`);
  const c: RawBuilder<SqlBool>[] = [];
  if (reach.departmentIds.length) c.push(sql<SqlBool>`${col('department_id')} = ANY(${uuids(reach.departmentIds)})`);
  if (reach.uploadedBy) c.push(sql<SqlBool>`${col('uploaded_by')} = ${reach.uploadedBy}`);
  if (reach.personId) {
    c.push(sql<SqlBool>`EXISTS (SELECT 1 FROM recording_officer ao WHERE ao.recording_id = ${col('id')} AND ao.person_id = ${reach.personId})`);
  }
  if (reach.staffDepartmentIds.length) {
    c.push(sql<SqlBool>`EXISTS (SELECT 1 FROM recording_officer ao JOIN person ap ON ap.id = ao.person_id
      WHERE ao.recording_id = ${col('id')} AND ap.department_id = ANY(${uuids(reach.staffDepartmentIds)}))`);
  }
  return anyOf(c);
}

/** The condition on a person row (`alias`.id, department_id). */
export function personCondition(reach: Reach, alias = 'p'): RawBuilder<SqlBool> {
  if (reach.all) return sql<SqlBool>`true`;
  const col = (c: string) => sql.ref(`${alias}.${c}`);
  const c: RawBuilder<SqlBool>[] = [];
  if (reach.departmentIds.length) c.push(sql<SqlBool>`${col('department_id')} = ANY(${uuids(reach.departmentIds)})`);
  if (reach.personId) c.push(sql<SqlBool>`${col('id')} = ${reach.personId}`);
  return anyOf(c);
}

/** The condition on a department row (`alias`.id). */
export function departmentCondition(reach: Reach, alias = 'd'): RawBuilder<SqlBool> {
  if (reach.all) return sql<SqlBool>`true`;
  return reach.departmentIds.length ? sql<SqlBool>`${sql.ref(`${alias}.id`)} = ANY(${uuids(reach.departmentIds)})` : none;
}

/** The condition on a device row (`alias`.department_id): devices follow their department. */
export function deviceCondition(reach: Reach, alias = 'dv'): RawBuilder<SqlBool> {
  if (reach.all) return sql<SqlBool>`true`;
  return reach.departmentIds.length ? sql<SqlBool>`${sql.ref(`${alias}.department_id`)} = ANY(${uuids(reach.departmentIds)})` : none;
}

/**
 * The condition on a case row (`alias`.id, department_id, created_by): the case's department subtree; `own`:
 * cases the user filed or whose person is a handling officer; `staff`: cases a person of those departments handles.
 */
export function caseCondition(reach: Reach, alias = 'c'): RawBuilder<SqlBool> {
  if (reach.all) return sql<SqlBool>`true`;
  const col = (c: string) => sql.ref(`${alias}.${c}`);
  const c: RawBuilder<SqlBool>[] = [];
  if (reach.departmentIds.length) c.push(sql<SqlBool>`${col('department_id')} = ANY(${uuids(reach.departmentIds)})`);
  if (reach.uploadedBy) c.push(sql<SqlBool>`${col('created_by')} = ${reach.uploadedBy}`);
  if (reach.personId) c.push(sql<SqlBool>`EXISTS (SELECT 1 FROM case_officer co WHERE co.case_id = ${col('id')} AND co.person_id = ${reach.personId})`);
  if (reach.staffDepartmentIds.length) {
    c.push(sql<SqlBool>`EXISTS (SELECT 1 FROM case_officer co JOIN person cp ON cp.id = co.person_id
      WHERE co.case_id = ${col('id')} AND cp.department_id = ANY(${uuids(reach.staffDepartmentIds)}))`);
  }
  return anyOf(c);
}

const tableOf = { recording: 'recording', person: 'person', department: 'department', device: 'device', case: 'enforcement_case' } as const;

/** Which of `ids` exist in the entity's table and satisfy `condition` (written over alias `x`). */
export async function idsWhere(db: DbOrTx, entity: keyof typeof tableOf, ids: readonly string[], condition: RawBuilder<SqlBool>): Promise<Set<string>> {
  if (!ids.length) return new Set();
  const r = await sql<{ id: string }>`SELECT x.id FROM ${sql.table(tableOf[entity])} x WHERE x.id = ANY(${uuids(ids)}) AND ${condition}`.execute(db);
  return new Set(r.rows.map((x) => x.id));
}

/**
 * The condition "a live grant of one of `modes` covers this recording for this user" (第十四条). Live means not
 * revoked and `valid_from <= now < valid_until`, with `now` the access clock (the database's now() unless a
 * test set one), so expiry is honoured to the instant and a revocation counts from its commit.
 */
export function grantCondition(userId: string, modes: readonly string[], now: RawBuilder<Date>, alias = 'r'): RawBuilder<SqlBool> {
  return sql<SqlBool>`EXISTS (SELECT 1 FROM access_grant_item gi JOIN access_grant g ON g.id = gi.grant_id
    WHERE gi.recording_id = ${sql.ref(`${alias}.id`)} AND g.grantee_id = ${userId} AND g.revoked_at IS NULL
      AND g.valid_from <= ${now} AND ${now} < g.valid_until AND g.mode = ANY(${modes}::text[]))`;
}

/**
 * The own-footage exception of the media policy: recordings the user uploaded, or names the user's person as
 * recording officer on, uploaded less than `hours` before `now`.
 */
export function ownRecentCondition(userId: string, personId: string | null, hours: number, now: RawBuilder<Date>, alias = 'r'): RawBuilder<SqlBool> {
  if (hours <= 0) return none;
  const col = (c: string) => sql.ref(`${alias}.${c}`);
  const mine = personId
    ? sql<SqlBool>`(${col('uploaded_by')} = ${userId} OR EXISTS (SELECT 1 FROM recording_officer ao WHERE ao.recording_id = ${col('id')} AND ao.person_id = ${personId}))`
    : sql<SqlBool>`${col('uploaded_by')} = ${userId}`;
  return sql<SqlBool>`(${mine} AND ${col('uploaded_at')} > ${now} - make_interval(hours => ${hours}) AND ${col('uploaded_at')} <= ${now})`;
}

/**
 * The own-footage exception with the policy table and the window read inside the statement itself (no lookups
 * before it): one of `roles` has `own_recent` in media_access_policy, and the recording is the user's, uploaded
 * less than `access.ownMediaHours` (`defaultHours` when unset) before `now`. Same rule as ownRecentCondition.
 */
export function ownRecentInlineCondition(userId: string, personId: string | null, roles: readonly string[], defaultHours: number, now: RawBuilder<Date>, alias = 'r'): RawBuilder<SqlBool> {
  if (!roles.length) return none;
  const col = (c: string) => sql.ref(`${alias}.${c}`);
  const hours = sql<number>`COALESCE((SELECT (st.value #>> '{}')::int FROM setting st WHERE st.key = 'access.ownMediaHours'), ${defaultHours}::int)`;
  const mine = personId
    ? sql<SqlBool>`(${col('uploaded_by')} = ${userId} OR EXISTS (SELECT 1 FROM recording_officer ao WHERE ao.recording_id = ${col('id')} AND ao.person_id = ${personId}))`
    : sql<SqlBool>`${col('uploaded_by')} = ${userId}`;
  return sql<SqlBool>`(EXISTS (SELECT 1 FROM media_access_policy mp WHERE mp.role = ANY(${roles}::text[]) AND mp.without_grant = 'own_recent')
    AND ${mine} AND ${col('uploaded_at')} > ${now} - make_interval(hours => ${hours}) AND ${col('uploaded_at')} <= ${now})`;
}

/** "One of these roles has `reach` in the media policy table", as SQL. */
export function reachPolicyCondition(roles: readonly string[]): RawBuilder<SqlBool> {
  if (!roles.length) return none;
  return sql<SqlBool>`EXISTS (SELECT 1 FROM media_access_policy mp WHERE mp.role = ANY(${roles}::text[]) AND mp.without_grant = 'reach')`;
}

/** What each of these roles sees of pictures and sound without a grant (the media policy table). */
export async function mediaPolicyOf(db: DbOrTx, roles: readonly string[]): Promise<Map<string, 'none' | 'own_recent' | 'reach'>> {
  if (!roles.length) return new Map();
  const rows = await db.selectFrom('media_access_policy').select(['role', 'without_grant']).where('role', 'in', roles).execute();
  return new Map(rows.map((r) => [r.role, r.without_grant]));
}

/** The database's clock. */
export async function databaseNow(db: DbOrTx): Promise<Date> {
  return (await sql<{ now: Date }>`SELECT now() AS now`.execute(db)).rows[0]!.now;
}

/** The live grant (latest ending first) of these modes that opens this recording to this user, if any. */
export async function liveGrant(db: DbOrTx, userId: string, modes: readonly string[], recordingId: string, now: RawBuilder<Date>) {
  return db
    .selectFrom('access_grant as g')
    .innerJoin('access_grant_item as gi', 'gi.grant_id', 'g.id')
    .select(['g.id', 'g.mode', 'g.valid_until', 'g.emergency'])
    .where('gi.recording_id', '=', recordingId)
    .where('g.grantee_id', '=', userId)
    .where('g.revoked_at', 'is', null)
    .where(sql<SqlBool>`g.valid_from <= ${now} AND ${now} < g.valid_until AND g.mode = ANY(${modes}::text[])`)
    .orderBy('g.valid_until', 'desc')
    .executeTakeFirst();
}
