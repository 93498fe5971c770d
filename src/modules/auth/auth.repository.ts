import type { DbOrTx } from '../../platform/db/database.ts';

/** Columns of a user needed to authenticate and authorise. */
const userColumns = [
  'app_user.id',
  'app_user.username',
  'app_user.display_name',
  'app_user.roles',
  'app_user.department_id',
  'app_user.person_id',
  'app_user.disabled',
] as const;

export function findUserForLogin(db: DbOrTx, username: string) {
  return db
    .selectFrom('app_user')
    .select([...userColumns, 'password_hash', 'failed_logins', 'locked_until'])
    .where('username', '=', username)
    .forUpdate()
    .executeTakeFirst();
}

export function recordLoginFailure(db: DbOrTx, userId: string, failedLogins: number, lockedUntil: Date | null) {
  return db
    .updateTable('app_user')
    .set({ failed_logins: failedLogins, locked_until: lockedUntil })
    .where('id', '=', userId)
    .execute();
}

export function recordLoginSuccess(db: DbOrTx, userId: string) {
  return db
    .updateTable('app_user')
    .set({ failed_logins: 0, locked_until: null, last_login_at: new Date() })
    .where('id', '=', userId)
    .execute();
}

export async function insertSession(
  db: DbOrTx,
  s: { tokenHash: Buffer; userId: string; csrfToken: string; expiresAt: Date; ip: string | null; userAgent: string | null },
) {
  const row = await db
    .insertInto('user_session')
    .values({
      token_hash: s.tokenHash,
      user_id: s.userId,
      csrf_token: s.csrfToken,
      expires_at: s.expiresAt,
      ip: s.ip,
      user_agent: s.userAgent,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** A live session with its (enabled) user. */
export function findLiveSession(db: DbOrTx, tokenHash: Buffer) {
  return db
    .selectFrom('user_session')
    .innerJoin('app_user', 'app_user.id', 'user_session.user_id')
    .select([...userColumns, 'user_session.id as session_id', 'user_session.csrf_token', 'user_session.expires_at', 'user_session.last_seen_at'])
    .where('user_session.token_hash', '=', tokenHash)
    .where('user_session.revoked_at', 'is', null)
    .executeTakeFirst();
}

export function touchSession(db: DbOrTx, sessionId: string, expiresAt: Date) {
  return db
    .updateTable('user_session')
    .set({ last_seen_at: new Date(), expires_at: expiresAt })
    .where('id', '=', sessionId)
    .execute();
}

export function revokeSession(db: DbOrTx, sessionId: string) {
  return db.updateTable('user_session').set({ revoked_at: new Date() }).where('id', '=', sessionId).where('revoked_at', 'is', null).execute();
}

export function revokeUserSessions(db: DbOrTx, userId: string) {
  return db.updateTable('user_session').set({ revoked_at: new Date() }).where('user_id', '=', userId).where('revoked_at', 'is', null).execute();
}

export function deleteExpiredSessions(db: DbOrTx, before: Date) {
  return db.deleteFrom('user_session').where('expires_at', '<', before).executeTakeFirst();
}

export function findLiveToken(db: DbOrTx, tokenHash: Buffer) {
  return db
    .selectFrom('api_token')
    .innerJoin('app_user', 'app_user.id', 'api_token.user_id')
    .select([...userColumns, 'api_token.id as token_id', 'api_token.expires_at', 'api_token.last_used_at'])
    .where('api_token.token_hash', '=', tokenHash)
    .where('api_token.revoked_at', 'is', null)
    .executeTakeFirst();
}

export function touchToken(db: DbOrTx, tokenId: string) {
  return db.updateTable('api_token').set({ last_used_at: new Date() }).where('id', '=', tokenId).execute();
}

export async function insertToken(
  db: DbOrTx,
  t: { userId: string; name: string; tokenHash: Buffer; prefix: string; expiresAt: Date },
) {
  return db
    .insertInto('api_token')
    .values({ user_id: t.userId, name: t.name, token_hash: t.tokenHash, prefix: t.prefix, expires_at: t.expiresAt })
    .returning(['id', 'name', 'prefix', 'created_at', 'expires_at', 'last_used_at', 'revoked_at'])
    .executeTakeFirstOrThrow();
}

export function listTokens(db: DbOrTx, userId: string) {
  return db
    .selectFrom('api_token')
    .select(['id', 'name', 'prefix', 'created_at', 'expires_at', 'last_used_at', 'revoked_at'])
    .where('user_id', '=', userId)
    .orderBy('created_at', 'desc')
    .execute();
}

export function revokeToken(db: DbOrTx, userId: string, tokenId: string) {
  return db
    .updateTable('api_token')
    .set({ revoked_at: new Date() })
    .where('id', '=', tokenId)
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .returning(['id', 'name'])
    .executeTakeFirst();
}
