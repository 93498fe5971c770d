import { appendAuditEvent, type Actor } from '../../platform/audit/audit-chain.ts';
import { SYSTEM_ACTOR } from '../../platform/auth/auth-user.ts';
import type { Role } from '../../platform/auth/permissions.ts';
import { ADMIN_OWNER, passwordProblem, type PasswordOwner } from '../../platform/auth/password-policy.ts';
import { generatePassword, hashPassword } from '../../platform/auth/secrets.ts';
import type { DbOrTx, Tx } from '../../platform/db/database.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError, type Bilingual } from '../../platform/errors/error-catalog.ts';
import { findDepartment } from '../departments/departments.repository.ts';
import { findPerson } from '../personnel/personnel.repository.ts';
import { lockChainHead } from '../audit/audit.repository.ts';
import { clearThrottle, revokeUserSessions, revokeUserTokens } from '../auth/auth.repository.ts';
import * as repo from './users.repository.ts';

type Db = Pick<Deps, 'db'>;

export function userView(u: repo.UserRow) {
  return {
    id: u.id,
    username: u.username,
    displayName: u.display_name,
    personId: u.person_id,
    departmentId: u.department_id,
    // The column's CHECK (0001) admits only these names; the response schema checks them again.
    roles: u.roles as Role[],
    disabled: u.disabled,
    // Until when logins of this account name must wait (the login throttle); null when they need not.
    lockedUntil: u.throttled_until && u.throttled_until > new Date() ? u.throttled_until.toISOString() : null,
    lastLoginAt: u.last_login_at?.toISOString() ?? null,
    createdAt: u.created_at.toISOString(),
  };
}

/** Roles whose data scope is their department: an account with one of them cannot work without one. */
const DEPARTMENT_SCOPED_ROLES: readonly Role[] = ['officer', 'custodian', 'leader'];

const DEPARTMENT_REQUIRED = {
  zh: '执法人员、存储管理员和主管领导账户必须有所属部门：请选择部门，或关联一名人员（使用其所在部门）',
  en: 'Officer, custodian and leader accounts need a department: choose one, or link a person (their department is used)',
};

function assertPassword(password: string, owner: PasswordOwner, field = 'password') {
  const p = passwordProblem(password, owner);
  if (p) throw new AppError('VALIDATION_FAILED', {}, { [field]: p });
}

/** Field problems found together, so that a form shows all of them at once. */
function assertNoProblems(fields: Record<string, Bilingual | undefined>) {
  const found = Object.fromEntries(Object.entries(fields).filter((e): e is [string, Bilingual] => e[1] !== undefined));
  if (Object.keys(found).length) throw new AppError('VALIDATION_FAILED', {}, found);
}

/** The linked person (checked to exist) and the department (checked to exist). */
async function checkLinks(trx: DbOrTx, input: { personId?: string | null; departmentId?: string | null }) {
  const person = input.personId ? await findPerson(trx, input.personId) : undefined;
  if (input.personId && !person) throw new AppError('PERSON_NOT_FOUND', {}, { personId: 'not found / 不存在' });
  if (input.departmentId && !(await findDepartment(trx, input.departmentId))) {
    throw new AppError('DEPARTMENT_NOT_FOUND', {}, { departmentId: 'not found / 不存在' });
  }
  return person;
}

/**
 * Issue 6 item 3: the department an account will have. None given → the linked person's department;
 * a department-scoped role with neither is a problem, since such an account could never work.
 */
function resolveDepartment(
  roles: readonly string[],
  departmentId: string | null,
  person: { department_id: string } | undefined,
): { departmentId: string | null; problem?: Bilingual } {
  const resolved = departmentId ?? person?.department_id ?? null;
  const scoped = roles.some((r) => DEPARTMENT_SCOPED_ROLES.includes(r as Role));
  return { departmentId: resolved, ...(!resolved && scoped && { problem: DEPARTMENT_REQUIRED }) };
}

