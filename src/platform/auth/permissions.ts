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
] as const;
export type Permission = (typeof PERMISSIONS)[number];

/**
 * Role → permissions. 第十四条/第三条: people and AV records are managed strictly; the auditor sees
 * everything and changes nothing; only the admin changes people, accounts and settings.
 */
const grants: Record<Role, readonly Permission[]> = {
  // 第十条: officers offload and tag their own footage; they may edit only recordings they are on.
  officer: ['self', 'departments:read', 'people:read', 'recordings:read', 'recordings:upload', 'recordings:edit'],
  // 第八、十条: the custodian receives, verifies and confirms the daily offloads.
  custodian: ['self', 'departments:read', 'people:read', 'jobs:read', 'recordings:read', 'recordings:upload', 'recordings:edit', 'offload:read', 'offload:confirm'],
  leader: ['self', 'departments:read', 'people:read', 'recordings:read', 'recordings:edit', 'offload:read'],
  supervisor: ['self', 'departments:read', 'people:read', 'audit:read', 'audit:verify', 'jobs:read', 'recordings:read', 'offload:read'],
  admin: [
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
    'recordings:edit',
    'offload:read',
  ],
  auditor: ['self', 'departments:read', 'people:read', 'users:read', 'settings:read', 'audit:read', 'audit:verify', 'jobs:read', 'recordings:read', 'offload:read'],
};

/** Union of the permissions of the given roles. */
export function permissionsOf(roles: readonly string[]): Set<Permission> {
  const out = new Set<Permission>();
  for (const r of roles) for (const p of grants[r as Role] ?? []) out.add(p);
  return out;
}

/** Roles whose data scope is the whole agency; others see their own department and its sub-departments. */
export function hasGlobalScope(roles: readonly string[]): boolean {
  return roles.some((r) => r === 'admin' || r === 'auditor' || r === 'supervisor');
}

/** A role that lacks the permission (for tests and for the docs), or undefined when every role has it. */
export function roleWithout(permission: Permission): Role | undefined {
  return ROLES.find((r) => !grants[r].includes(permission));
}
