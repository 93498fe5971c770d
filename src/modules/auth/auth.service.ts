import { appendAuditEvent } from '../../platform/audit/audit-chain.ts';
import { actorOf, type AuthUser } from '../../platform/auth/auth-user.ts';
import { permissionsOf, type Role } from '../../platform/auth/permissions.ts';
import { passwordProblem } from '../../platform/auth/password-policy.ts';
import { dummyPasswordHash, hashPassword, randomSecret, tokenHash, verifyPassword } from '../../platform/auth/secrets.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError } from '../../platform/errors/error-catalog.ts';
import { findPerson } from '../personnel/personnel.repository.ts';
import { findPasswordHash, setPasswordHash } from '../users/users.repository.ts';
import * as repo from './auth.repository.ts';
import { beginAttempt, forgetAfterMs, recordFailure, secondsUntil, throttleKeys } from './auth.throttle.ts';

type UserRow = {
  id: string;
  username: string;
  display_name: string;
  roles: string[];
  department_id: string | null;
  person_id: string | null;
};

function toAuthUser(u: UserRow, via: AuthUser['via']): AuthUser {
  return {
    id: u.id,
    username: u.username,
    displayName: u.display_name,
    roles: u.roles as Role[],
    departmentId: u.department_id,
    personId: u.person_id,
    permissions: permissionsOf(u.roles),
    via,
  };
}

export interface LoginResult {
  user: AuthUser;
  sessionToken: string;
  csrfToken: string;
  expiresAt: Date;
}

/**
 * Checks a username and password under the login throttle (auth.throttle.ts). Unknown names, wrong
 * passwords and throttled tries are answered alike whether or not the account exists (401
 * LOGIN_FAILED, or 429 LOGIN_THROTTLED with the wait), and an unknown name still costs one argon2
 * check, so neither status nor timing tells which names exist. Every attempt is audited, in the
 * transaction that counts it.
 */
export async function login(
  { db, config }: Pick<Deps, 'db' | 'config'>,
  input: { username: string; password: string; ip: string | null; userAgent: string | null },
): Promise<LoginResult> {
  const username = input.username.trim().toLowerCase();
  const keys = throttleKeys(username, input.ip);
  const outcome = await db.transaction().execute(async (trx) => {
    const now = new Date();
    const waitUntil = await beginAttempt(trx, config, keys, now);
    const u = await repo.findUserForLogin(trx, username);
    const actor = u ? actorOf(u) : { kind: 'anonymous' as const, label: username.slice(0, 80) || '(empty)' };
    const target = u ? { type: 'user', id: u.id } : undefined;
    if (waitUntil) {
      const seconds = secondsUntil(waitUntil, now);
      await appendAuditEvent(trx, { actor, action: 'auth.login.failed', target, details: { reason: 'throttled', retryAfterSeconds: seconds, ip: input.ip } });
      return { error: new AppError('LOGIN_THROTTLED', { seconds }) };
    }
    // An unknown name is checked against a dummy hash: the same work as a real account.
    const ok = (await verifyPassword(u?.password_hash ?? (await dummyPasswordHash()), input.password)) && u !== undefined;
    if (!ok || !u) {
      const counted = await recordFailure(trx, config, keys, now);
      await appendAuditEvent(trx, {
        actor,
        action: 'auth.login.failed',
        target,
        details: {
          reason: u ? 'bad_password' : 'unknown_user',
          failures: counted.failures,
          ip: input.ip,
          ...(counted.waitUntil && { throttledUntil: counted.waitUntil.toISOString() }),
        },
      });
      return { error: new AppError('LOGIN_FAILED') };
    }
    if (u.disabled) {
      await appendAuditEvent(trx, { actor, action: 'auth.login.failed', target, details: { reason: 'disabled', ip: input.ip } });
      return { error: new AppError('ACCOUNT_DISABLED') };
    }
    // A success forgives the account's failures, not the address's (one valid account must not
    // let its holder reset the count while guessing others).
    await repo.clearThrottle(trx, 'account', username);
    await repo.recordLoginSuccess(trx, u.id);
    const sessionToken = randomSecret();
    const csrfToken = randomSecret(24);
    const expiresAt = new Date(now.getTime() + config.sessionHours * 3_600_000);
    const sessionId = await repo.insertSession(trx, {
      tokenHash: tokenHash(sessionToken),
      userId: u.id,
      csrfToken,
      expiresAt,
      ip: input.ip,
      userAgent: input.userAgent?.slice(0, 300) ?? null,
    });
    await appendAuditEvent(trx, { actor, action: 'auth.login', target, details: { ip: input.ip, sessionId } });
    const user = { ...toAuthUser(u, 'session'), sessionId, csrfToken };
    return { result: { user, sessionToken, csrfToken, expiresAt } };
  });
  if ('error' in outcome) throw outcome.error;
  return outcome.result;
}

