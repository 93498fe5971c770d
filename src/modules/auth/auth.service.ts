import { appendAuditEvent } from '../../platform/audit/audit-chain.ts';
import { actorOf, type AuthUser } from '../../platform/auth/auth-user.ts';
import { permissionsOf, type Role } from '../../platform/auth/permissions.ts';
import { dummyPasswordHash, randomSecret, tokenHash, verifyPassword } from '../../platform/auth/secrets.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError } from '../../platform/errors/error-catalog.ts';
import { formatShanghai } from '../../platform/time.ts';
import * as repo from './auth.repository.ts';

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
 * Checks a username and password. Failures are counted and audited (committed even though the
 * login fails); after `lockoutAttempts` failures in a row the account is locked for `lockoutMinutes`.
 */
export async function login(
  { db, config }: Deps,
  input: { username: string; password: string; ip: string | null; userAgent: string | null },
): Promise<LoginResult> {
  const username = input.username.trim().toLowerCase();
  const outcome = await db.transaction().execute(async (trx) => {
    const u = await repo.findUserForLogin(trx, username);
    const now = new Date();
    if (!u) {
      await verifyPassword(await dummyPasswordHash(), input.password);
      await appendAuditEvent(trx, {
        actor: { kind: 'anonymous', label: username.slice(0, 80) || '(empty)' },
        action: 'auth.login.failed',
        details: { reason: 'unknown_user', ip: input.ip },
      });
      return { error: new AppError('LOGIN_FAILED') };
    }
    const actor = actorOf(u);
    const target = { type: 'user', id: u.id };
    if (u.locked_until && u.locked_until > now) {
      await appendAuditEvent(trx, { actor, action: 'auth.login.failed', target, details: { reason: 'locked', ip: input.ip } });
      return { error: new AppError('ACCOUNT_LOCKED', { until: formatShanghai(u.locked_until) }) };
    }
    const ok = await verifyPassword(u.password_hash, input.password);
    if (!ok) {
      const failures = u.failed_logins + 1;
      const lock = failures >= config.lockoutAttempts ? new Date(now.getTime() + config.lockoutMinutes * 60_000) : null;
      await repo.recordLoginFailure(trx, u.id, lock ? 0 : failures, lock);
      await appendAuditEvent(trx, {
        actor,
        action: 'auth.login.failed',
        target,
        details: { reason: 'bad_password', failures, ip: input.ip },
      });
      if (lock) {
        await appendAuditEvent(trx, { actor, action: 'auth.account.locked', target, details: { until: lock.toISOString() } });
        return { error: new AppError('ACCOUNT_LOCKED', { until: formatShanghai(lock) }) };
      }
      return { error: new AppError('LOGIN_FAILED') };
    }
    if (u.disabled) {
      await appendAuditEvent(trx, { actor, action: 'auth.login.failed', target, details: { reason: 'disabled', ip: input.ip } });
      return { error: new AppError('ACCOUNT_DISABLED') };
    }
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

/** Issues a personal API token; the secret is returned once and only its hash is kept. */
export async function createApiToken({ db }: Deps, user: AuthUser, input: { name: string; expiresInDays: number }) {
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

/** Removes sessions that expired more than a day ago (a periodic job). */
export async function purgeExpiredSessions({ db }: Deps): Promise<number> {
  const r = await repo.deleteExpiredSessions(db, new Date(Date.now() - 86_400_000));
  return Number(r.numDeletedRows);
}
