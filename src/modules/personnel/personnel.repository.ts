import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { DbOrTx } from '../../platform/db/database.ts';

export interface PersonFields {
  name: string;
  staffNumber: string;
  departmentId: string;
  enrolled: boolean;
  certificate: { number: string; examPassedOn: string | null; validUntil: string; issuingBody: string | null } | null;
}

const toColumns = (p: Partial<PersonFields>) => ({
  ...(p.name !== undefined && { name: p.name }),
  ...(p.staffNumber !== undefined && { staff_number: p.staffNumber }),
  ...(p.departmentId !== undefined && { department_id: p.departmentId }),
  ...(p.enrolled !== undefined && { enrolled: p.enrolled }),
  ...(p.certificate !== undefined && {
    certificate_number: p.certificate?.number ?? null,
    certificate_exam_passed_on: p.certificate?.examPassedOn ?? null,
    certificate_valid_until: p.certificate?.validUntil ?? null,
    certificate_issuer: p.certificate?.issuingBody ?? null,
  }),
});

const personColumns = [
  'person.id',
  'person.name',
  'person.staff_number',
  'person.department_id',
  'department.name as department_name',
  'person.enrolled',
  'person.certificate_number',
  'person.certificate_exam_passed_on',
  'person.certificate_valid_until',
  'person.certificate_issuer',
  'person.created_at',
  'person.updated_at',
] as const;

export type PersonRow = Awaited<ReturnType<typeof findPerson>> & {};

export function findPerson(db: DbOrTx, id: string) {
  return db
    .selectFrom('person')
    .innerJoin('department', 'department.id', 'person.department_id')
    .select(personColumns)
    .where('person.id', '=', id)
    .executeTakeFirst();
}

export async function insertPerson(db: DbOrTx, p: PersonFields) {
  const { id } = await db
    .insertInto('person')
    .values({ ...toColumns(p), name: p.name, staff_number: p.staffNumber, department_id: p.departmentId, enrolled: p.enrolled })
    .returning('id')
    .executeTakeFirstOrThrow();
  return id;
}

export async function updatePerson(db: DbOrTx, id: string, p: Partial<PersonFields>) {
  await db
    .updateTable('person')
    .set({ ...toColumns(p), updated_at: new Date() })
    .where('id', '=', id)
    .execute();
}

export interface PersonFilter {
  /** The access filter over `person` (from the access decision point); undefined = all. */
  scope?: RawBuilder<SqlBool>;
  departmentId?: string;
  q?: string;
  staffNumber?: string;
  enrolled?: boolean;
  limit: number;
  /** Keyset: [staff_number, id] of the last row of the previous page. */
  after?: [string, string];
}

/** People ordered by staff number, keyset-paged. `q` matches name, staff or certificate number. */
export function listPeople(db: DbOrTx, f: PersonFilter) {
  let q = db
    .selectFrom('person')
    .innerJoin('department', 'department.id', 'person.department_id')
    .select(personColumns);
  if (f.scope) q = q.where(f.scope);
  if (f.departmentId) q = q.where('person.department_id', '=', f.departmentId);
  if (f.enrolled !== undefined) q = q.where('person.enrolled', '=', f.enrolled);
  // Case-insensitive: device firmware and the register do not always agree on letter case.
  if (f.staffNumber) q = q.where(sql`upper(person.staff_number)`, '=', f.staffNumber.toUpperCase());
  if (f.q) {
    const like = `%${f.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    q = q.where((eb) =>
      eb.or([eb('person.name', 'ilike', like), eb('person.staff_number', 'ilike', like), eb('person.certificate_number', 'ilike', like)]),
    );
  }
  if (f.after) q = q.where(sql<boolean>`(person.staff_number, person.id) > (${f.after[0]}, ${f.after[1]}::uuid)`);
  return q.orderBy('person.staff_number').orderBy('person.id').limit(f.limit + 1).execute();
}

export function listTraining(db: DbOrTx, personId: string) {
  return db.selectFrom('training_record').selectAll().where('person_id', '=', personId).orderBy('held_on', 'desc').execute();
}

export function insertTraining(db: DbOrTx, t: { personId: string; heldOn: string; subject: string; hours: number }) {
  return db
    .insertInto('training_record')
    .values({ person_id: t.personId, held_on: t.heldOn, subject: t.subject, hours: t.hours })
    .returningAll()
    .executeTakeFirstOrThrow();
}
