import { z } from 'zod';

/** The six roles of DESIGN.md. */
export const ROLES = ['officer', 'custodian', 'leader', 'supervisor', 'admin', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

/** Every permission a route can require. `self` is what any logged-in user may do to their own account. */
export const PERMISSIONS = [
  'self',
  'departments:read',
  'departments:write',
  'people:read',
  'people:write',
  'users:read',
  'users:write',
  'settings:read',
  'settings:write',
  'audit:read',
  'audit:verify',
  'jobs:read',
  'recordings:read',
  'recordings:upload',
  'recordings:edit',
  'offload:read',
  'offload:confirm',
  'access:request',
  'access:approve',
  // Recording devices (第十五至二十条).
  'devices:read',
  'devices:manage',
  'devices:checkout',
  'devices:fault',
  'devices:approve',
  'devices:configure',
  'custody:read',
  'cases:read',
  'cases:write',
  'cases:reveal',
  'casefiles:read',
  'casefiles:write',
  'casefiles:archive',
  // 第十二条 long-term preservation: marks, disc / removable-media sets and the media register.
  'preservation:propose',
  'preservation:approve',
  'discs:read',
  'discs:write',
  // 第十一、二十条 retention table, holds and disposal.
  'retention:read',
  'retention:propose',
  'retention:approve',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

/**
 * The role and permission enums as the API documents them (components.schemas.Role / Permission): the web UI
 * and the CLI take their lists from the generated contract (src/api-contract), never from a copy.
 */
export const roleSchema = z.enum(ROLES).meta({ id: 'Role' });
export const permissionSchema = z.enum(PERMISSIONS).meta({ id: 'Permission' });

/**
 * How far one role's permission reaches over scoped data (recordings, people, hand-overs). A permission
 * reaches the union of its scopes; the access decision point (src/modules/access) turns them into ids and
 * SQL filters. Permissions on data that has no department (settings, the audit log, accounts) are `global`.
 * - `global`: every object.
 * - `department`: objects of the user's department and its sub-departments (recording or person department;
 *   for an upload, the target department).
 * - `own`: recordings the user uploaded or is a recording officer on (their own footage).
 * - `staff`: recordings on which a person of the user's department subtree is a recording officer (the
 *   custodian and leader answer for their people's footage wherever it was filed, 第十条).
 * For cases (案件): `department` is the case's department subtree; `own` the cases the user filed or whose
 * person is a handling officer (承办人员); `staff` the cases a person of the user's department subtree handles.
 */
export type Scope = 'global' | 'department' | 'own' | 'staff';

const G = ['global'] as const;
const D = ['department'] as const;

/**
 * Role → permission → scope, the one policy table. 第十四条/第三条: people and AV records are managed
 * strictly; the auditor sees everything and changes nothing; only the admin changes people, accounts and
 * settings. A role's scope applies only to that role's own permissions: combining roles never lends one
 * role's global scope to another role's write permission (officer + auditor reads everything but still edits
 * only its own footage).
 */
const policy: Record<Role, Partial<Record<Permission, readonly Scope[]>>> = {
  // 第十条: officers offload and tag their own footage; they may edit only recordings they are on or uploaded.
  officer: {
    self: G,
    'departments:read': G,
    'people:read': D,
    'recordings:read': ['department', 'own'],
    'recordings:upload': D,
    'recordings:edit': ['own'],
    // 第十四条: pictures and sound only by an approved request (or break-glass, reviewed afterwards).
    'access:request': G,
    // 第十九条: the officer sees the department's devices and reports a fault at once; never repairs.
    'devices:read': D,
    'devices:fault': D,
    // Officers file and handle their department's cases; a party's ID number is shown in full only to the
    // case's own handling officers (个人信息保护法 art. 51: least access).
    'cases:read': ['department', 'own'],
    'cases:write': D,
    'cases:reveal': ['own'],
    // 第十四条: the case file's content (documents, the bound PDF) is consulted only by those who handle the
    // case; its handling officers compile it (立卷).
    'casefiles:read': ['own'],
    'casefiles:write': ['own'],
    // 第十二条: the officer proposes long-term preservation of footage they may read; a leader approves.
    'preservation:propose': ['department', 'own'],
  },
  // 第八、十条: the custodian receives, verifies and confirms the daily offloads of the department's people.
  custodian: {
    self: G,
    'departments:read': G,
    'people:read': D,
    'jobs:read': G,
    'recordings:read': ['department', 'own', 'staff'],
    'recordings:upload': D,
    'recordings:edit': D,
    'offload:read': D,
    'offload:confirm': D,
    'access:request': G,
    // 第十、十五、十八条: the department's 专门人员 keeps its devices: register, morning checkout queue with the
    // pre-use check, returns, maintenance log, faults and repair tickets.
    'devices:read': D,
    'devices:manage': D,
    'devices:checkout': D,
    'devices:fault': D,
    // The custodian answers for the chain of custody of what they receive and store (第八、十条).
    'custody:read': ['department', 'own', 'staff'],
    // The custodian keeps the department's records: reads its cases (links, gaps), changes none.
    'cases:read': D,
    // The custodian (档案管理) compiles and archives the department's case files.
    'casefiles:read': D,
    'casefiles:write': D,
    'casefiles:archive': D,
    // 第十二条: the custodian proposes preservation, builds the disc sets of the department's approved marks,
    // downloads and burns their images, registers the media and re-verifies them (档案法实施条例 art. 41).
    'preservation:propose': ['department', 'own', 'staff'],
    'discs:read': D,
    'discs:write': D,
  },
  leader: {
    self: G,
    'departments:read': G,
    'people:read': D,
    'recordings:read': ['department', 'staff'],
    'recordings:edit': D,
    'offload:read': D,
    'access:request': G,
    // 第十四条: the supervising leader approves viewing; which requests, the access-requests module decides
    // (own department subtree; from outside it only the department's head, 负责人).
    'access:approve': D,
    // 第十九条: the leader approves repair tickets (and so their costs) of the department's devices.
    'devices:read': D,
    'devices:approve': D,
    // 保管链: who did what to their recordings (issue 8 §7); the same reach as their reading.
    'custody:read': ['department', 'staff'],
    // The leader answers for the department's cases (审批, 负责人).
    'cases:read': ['department', 'staff'],
    'cases:write': D,
    'cases:reveal': D,
    // The leader reviews (评查) and archives the department's case files.
    'casefiles:read': ['department', 'staff'],
    'casefiles:write': D,
    'casefiles:archive': D,
    // 第十二条: the leader approves (never their own proposal) and releases long-term preservation marks.
    'preservation:propose': ['department', 'staff'],
    'preservation:approve': ['department', 'staff'],
    'discs:read': D,
    // 第十一条: the agency's retention table and disposal batches are approved by a leader (never by the
    // proposer); a leader may also propose, place legal holds and restore items in a grace period.
    'retention:read': G,
    'retention:propose': G,
    'retention:approve': G,
  },
  // 法制督察: reads everything, changes no recording.
  supervisor: {
    self: G,
    'departments:read': G,
    'people:read': G,
    'audit:read': G,
    'audit:verify': G,
    'jobs:read': G,
    'recordings:read': G,
    'offload:read': G,
    'access:request': G,
    // Reads every device's history and the supervision findings (unauthorised repairs, 第十九条).
    'devices:read': G,
    'custody:read': G,
    // 法制审核/督察 reviews every case, identities included; changes none.
    'cases:read': G,
    'cases:reveal': G,
    // 法制督察 reviews every case file (案卷评查); changes none.
    'casefiles:read': G,
    // Sees every disc set and medium and their checks (alerts), never downloads an image.
    'discs:read': G,
    'retention:read': G,
  },
  admin: {
    self: G,
    'departments:read': G,
    'departments:write': G,
    'people:read': G,
    'people:write': G,
    'users:read': G,
    'users:write': G,
    'settings:read': G,
    'settings:write': G,
    'audit:read': G,
    'audit:verify': G,
    'jobs:read': G,
    'recordings:read': G,
    'recordings:edit': G,
    'offload:read': G,
    // The agency-wide register (import/export), the repairer list and maintenance intervals.
    'devices:read': G,
    'devices:manage': G,
    'devices:configure': G,
    // The admin already reads the whole audit log; the custody report is a view of it.
    'custody:read': G,
    // The admin sees cases (to keep the checklist with settings:write) but neither handles them nor sees identities.
    'cases:read': G,
    // Sees the media register and its alerts (工作台); neither builds nor downloads images.
    'discs:read': G,
    // The admin keeps the retention table (proposes versions a leader approves) and sees disposal batches.
    'retention:read': G,
    'retention:propose': G,
  },
  auditor: {
    self: G,
    'departments:read': G,
    'people:read': G,
    'users:read': G,
    'settings:read': G,
    'audit:read': G,
    'audit:verify': G,
    'jobs:read': G,
    'recordings:read': G,
    'offload:read': G,
    'devices:read': G,
    'custody:read': G,
    // The auditor reads cases and the audit trail of every reveal, never the identities themselves.
    'cases:read': G,
    'discs:read': G,
    'retention:read': G,
  },
};

/** Roles whose reach depends on the account's department (such an account needs a department to work). */
export const DEPARTMENT_SCOPED_ROLES: readonly Role[] = ROLES.filter((r) =>
  Object.values(policy[r]).some((scopes) => scopes?.some((s) => s === 'department' || s === 'staff')),
);

/** Union of the permissions of the given roles (the route-level gate). */
export function permissionsOf(roles: readonly string[]): Set<Permission> {
  const out = new Set<Permission>();
  for (const r of roles) for (const p of Object.keys(policy[r as Role] ?? {}) as Permission[]) out.add(p);
  return out;
}

/**
 * The scopes one permission reaches for a user with these roles: the union over the roles that HOLD the
 * permission — a role without it contributes nothing, so its wider scope never leaks in.
 */
export function scopesOf(roles: readonly string[], permission: Permission): Set<Scope> {
  const out = new Set<Scope>();
  for (const r of roles) for (const s of policy[r as Role]?.[permission] ?? []) out.add(s);
  return out;
}

/** A role that lacks the permission (for tests and for the docs), or undefined when every role has it. */
export function roleWithout(permission: Permission): Role | undefined {
  return ROLES.find((r) => !policy[r][permission]);
}
