import { appendAuditEvent } from '../../platform/audit/audit-chain.ts';
import { actorOf, type AuthUser } from '../../platform/auth/auth-user.ts';
import type { DbOrTx } from '../../platform/db/database.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError } from '../../platform/errors/error-catalog.ts';
import * as repo from './departments.repository.ts';

export type DepartmentInput = { name: string; code?: string | null; kind: repo.DepartmentKind; parentId?: string | null };

/** All departments, flat (the UI builds the tree from parentId). */
export function listDepartments({ db }: Deps) {
  return repo.listDepartments(db);
}

async function assertParent(db: DbOrTx, parentId: string | null | undefined) {
  if (parentId && !(await repo.findDepartment(db, parentId))) {
    throw new AppError('DEPARTMENT_NOT_FOUND', {}, { parentId: 'department not found / 上级部门不存在' });
  }
}

export async function createDepartment({ db }: Deps, user: AuthUser, input: DepartmentInput) {
  return db.transaction().execute(async (trx) => {
    await assertParent(trx, input.parentId);
    const d = await repo.insertDepartment(trx, {
      name: input.name,
      code: input.code ?? null,
      kind: input.kind,
      parentId: input.parentId ?? null,
    });
    await appendAuditEvent(trx, { actor: actorOf(user), action: 'department.create', target: { type: 'department', id: d.id }, details: { after: input } });
    return d;
  });
}

export async function updateDepartment({ db }: Deps, user: AuthUser, id: string, input: Partial<DepartmentInput>) {
  return db.transaction().execute(async (trx) => {
    const before = await repo.findDepartment(trx, id);
    if (!before) throw new AppError('NOT_FOUND');
    if (input.parentId) {
      await assertParent(trx, input.parentId);
      if ((await repo.subtreeIds(trx, id)).includes(input.parentId)) throw new AppError('DEPARTMENT_CYCLE');
    }
    const after = await repo.updateDepartment(trx, id, input);
    await appendAuditEvent(trx, {
      actor: actorOf(user),
      action: 'department.update',
      target: { type: 'department', id },
      details: { before: { name: before.name, code: before.code, kind: before.kind, parentId: before.parent_id }, changes: input },
    });
    return after;
  });
}
