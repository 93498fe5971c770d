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

const tableOf = { recording: 'recording', person: 'person', department: 'department' } as const;

/** Which of `ids` exist in the entity's table and satisfy `condition` (written over alias `x`). */
export async function idsWhere(db: DbOrTx, entity: keyof typeof tableOf, ids: readonly string[], condition: RawBuilder<SqlBool>): Promise<Set<string>> {
  if (!ids.length) return new Set();
  const r = await sql<{ id: string }>`SELECT x.id FROM ${sql.table(tableOf[entity])} x WHERE x.id = ANY(${uuids(ids)}) AND ${condition}`.execute(db);
  return new Set(r.rows.map((x) => x.id));
}
