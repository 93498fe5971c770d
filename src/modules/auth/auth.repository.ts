import { sql } from 'kysely';
import type { DbOrTx, Tx } from '../../platform/db/database.ts';

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
  return db.selectFrom('app_user').select([...userColumns, 'password_hash']).where('username', '=', username).executeTakeFirst();
}

export function recordLoginSuccess(db: DbOrTx, userId: string) {
  return db
    .updateTable('app_user')
    .set({ last_login_at: new Date() })
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

/** Ends the user's live sessions (all, or all but one); returns how many. */
export async function revokeUserSessions(db: DbOrTx, userId: string, exceptSessionId?: string): Promise<number> {
  let q = db.updateTable('user_session').set({ revoked_at: new Date() }).where('user_id', '=', userId).where('revoked_at', 'is', null);
  if (exceptSessionId) q = q.where('id', '!=', exceptSessionId);
  return Number((await q.executeTakeFirst()).numUpdatedRows);
}

/** Revokes every live API token of the user; returns how many. */
export async function revokeUserTokens(db: DbOrTx, userId: string): Promise<number> {
  const r = await db.updateTable('api_token').set({ revoked_at: new Date() }).where('user_id', '=', userId).where('revoked_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows);
}

export type ThrottleScope = 'account' | 'address';

/** Advisory lock for one throttle key until the transaction ends (two-key form: its own lock space). */
export async function lockThrottleKey(trx: Tx, scope: ThrottleScope, subject: string): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(${THROTTLE_LOCK_CLASS}, hashtext(${`${scope}:${subject}`}))`.execute(trx);
}
/** First key of the two-int advisory locks taken for login throttling. */
const THROTTLE_LOCK_CLASS = 7_100_452;

export function findThrottles(db: DbOrTx, keys: ReadonlyArray<{ scope: ThrottleScope; subject: string }>) {
  if (keys.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('login_throttle')
    .select(['scope', 'subject', 'failures', 'last_failure_at', 'blocked_until'])
    .where((eb) => eb.or(keys.map((k) => eb.and([eb('scope', '=', k.scope), eb('subject', '=', k.subject)]))))
    .execute();
}

/** Counts one failure (starting again at 1 when the last one is older than `forgetBefore`); returns the count. */
export async function addThrottleFailure(db: DbOrTx, key: { scope: ThrottleScope; subject: string }, now: Date, forgetBefore: Date): Promise<number> {
  const row = await db
    .insertInto('login_throttle')
    .values({ scope: key.scope, subject: key.subject, failures: 1, last_failure_at: now, blocked_until: null })
    .onConflict((oc) =>
      oc.columns(['scope', 'subject']).doUpdateSet({
        failures: sql<number>`CASE WHEN login_throttle.last_failure_at < ${forgetBefore} THEN 1 ELSE login_throttle.failures + 1 END`,
        last_failure_at: now,
      }),
    )
    .returning('failures')
    .executeTakeFirstOrThrow();
  return row.failures;
}

/** Blocks a key until the given time (never shortening a later block set by a concurrent failure). */
export function blockThrottle(db: DbOrTx, key: { scope: ThrottleScope; subject: string }, until: Date) {
  return db
    .updateTable('login_throttle')
    .set({ blocked_until: sql<Date>`GREATEST(blocked_until, ${until})` })
    .where('scope', '=', key.scope)
    .where('subject', '=', key.subject)
    .execute();
}

export async function clearThrottle(db: DbOrTx, scope: ThrottleScope, subject: string): Promise<boolean> {
  const r = await db.deleteFrom('login_throttle').where('scope', '=', scope).where('subject', '=', subject).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

export function deleteStaleThrottles(db: DbOrTx, before: Date) {
  return db
    .deleteFrom('login_throttle')
    .where('last_failure_at', '<', before)
    .where((eb) => eb.or([eb('blocked_until', 'is', null), eb('blocked_until', '<', before)]))
    .executeTakeFirst();
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