/**
 * A user changes their own password (issue 6 items 8, 9, 11). Only from an interactive session. The
 * current password is checked under the same throttle as a login (a wrong one is counted and audited,
 * a throttled account answers 429 without checking), the new one must pass the policy, and the change
 * ends the user's other sessions and all their API tokens: whoever held them must log in again.
 */
export async function changeOwnPassword(
  { db, config }: Pick<Deps, 'db' | 'config'>,
  user: AuthUser,
  input: { currentPassword: string; newPassword: string; ip: string | null },
): Promise<{ sessionsEnded: number; tokensRevoked: number }> {
  if (user.via !== 'session' || !user.sessionId) throw new AppError('SESSION_REQUIRED');
  const personName = user.personId ? (await findPerson(db, user.personId))?.name : undefined;
  const problem = passwordProblem(input.newPassword, { username: user.username, names: [user.displayName, personName] });
  if (problem) throw new AppError('VALIDATION_FAILED', {}, { newPassword: problem });
  if (input.newPassword === input.currentPassword) {
    throw new AppError('VALIDATION_FAILED', {}, { newPassword: { zh: '新密码不能与当前密码相同', en: 'The new password must differ from the current one' } });
  }
  const keys = throttleKeys(user.username, input.ip);
  const actor = actorOf(user);
  const target = { type: 'user', id: user.id };
  const outcome = await db.transaction().execute(async (trx) => {
    const now = new Date();
    const waitUntil = await beginAttempt(trx, config, keys, now);
    if (waitUntil) {
      const seconds = secondsUntil(waitUntil, now);
      await appendAuditEvent(trx, { actor, action: 'auth.password.failed', target, details: { reason: 'throttled', retryAfterSeconds: seconds, ip: input.ip } });
      return { error: new AppError('LOGIN_THROTTLED', { seconds }) };
    }
    const row = await findPasswordHash(trx, user.id);
    if (!row || !(await verifyPassword(row.password_hash, input.currentPassword))) {
      const counted = await recordFailure(trx, config, keys, now);
      await appendAuditEvent(trx, {
        actor,
        action: 'auth.password.failed',
        target,
        details: { reason: 'bad_password', failures: counted.failures, ip: input.ip, ...(counted.waitUntil && { throttledUntil: counted.waitUntil.toISOString() }) },
      });
      return { error: new AppError('VALIDATION_FAILED', {}, { currentPassword: { zh: '当前密码不正确', en: 'The current password is wrong' } }) };
    }
    await setPasswordHash(trx, user.id, await hashPassword(input.newPassword));
    await repo.clearThrottle(trx, 'account', user.username);
    const sessionsEnded = await repo.revokeUserSessions(trx, user.id, user.sessionId);
    const tokensRevoked = await repo.revokeUserTokens(trx, user.id);
    await appendAuditEvent(trx, { actor, action: 'user.password.change', target, details: { sessionsEnded, tokensRevoked, ip: input.ip } });
    return { result: { sessionsEnded, tokensRevoked } };
  });
  if ('error' in outcome) throw outcome.error;
  return outcome.result;
}

/** Ends a session (the cookie is cleared by the route). */
export async function logout({ db }: Deps, user: AuthUser): Promise<void> {
  if (!user.sessionId) return;
  await db.transaction().execute(async (trx) => {
    await repo.revokeSession(trx, user.sessionId!);
    await appendAuditEvent(trx, { actor: actorOf(user), action: 'auth.logout', target: { type: 'user', id: user.id } });
  });
}

