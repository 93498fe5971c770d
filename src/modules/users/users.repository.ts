import type { DbOrTx } from '../../platform/db/database.ts';

const userColumns = [
  'id',
  'username',
  'display_name',
  'person_id',
  'department_id',
  'roles',
  'disabled',
  'failed_logins',
  'locked_until',
  'last_login_at',
  'created_at',
  'updated_at',
] as const;

export type UserRow = Awaited<ReturnType<typeof findUser>> & {};

export function listUsers(db: DbOrTx) {
  return db.selectFrom('app_user').select(userColumns).orderBy('username').execute();
}

export function findUser(db: DbOrTx, id: string) {
  return db.selectFrom('app_user').select(userColumns).where('id', '=', id).executeTakeFirst();
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
    .returning(userColumns)
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
    .returning(userColumns)
    .executeTakeFirstOrThrow();
}

export function unlockUser(db: DbOrTx, id: string) {
  return db.updateTable('app_user').set({ failed_logins: 0, locked_until: null, updated_at: new Date() }).where('id', '=', id).execute();
}

export function findPasswordHash(db: DbOrTx, id: string) {
  return db.selectFrom('app_user').select('password_hash').where('id', '=', id).executeTakeFirst();
}
