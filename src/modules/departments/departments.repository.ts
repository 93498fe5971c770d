import { sql } from 'kysely';
import type { DbOrTx } from '../../platform/db/database.ts';
import type { DepartmentTable } from '../../platform/db/schema.ts';

export type DepartmentKind = DepartmentTable['kind'];

export function listDepartments(db: DbOrTx) {
  return db.selectFrom('department').selectAll().orderBy('name').execute();
}

export function findDepartment(db: DbOrTx, id: string) {
  return db.selectFrom('department').selectAll().where('id', '=', id).executeTakeFirst();
}

export function insertDepartment(db: DbOrTx, d: { name: string; code: string | null; kind: DepartmentKind; parentId: string | null }) {
  return db
    .insertInto('department')
    .values({ name: d.name, code: d.code, kind: d.kind, parent_id: d.parentId })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export function updateDepartment(
  db: DbOrTx,
  id: string,
  d: Partial<{ name: string; code: string | null; kind: DepartmentKind; parentId: string | null }>,
) {
  return db
    .updateTable('department')
    .set({
      ...(d.name !== undefined && { name: d.name }),
      ...(d.code !== undefined && { code: d.code }),
      ...(d.kind !== undefined && { kind: d.kind }),
      ...(d.parentId !== undefined && { parent_id: d.parentId }),
      updated_at: new Date(),
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** The department and every department below it. */
export async function subtreeIds(db: DbOrTx, rootId: string): Promise<string[]> {
  const r = await sql<{ id: string }>`
    WITH RECURSIVE t(id) AS (
      SELECT id FROM department WHERE id = ${rootId}
      UNION ALL
      SELECT d.id FROM department d JOIN t ON d.parent_id = t.id
    ) SELECT id FROM t`.execute(db);
  return r.rows.map((x) => x.id);
}