/** Refresh the sliding expiry at most once a minute to keep writes off the hot path. */
const TOUCH_EVERY_MS = 60_000;

/** Resolves a session cookie to its user, or throws UNAUTHENTICATED / SESSION_EXPIRED. */
export async function userFromSession({ db, config }: Deps, token: string): Promise<AuthUser> {
  const row = await repo.findLiveSession(db, tokenHash(token));
  if (!row || row.disabled) throw new AppError('UNAUTHENTICATED');
  const now = Date.now();
  if (row.expires_at.getTime() <= now) throw new AppError('SESSION_EXPIRED');
  if (now - row.last_seen_at.getTime() > TOUCH_EVERY_MS) {
    await repo.touchSession(db, row.session_id, new Date(now + config.sessionHours * 3_600_000));
  }
  return { ...toAuthUser(row, 'session'), sessionId: row.session_id, csrfToken: row.csrf_token };
}

/** Resolves a bearer API token to its owner (with the owner's current rights), or throws TOKEN_INVALID. */
export async function userFromToken({ db }: Deps, token: string): Promise<AuthUser> {
  const row = await repo.findLiveToken(db, tokenHash(token));
  if (!row || row.disabled || row.expires_at.getTime() <= Date.now()) throw new AppError('TOKEN_INVALID');
  if (!row.last_used_at || Date.now() - row.last_used_at.getTime() > TOUCH_EVERY_MS) await repo.touchToken(db, row.token_id);
  return { ...toAuthUser(row, 'token'), tokenId: row.token_id };
}

const TOKEN_PREFIX = 'qlt_';

/**
 * Issues a personal API token; the secret is returned once and only its hash is kept. Only from an
 * interactive session: a token that could mint tokens would let a leaked one outlive its revocation.
 */
export async function createApiToken({ db }: Deps, user: AuthUser, input: { name: string; expiresInDays: number }) {
  if (user.via !== 'session') throw new AppError('SESSION_REQUIRED');
  const secret = `${TOKEN_PREFIX}${randomSecret(32)}`;
  return db.transaction().execute(async (trx) => {
    const row = await repo.insertToken(trx, {
      userId: user.id,
      name: input.name,
      tokenHash: tokenHash(secret),
      prefix: secret.slice(0, TOKEN_PREFIX.length + 6),
      expiresAt: new Date(Date.now() + input.expiresInDays * 86_400_000),
    });
    await appendAuditEvent(trx, {
      actor: actorOf(user),
      action: 'api_token.create',
      target: { type: 'api_token', id: row.id },
      details: { name: row.name, expiresAt: row.expires_at.toISOString() },
    });
    return { ...row, token: secret };
  });
}

export function listApiTokens({ db }: Deps, user: AuthUser) {
  return repo.listTokens(db, user.id);
}

export async function revokeApiToken({ db }: Deps, user: AuthUser, tokenId: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const row = await repo.revokeToken(trx, user.id, tokenId);
    if (!row) throw new AppError('NOT_FOUND');
    await appendAuditEvent(trx, {
      actor: actorOf(user),
      action: 'api_token.revoke',
      target: { type: 'api_token', id: row.id },
      details: { name: row.name },
    });
  });
}

/**
 * Removes sessions that expired more than a day ago and login-throttle rows already forgotten (a periodic
 * job). A purge that removed anything is audited as the job's, with the counts; an empty one changes nothing.
 */
export async function purgeExpiredSessions({ db, config }: Deps, now = Date.now()): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const sessions = Number((await repo.deleteExpiredSessions(trx, new Date(now - 86_400_000))).numDeletedRows);
    const throttles = Number((await repo.deleteStaleThrottles(trx, new Date(now - forgetAfterMs(config)))).numDeletedRows);
    if (sessions > 0 || throttles > 0) {
      await appendAuditEvent(trx, { actor: { kind: 'system', label: 'job:sessions.purge' }, action: 'sessions.purged', details: { sessions, throttles } });
    }
    return sessions;
  });
}
