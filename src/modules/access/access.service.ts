import type { RawBuilder, SqlBool } from 'kysely';
import { sql } from 'kysely';
import type { AuthUser } from '../../platform/auth/auth-user.ts';
import { scopesOf, type Permission, type Scope } from '../../platform/auth/permissions.ts';
import type { DbOrTx } from '../../platform/db/database.ts';
import { AppError, type ErrorCode } from '../../platform/errors/error-catalog.ts';
import { subtreeIds } from '../departments/departments.repository.ts';
import { settingsRegistry } from '../settings/settings.registry.ts';
import { getSetting } from '../settings/settings.service.ts';
import { ACTIONS, type Action, type GrantMode } from './access.policy.ts';
import * as repo from './access.repository.ts';

/**
 * The one access decision point: "which of these objects may this principal do this to?" (第十四条: no
 * access beyond one's remit). Services ask it about actions and ids; lists use the SQL filter it gives, so a
 * list can never show what a detail page refuses. Nothing outside this module looks at role names.
 */

/** Who asks: the parts of the authenticated user the decision uses. */
export type Principal = Pick<AuthUser, 'id' | 'roles' | 'departmentId' | 'personId' | 'permissions'>;

/**
 * The scopes the principal holds for an action: from each permission the action follows, the scopes of the
 * roles that hold that permission (permissions.ts). A permission the principal's credentials lack adds nothing.
 */
function scopesFor(user: Principal, action: Action): Set<Scope> {
  const out = new Set<Scope>();
  for (const p of ACTIONS[action].permissions) {
    if (!user.permissions.has(p)) continue;
    for (const s of scopesOf(user.roles, p)) out.add(s);
  }
  return out;
}

/** The principal's reach for an action, resolved to ids. A user without a department reaches no department. */
export async function reachOf(db: DbOrTx, user: Principal, action: Action): Promise<repo.Reach> {
  return reachFromScopes(db, user, scopesFor(user, action));
}

async function reachFromScopes(db: DbOrTx, user: Principal, scopes: Set<Scope>): Promise<repo.Reach> {
  const needsTree = !scopes.has('global') && (scopes.has('department') || scopes.has('staff'));
  const tree = needsTree && user.departmentId ? await subtreeIds(db, user.departmentId) : [];
  const own = scopes.has('own');
  return {
    all: scopes.has('global'),
    departmentIds: scopes.has('department') ? tree : [],
    uploadedBy: own ? user.id : null,
    personId: own ? user.personId : null,
    staffDepartmentIds: scopes.has('staff') ? tree : [],
  };
}

let testClock: (() => Date) | undefined;

/**
 * Test seam: makes grant validity and the own-footage window use this clock instead of the database's now()
 * (undefined restores it). Nothing in the application calls it.
 */
export function setAccessClock(clock: (() => Date) | undefined): void {
  testClock = clock;
}

/** "Now" as the access decisions see it, as SQL. */
function nowSql(): RawBuilder<Date> {
  return testClock ? sql<Date>`${testClock().toISOString()}::timestamptz` : sql<Date>`now()`;
}

/** "Now" as the access decisions see it (grants start and end against this). */
export async function accessNow(db: DbOrTx): Promise<Date> {
  return testClock ? testClock() : repo.databaseNow(db);
}

/**
 * Media actions (第十四条): a live grant of the action's modes, or what the media policy table lets the
 * principal's roles see without one — the own-footage window (`access.ownMediaHours`) or, where an admin set
 * it, the role's metadata reach. Copies have no policy exception (第二十条).
 */
async function mediaCondition(db: DbOrTx, user: Principal, action: Action, modes: readonly GrantMode[], alias: string): Promise<RawBuilder<SqlBool>> {
  const now = nowSql();
  const conds: RawBuilder<SqlBool>[] = [repo.grantCondition(user.id, modes, now, alias)];
  // Annotating follows viewing, except that a role's widened policy (reach) opens viewing only.
  if (action === 'recording.media.view' || action === 'recording.annotate') {
    const policy = await repo.mediaPolicyOf(db, user.roles);
    // A role's policy applies only if that role itself reads recordings (no lending between roles).
    const held = (role: string) => scopesOf([role], 'recordings:read').size > 0;
    const reachRoles = action === 'recording.media.view' ? user.roles.filter((r) => policy.get(r) === 'reach' && held(r)) : [];
    if (reachRoles.length) conds.push(repo.recordingCondition(await reachFromScopes(db, user, scopesOf(reachRoles, 'recordings:read')), alias));
    if (user.roles.some((r) => policy.get(r) === 'own_recent' && held(r))) {
      conds.push(repo.ownRecentCondition(user.id, user.personId, await getSetting(db, 'access.ownMediaHours'), now, alias));
    }
  }
  return sql<SqlBool>`(${sql.join(conds, sql` OR `)})`;
}

