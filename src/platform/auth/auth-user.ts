import type { Actor } from '../audit/audit-chain.ts';
import type { Permission, Role } from './permissions.ts';

/** The caller of a request, resolved on the server from a session cookie or an API token. */
export interface AuthUser {
  id: string;
  username: string;
  displayName: string;
  roles: Role[];
  departmentId: string | null;
  personId: string | null;
  permissions: Set<Permission>;
  via: 'session' | 'token';
  sessionId?: string;
  csrfToken?: string;
  tokenId?: string;
}

/** The audit actor for a user. */
export function actorOf(user: Pick<AuthUser, 'id' | 'username'>): Actor {
  return { kind: 'user', id: user.id, label: user.username };
}

export const SYSTEM_ACTOR: Actor = { kind: 'system', label: 'system' };
