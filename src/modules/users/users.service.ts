import { appendAuditEvent } from '../../platform/audit/audit-chain.ts';
import { actorOf, SYSTEM_ACTOR, type AuthUser } from '../../platform/auth/auth-user.ts';
import { generatePassword, hashPassword, passwordProblem, verifyPassword } from '../../platform/auth/secrets.ts';
import type { Tx } from '../../platform/db/database.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError } from '../../platform/errors/error-catalog.ts';
import { findDepartment } from '../departments/departments.repository.ts';
import { findPerson } from '../personnel/personnel.repository.ts';
import { revokeUserSessions } from '../auth/auth.repository.ts';
import * as repo from './users.repository.ts';

export function userView(u: repo.UserRow) {
  return {
    id: u.id,
    username: u.username,
    displayName: u.display_name,
    personId: u.person_id,
    departmentId: u.department_id,
    roles: u.roles,
    disabled: u.disabled,
    lockedUntil: u.locked_until && u.locked_until > new Date() ? u.locked_until.toISOString() : null,
    lastLoginAt: u.last_login_at?.toISOString() ?? null,
    createdAt: u.created_at.toISOString(),
  };
}

function assertPassword(password: string) {
  const p = passwordProblem(password);
  if (p) throw new AppError('VALIDATION_FAILED', {}, { password: `${p.zh} / ${p.en}` });
}

async function assertLinks(trx: Tx, input: { personId?: string | null; departmentId?: string | null }) {
  if (input.personId && !(await findPerson(trx, input.personId))) throw new AppError('PERSON_NOT_FOUND', {}, { personId: 'not found / 不存在' });
  if (input.departmentId && !(await findDepartment(trx, input.departmentId))) {
    throw new AppError('DEPARTMENT_NOT_FOUND', {}, { departmentId: 'not found / 不存在' });
  }
}

export async function listUsers({ db }: Deps) {
  return (await repo.listUsers(db)).map(userView);
}

export interface NewUser {
  username: string;
  displayName: string;
  password: string;
  personId?: string | null;
  departmentId?: string | null;
  roles: string[];
}

export async function createUser({ db }: Deps, actor: AuthUser, input: NewUser) {
  assertPassword(input.password);
  const passwordHash = await hashPassword(input.password);
  return db.transaction().execute(async (trx) => {
    await assertLinks(trx, input);
    const u = await repo.insertUser(trx, {
      username: input.username.toLowerCase(),
      displayName: input.displayName,
      passwordHash,
      personId: input.personId ?? null,
      departmentId: input.departmentId ?? null,
      roles: input.roles,
    });
    const { password: _omit, ...safe } = input;
    await appendAuditEvent(trx, { actor: actorOf(actor), action: 'user.create', target: { type: 'user', id: u.id }, details: { after: safe } });
    return userView(u);
  });
}

export type UserPatch = Partial<Omit<NewUser, 'username'>> & { disabled?: boolean };

export async function updateUser({ db }: Deps, actor: AuthUser, id: string, input: UserPatch) {
  if (input.password !== undefined) assertPassword(input.password);
  const passwordHash = input.password !== undefined ? await hashPassword(input.password) : undefined;
  return db.transaction().execute(async (trx) => {
    const before = await repo.findUser(trx, id);
    if (!before) throw new AppError('NOT_FOUND');
    await assertLinks(trx, input);
    const losesAdmin = (input.roles && !input.roles.includes('admin')) || input.disabled === true;
    if (before.roles.includes('admin') && losesAdmin && (await repo.otherActiveAdmins(trx, id)) === 0) throw new AppError('LAST_ADMIN');
    const after = await repo.updateUser(trx, id, { ...input, passwordHash });
    // A disabled account or a reset password ends the user's sessions at once.
    if (input.disabled === true || passwordHash) await revokeUserSessions(trx, id);
    const { password, ...changes } = input;
    await appendAuditEvent(trx, {
      actor: actorOf(actor),
      action: 'user.update',
      target: { type: 'user', id },
      details: {
        before: { displayName: before.display_name, roles: before.roles, departmentId: before.department_id, personId: before.person_id, disabled: before.disabled },
        changes: { ...changes, ...(password !== undefined && { passwordReset: true }) },
      },
    });
    return userView(after);
  });
}

export async function unlockUser({ db }: Deps, actor: AuthUser, id: string) {
  return db.transaction().execute(async (trx) => {
    if (!(await repo.findUser(trx, id))) throw new AppError('NOT_FOUND');
    await repo.unlockUser(trx, id);
    await appendAuditEvent(trx, { actor: actorOf(actor), action: 'user.unlock', target: { type: 'user', id } });
    return userView((await repo.findUser(trx, id))!);
  });
}

/** A user changes their own password, proving the current one. */
export async function changeOwnPassword({ db }: Deps, actor: AuthUser, current: string, next: string) {
  assertPassword(next);
  const row = await repo.findPasswordHash(db, actor.id);
  if (!row || !(await verifyPassword(row.password_hash, current))) {
    throw new AppError('VALIDATION_FAILED', {}, { currentPassword: 'wrong password / 当前密码不正确' });
  }
  const passwordHash = await hashPassword(next);
  await db.transaction().execute(async (trx) => {
    await repo.updateUser(trx, actor.id, { passwordHash });
    await appendAuditEvent(trx, { actor: actorOf(actor), action: 'user.password.change', target: { type: 'user', id: actor.id } });
  });
}

/**
 * First start: when there are no users, create `admin` with the configured initial password or a
 * generated one (returned so start-up can print it once). Idempotent.
 */
export async function bootstrapAdmin({ db, config }: Deps): Promise<{ created: boolean; generatedPassword?: string }> {
  // Every later start ends here, without spending an argon2 hash.
  if (Number((await repo.countUsers(db)).n) > 0) return { created: false };
  const password = config.adminPassword ?? generatePassword();
  assertPassword(password);
  const passwordHash = await hashPassword(password);
  return db.transaction().execute(async (trx) => {
    // Serialise concurrent first starts (two nodes) on the audit head.
    await trx.selectFrom('audit_head').select('seq').forUpdate().execute();
    if (Number((await repo.countUsers(trx)).n) > 0) return { created: false };
    const u = await repo.insertUser(trx, {
      username: 'admin',
      displayName: '系统管理员',
      passwordHash,
      personId: null,
      departmentId: null,
      roles: ['admin'],
    });
    await appendAuditEvent(trx, {
      actor: SYSTEM_ACTOR,
      action: 'system.bootstrap',
      target: { type: 'user', id: u.id },
      details: { username: 'admin', passwordSource: config.adminPassword ? 'QUANLU_ADMIN_PASSWORD' : 'generated' },
    });
    return { created: true, ...(config.adminPassword ? {} : { generatedPassword: password }) };
  });
}