/**
 * `recording.media.view` as one SQL condition with nothing looked up first, for the playback hot path (every range
 * read): a live view/copy grant, or the own-footage window with the policy table and the window read inside the
 * statement — so a revocation, an expiry or a policy change counts from its commit, exactly as in accessFilter.
 * It does not cover the `reach` policy (that needs the department tree): `reachRoles` is true when one of the
 * principal's roles has it, and the caller must then ask accessFilter / isAllowed instead. Null when the
 * principal lacks `recordings:read` (never allowed).
 */
export function mediaViewInline(user: Principal, alias: string): { allowed: RawBuilder<SqlBool>; reachRoles: RawBuilder<SqlBool> } | null {
  const def = ACTIONS['recording.media.view'];
  if (!def.permissions.every((p) => user.permissions.has(p))) return null;
  const now = nowSql();
  const held = user.roles.filter((r) => scopesOf([r], 'recordings:read').size > 0);
  const allowed = sql<SqlBool>`(${repo.grantCondition(user.id, def.grant, now, alias)} OR ${repo.ownRecentInlineCondition(user.id, user.personId, held, settingsRegistry['access.ownMediaHours'].default, now, alias)})`;
  return { allowed, reachRoles: repo.reachPolicyCondition(held) };
}

/** The live grant that opens this recording to the principal for this mode, if any (copy receipts name it). */
export async function liveGrantFor(db: DbOrTx, user: Principal, mode: GrantMode, recordingId: string) {
  const g = await repo.liveGrant(db, user.id, mode === 'copy' ? ['copy'] : ['view', 'copy'], recordingId, nowSql());
  return g && { id: g.id, mode: g.mode, validUntil: g.valid_until, emergency: g.emergency };
}

const conditionOf = {
  recording: repo.recordingCondition,
  person: repo.personCondition,
  department: repo.departmentCondition,
  device: repo.deviceCondition,
  case: repo.caseCondition,
};

/**
 * The SQL condition a list or search adds (over the entity's table under `alias`) so it shows exactly the
 * objects `allowedIds` would allow.
 */
export async function accessFilter(db: DbOrTx, user: Principal, action: Action, alias: string): Promise<RawBuilder<SqlBool>> {
  const def: { entity: keyof typeof conditionOf; permissions: readonly Permission[]; grant?: readonly GrantMode[] } = ACTIONS[action];
  if (def.grant) {
    if (!def.permissions.every((p) => user.permissions.has(p))) return sql<SqlBool>`false`;
    return mediaCondition(db, user, action, def.grant, alias);
  }
  const own = conditionOf[def.entity](await reachOf(db, user, action), alias);
  // A live grant also opens the recording's description (the player needs it), never more than reading it.
  if (action !== 'recording.metadata.read' || !user.permissions.has('recordings:read')) return own;
  return sql<SqlBool>`(${own} OR ${repo.grantCondition(user.id, ['view', 'copy'], nowSql(), alias)})`;
}

/** Which of these ids (of the action's entity) the principal may act on; unknown ids are simply not allowed. */
export async function allowedIds(db: DbOrTx, user: Principal, action: Action, ids: readonly string[]): Promise<Set<string>> {
  return repo.idsWhere(db, ACTIONS[action].entity, ids, await accessFilter(db, user, action, 'x'));
}

/** Whether the principal may act on this one object. */
export async function isAllowed(db: DbOrTx, user: Principal, action: Action, id: string): Promise<boolean> {
  return (await allowedIds(db, user, action, [id])).has(id);
}

/**
 * Throws unless every id is allowed. By default the refusal is NOT_FOUND, exactly as for an unknown id, so an
 * out-of-scope id tells nothing about its existence (issue 6 item 6).
 */
export async function requireAccess(db: DbOrTx, user: Principal, action: Action, ids: readonly string[], refusal: ErrorCode = 'NOT_FOUND'): Promise<void> {
  const ok = await allowedIds(db, user, action, ids);
  if (ids.some((id) => !ok.has(id))) throw new AppError(refusal, refusal === 'FORBIDDEN' ? { permission: ACTIONS[action].permissions.join(' | ') } : {});
}
