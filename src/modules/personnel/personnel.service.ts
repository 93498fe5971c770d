import { appendAuditEvent } from '../../platform/audit/audit-chain.ts';
import { actorOf, type AuthUser } from '../../platform/auth/auth-user.ts';
import type { DbOrTx } from '../../platform/db/database.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError } from '../../platform/errors/error-catalog.ts';
import { cursorShape, decodeCursor, encodeCursor } from '../../platform/http/schemas.ts';
import { shanghaiDate } from '../../platform/time.ts';
import { findDepartment } from '../departments/departments.repository.ts';
import { accessFilter, requireAccess } from '../access/access.service.ts';
import { qualificationOn, type Qualification } from './qualification.ts';
import * as repo from './personnel.repository.ts';

const factsOf = (p: repo.PersonRow) => ({
  enrolled: p.enrolled,
  certificateNumber: p.certificate_number,
  certificateExamPassedOn: p.certificate_exam_passed_on,
  certificateValidUntil: p.certificate_valid_until,
});

/** A person with today's qualification, as the API returns it. */
export function personView(p: repo.PersonRow, on = shanghaiDate()) {
  return {
    id: p.id,
    name: p.name,
    staffNumber: p.staff_number,
    departmentId: p.department_id,
    departmentName: p.department_name,
    enrolled: p.enrolled,
    certificate: p.certificate_number
      ? {
          number: p.certificate_number,
          examPassedOn: p.certificate_exam_passed_on,
          validUntil: p.certificate_valid_until!,
          issuingBody: p.certificate_issuer,
        }
      : null,
    qualification: qualificationOn(factsOf(p), on),
    createdAt: p.created_at.toISOString(),
    updatedAt: p.updated_at.toISOString(),
  };
}

async function assertDepartment(db: DbOrTx, departmentId: string | undefined) {
  if (departmentId && !(await findDepartment(db, departmentId))) {
    throw new AppError('DEPARTMENT_NOT_FOUND', {}, { departmentId: 'department not found / 部门不存在' });
  }
}

export async function listPeople(
  { db }: Deps,
  user: AuthUser,
  f: { departmentId?: string; q?: string; staffNumber?: string; enrolled?: boolean; limit: number; cursor?: string },
) {
  const after = decodeCursor(f.cursor, cursorShape.textAndId);
  const rows = await repo.listPeople(db, { ...f, scope: await accessFilter(db, user, 'person.read', 'person'), after });
  const page = rows.slice(0, f.limit);
  const last = page.at(-1);
  return { items: page.map((p) => personView(p)), nextCursor: rows.length > f.limit && last ? encodeCursor([last.staff_number, last.id]) : null };
}

export async function getPerson({ db }: Deps, user: AuthUser, id: string) {
  await requireAccess(db, user, 'person.read', [id]);
  const p = await repo.findPerson(db, id);
  if (!p) throw new AppError('NOT_FOUND');
  return personView(p);
}

export async function createPerson({ db }: Deps, user: AuthUser, input: repo.PersonFields) {
  return db.transaction().execute(async (trx) => {
    await assertDepartment(trx, input.departmentId);
    const id = await repo.insertPerson(trx, input);
    await appendAuditEvent(trx, { actor: actorOf(user), action: 'person.create', target: { type: 'person', id }, details: { after: input } });
    return personView((await repo.findPerson(trx, id))!);
  });
}

export async function updatePerson({ db }: Deps, user: AuthUser, id: string, input: Partial<repo.PersonFields>) {
  return db.transaction().execute(async (trx) => {
    const before = await repo.findPerson(trx, id);
    if (!before) throw new AppError('NOT_FOUND');
    await assertDepartment(trx, input.departmentId);
    await repo.updatePerson(trx, id, input);
    const b = personView(before);
    await appendAuditEvent(trx, {
      actor: actorOf(user),
      action: 'person.update',
      target: { type: 'person', id },
      details: {
        before: { name: b.name, staffNumber: b.staffNumber, departmentId: b.departmentId, enrolled: b.enrolled, certificate: b.certificate },
        changes: input,
      },
    });
    return personView((await repo.findPerson(trx, id))!);
  });
}

/**
 * 第七条: may this person be a recording subject at this moment? The one rule later features
 * (device checkout, recordings) call. `at` is judged by its calendar date in Asia/Shanghai.
 */
export async function qualificationAt(db: DbOrTx, personId: string, at: Date = new Date()): Promise<Qualification> {
  const p = await repo.findPerson(db, personId);
  if (!p) throw new AppError('PERSON_NOT_FOUND');
  return qualificationOn(factsOf(p), shanghaiDate(at));
}

export async function getQualification({ db }: Deps, user: AuthUser, id: string, on?: string) {
  await requireAccess(db, user, 'person.read', [id]);
  const p = await repo.findPerson(db, id);
  if (!p) throw new AppError('NOT_FOUND');
  return qualificationOn(factsOf(p), on ?? shanghaiDate());
}

const trainingView = (t: { id: string; person_id: string; held_on: string; subject: string; hours: string; created_at: Date }) => ({
  id: t.id,
  personId: t.person_id,
  heldOn: t.held_on,
  subject: t.subject,
  hours: Number(t.hours),
  createdAt: t.created_at.toISOString(),
});

/** 第三条: training records of one person. */
export async function listTraining({ db }: Deps, user: AuthUser, personId: string) {
  await requireAccess(db, user, 'person.read', [personId]);
  return (await repo.listTraining(db, personId)).map(trainingView);
}

export async function addTraining({ db }: Deps, user: AuthUser, personId: string, input: { heldOn: string; subject: string; hours: number }) {
  return db.transaction().execute(async (trx) => {
    if (!(await repo.findPerson(trx, personId))) throw new AppError('NOT_FOUND');
    const t = await repo.insertTraining(trx, { personId, ...input });
    await appendAuditEvent(trx, {
      actor: actorOf(user),
      action: 'training.create',
      target: { type: 'person', id: personId },
      details: { trainingId: t.id, ...input },
    });
    return trainingView(t);
  });
}