export async function listUsers({ db }: Db) {
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

export async function createUser({ db }: Db, actor: Actor, input: NewUser) {
  const username = input.username.toLowerCase();
  return db.transaction().execute(async (trx) => {
    const person = await checkLinks(trx, input);
    const { departmentId, problem } = resolveDepartment(input.roles, input.departmentId ?? null, person);
    assertNoProblems({ departmentId: problem, password: passwordProblem(input.password, { username, names: [input.displayName, person?.name] }) });
    const { id } = await repo.insertUser(trx, {
      username,
      displayName: input.displayName,
      passwordHash: await hashPassword(input.password),
      personId: input.personId ?? null,
      departmentId,
      roles: input.roles,
    });
    const { password: _omit, ...safe } = input;
    await appendAuditEvent(trx, { actor, action: 'user.create', target: { type: 'user', id }, details: { after: { ...safe, departmentId } } });
    return userView((await repo.findUser(trx, id))!);
  });
}

export type UserPatch = Partial<Omit<NewUser, 'username'>> & { disabled?: boolean };

/**
 * Changes an account. A reset password or a disabled account ends all the user's sessions and API
 * tokens at once (issue 6 item 9): whoever held them must log in again with the new password.
 */
export async function updateUser({ db }: Db, actor: Actor, id: string, input: UserPatch) {
  return db.transaction().execute(async (trx) => {
    const before = await repo.findUser(trx, id);
    if (!before) throw new AppError('NOT_FOUND');
    const personId = input.personId !== undefined ? input.personId : before.person_id;
    const person = await checkLinks(trx, { personId, departmentId: input.departmentId });
    const roles = input.roles ?? before.roles;
    const keptDepartment = input.departmentId !== undefined ? input.departmentId : before.department_id;
    // Checked when the patch touches what scopes the account; disabling or renaming an old account
    // that lacks a department must still work.
    const touchesScope = input.roles !== undefined || input.personId !== undefined || input.departmentId !== undefined;
    const { departmentId, problem } = touchesScope ? resolveDepartment(roles, keptDepartment, person) : { departmentId: keptDepartment, problem: undefined };
    assertNoProblems({
      departmentId: problem,
      password: input.password === undefined ? undefined : passwordProblem(input.password, { username: before.username, names: [input.displayName ?? before.display_name, person?.name] }),
    });
    const losesAdmin = (input.roles && !input.roles.includes('admin')) || input.disabled === true;
    if (before.roles.includes('admin') && losesAdmin && (await repo.otherActiveAdmins(trx, id)) === 0) throw new AppError('LAST_ADMIN');
    const passwordHash = input.password !== undefined ? await hashPassword(input.password) : undefined;
    await repo.updateUser(trx, id, { ...input, departmentId, passwordHash });
    const endsAccess = input.disabled === true || passwordHash !== undefined;
    const sessionsEnded = endsAccess ? await revokeUserSessions(trx, id) : 0;
    const tokensRevoked = endsAccess ? await revokeUserTokens(trx, id) : 0;
    const { password, ...changes } = input;
    await appendAuditEvent(trx, {
      actor,
      action: 'user.update',
      target: { type: 'user', id },
      details: {
        before: { displayName: before.display_name, roles: before.roles, departmentId: before.department_id, personId: before.person_id, disabled: before.disabled },
        changes: { ...changes, departmentId, ...(password !== undefined && { passwordReset: true }) },
        ...(endsAccess && { sessionsEnded, tokensRevoked }),
      },
    });
    return userView((await repo.findUser(trx, id))!);
  });
}

async function unlockIn(trx: Tx, actor: Actor, user: repo.UserRow) {
  const cleared = await clearThrottle(trx, 'account', user.username);
  await appendAuditEvent(trx, { actor, action: 'user.unlock', target: { type: 'user', id: user.id }, details: { hadWait: cleared } });
}

/** Lets the account's logins through at once again (clears its login throttle; see auth.throttle.ts). */
export async function unlockUser({ db }: Db, actor: Actor, id: string) {
  return db.transaction().execute(async (trx) => {
    const u = await repo.findUser(trx, id);
    if (!u) throw new AppError('NOT_FOUND');
    await unlockIn(trx, actor, u);
    return userView((await repo.findUser(trx, id))!);
  });
}

/** `quanlu users unlock <username>` on the server: the trusted path when an admin cannot get in. */
export async function unlockByUsername({ db }: Db, actor: Actor, username: string) {
  return db.transaction().execute(async (trx) => {
    const u = await repo.findUserByUsername(trx, username.trim().toLowerCase());
    if (!u) throw new AppError('NOT_FOUND');
    await unlockIn(trx, actor, u);
    return userView(u);
  });
}

/**
 * `quanlu users reset-password <username>` on the server: sets a new password (the given one, which
 * must pass the policy, or a generated one), ends all sessions and tokens and clears the login wait.
 */
export async function resetPasswordByUsername({ db }: Db, actor: Actor, username: string, given: string | undefined) {
  return db.transaction().execute(async (trx) => {
    const u = await repo.findUserByUsername(trx, username.trim().toLowerCase());
    if (!u) throw new AppError('NOT_FOUND');
    const personName = u.person_id ? (await findPerson(trx, u.person_id))?.name : undefined;
    const owner = { username: u.username, names: [u.display_name, personName] };
    const password = given ?? generatePassword(owner);
    assertPassword(password, owner);
    await repo.setPasswordHash(trx, u.id, await hashPassword(password));
    await clearThrottle(trx, 'account', u.username);
    const sessionsEnded = await revokeUserSessions(trx, u.id);
    const tokensRevoked = await revokeUserTokens(trx, u.id);
    await appendAuditEvent(trx, {
      actor,
      action: 'user.password.reset',
      target: { type: 'user', id: u.id },
      details: { passwordSource: given === undefined ? 'generated' : 'stdin', sessionsEnded, tokensRevoked },
    });
    return { user: userView(u), generatedPassword: given === undefined ? password : undefined, sessionsEnded, tokensRevoked };
  });
}

/**
 * First start: when there are no users, create `admin` with the configured initial password or a
 * generated one (returned so start-up can print it once). Idempotent.
 */
export async function bootstrapAdmin({ db, config }: Pick<Deps, 'db' | 'config'>): Promise<{ created: boolean; generatedPassword?: string }> {
  // Every later start ends here, without spending an argon2 hash.
  if (Number((await repo.countUsers(db)).n) > 0) return { created: false };
  // QUANLU_ADMIN_PASSWORD already passed the policy when the configuration was parsed.
  const password = config.adminPassword ?? generatePassword(ADMIN_OWNER);
  assertPassword(password, ADMIN_OWNER, 'QUANLU_ADMIN_PASSWORD');
  const passwordHash = await hashPassword(password);
  return db.transaction().execute(async (trx) => {
    // Serialise concurrent first starts (two nodes) on the audit head.
    await lockChainHead(trx);
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
