import type { RawBuilder, SqlBool } from 'kysely';
import { sql } from 'kysely';
import type { AuthUser } from '../../platform/auth/auth-user.ts';
import { scopesOf, type Scope } from '../../platform/auth/permissions.ts';
import type { DbOrTx } from '../../platform/db/database.ts';
import { AppError, type ErrorCode } from '../../platform/errors/error-catalog.ts';
import { subtreeIds } from '../departments/departments.repository.ts';
import { ACTIONS, type Action } from './access.policy.ts';
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
  const scopes = scopesFor(user, action);
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

/**
 * Seam for the access-requests issue: objects a live, approved grant opens to this principal for this
 * action. No grants exist yet, so it adds nothing; when they do, the condition goes here and every list and
 * check picks it up.
 */
function grantCondition(_user: Principal, _action: Action, _alias: string): RawBuilder<SqlBool> | undefined {
  return undefined;
}

const conditionOf = { recording: repo.recordingCondition, person: repo.personCondition, department: repo.departmentCondition };

/**
 * The SQL condition a list or search adds (over the entity's table under `alias`) so it shows exactly the
 * objects `allowedIds` would allow.
 */
export async function accessFilter(db: DbOrTx, user: Principal, action: Action, alias: string): Promise<RawBuilder<SqlBool>> {
  const own = conditionOf[ACTIONS[action].entity](await reachOf(db, user, action), alias);
  const granted = grantCondition(user, action, alias);
  return granted ? sql<SqlBool>`(${own} OR ${granted})` : own;
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
