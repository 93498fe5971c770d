import type { DbOrTx } from '../../platform/db/database.ts';

const userColumns = [
  'app_user.id',
  'app_user.username',
  'app_user.display_name',
  'app_user.person_id',
  'app_user.department_id',
  'app_user.roles',
  'app_user.disabled',
  'app_user.last_login_at',
  'app_user.created_at',
  'app_user.updated_at',
] as const;

/** Users with the end of their account name's login wait (login_throttle), if any. */
function usersWithThrottle(db: DbOrTx) {
  return db
    .selectFrom('app_user')
    .leftJoin('login_throttle', (j) => j.onRef('login_throttle.subject', '=', 'app_user.username').on('login_throttle.scope', '=', 'account'))
    .select([...userColumns, 'login_throttle.blocked_until as throttled_until']);
}

export type UserRow = Awaited<ReturnType<typeof findUser>> & {};

export function listUsers(db: DbOrTx) {
  return usersWithThrottle(db).orderBy('app_user.username').execute();
}

export function findUser(db: DbOrTx, id: string) {
  return usersWithThrottle(db).where('app_user.id', '=', id).executeTakeFirst();
}

export function findUserByUsername(db: DbOrTx, username: string) {
  return usersWithThrottle(db).where('app_user.username', '=', username).executeTakeFirst();
}

export function countUsers(db: DbOrTx) {
  return db.selectFrom('app_user').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
}

/** Enabled admins other than the given user. */
export async function otherActiveAdmins(db: DbOrTx, exceptId: string): Promise<number> {
  const r = await db
    .selectFrom('app_user')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('id', '!=', exceptId)
    .where('disabled', '=', false)
    .where((eb) => eb(eb.val('admin'), '=', eb.fn.any('roles')))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

export function insertUser(
  db: DbOrTx,
  u: { username: string; displayName: string; passwordHash: string; personId: string | null; departmentId: string | null; roles: string[] },
) {
  return db
    .insertInto('app_user')
    .values({
      username: u.username,
      display_name: u.displayName,
      password_hash: u.passwordHash,
      person_id: u.personId,
      department_id: u.departmentId,
      roles: u.roles,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
}

export function updateUser(
  db: DbOrTx,
  id: string,
  u: Partial<{ displayName: string; personId: string | null; departmentId: string | null; roles: string[]; disabled: boolean; passwordHash: string }>,
) {
  return db
    .updateTable('app_user')
    .set({
      ...(u.displayName !== undefined && { display_name: u.displayName }),
      ...(u.personId !== undefined && { person_id: u.personId }),
      ...(u.departmentId !== undefined && { department_id: u.departmentId }),
      ...(u.roles !== undefined && { roles: u.roles }),
      ...(u.disabled !== undefined && { disabled: u.disabled }),
      ...(u.passwordHash !== undefined && { password_hash: u.passwordHash, password_changed_at: new Date() }),
      updated_at: new Date(),
    })
    .where('id', '=', id)
    .returning('id')
    .executeTakeFirstOrThrow();
}

export function findPasswordHash(db: DbOrTx, id: string) {
  return db.selectFrom('app_user').select('password_hash').where('id', '=', id).executeTakeFirst();
}

export function setPasswordHash(db: DbOrTx, id: string, passwordHash: string) {
  return db.updateTable('app_user').set({ password_hash: passwordHash, password_changed_at: new Date(), updated_at: new Date() }).where('id', '=', id).execute();
}
