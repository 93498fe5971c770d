import type { Permission } from '../../platform/auth/permissions.ts';

/** The kinds of object an action names, and so which table its ids and filter refer to. */
export type Entity = 'recording' | 'person' | 'department';

/**
 * Every scoped action, the object it applies to and the permission(s) whose scopes it follows
 * (permissions.ts holds role → permission → scope). Services ask about actions, never about roles.
 */
export const ACTIONS = {
  /** Read a recording's descriptive metadata (detail, list, search). */
  'recording.metadata.read': { entity: 'recording', permissions: ['recordings:read'] },
  /**
   * See a recording's pictures or sound (thumbnail, proxy). Follows the read scope for now; the
   * access-requests issue narrows it to live grants in this one place.
   */
  'recording.media.view': { entity: 'recording', permissions: ['recordings:read'] },
  /** Edit a recording's descriptive metadata. */
  'recording.edit': { entity: 'recording', permissions: ['recordings:edit'] },
  /** Upload into a department. */
  'recording.upload': { entity: 'department', permissions: ['recordings:upload'] },
  /**
   * Move a recording one may edit into a department: where one may upload or edit (only department and
   * global scopes name departments, so an officer's `own` edit scope adds none).
   */
  'recording.move': { entity: 'department', permissions: ['recordings:upload', 'recordings:edit'] },
  /** See a person's hand-overs and late offloads (第十条). */
  'offload.read': { entity: 'person', permissions: ['offload:read'] },
  /** Confirm a person's daily hand-over: only their own department's custodians (第十条). */
  'offload.confirm': { entity: 'person', permissions: ['offload:confirm'] },
  /** Read a person of the register. */
  'person.read': { entity: 'person', permissions: ['people:read'] },
  /** Name a person as a recording officer on an upload or an edit. */
  'person.tag': { entity: 'person', permissions: ['recordings:upload', 'recordings:edit'] },
} as const satisfies Record<string, { entity: Entity; permissions: readonly Permission[] }>;

export type Action = keyof typeof ACTIONS;
