/**
 * Shapes of the QuanLu REST API as the web UI uses them (mirrors src/modules/*.schema.ts).
 * Times are ISO 8601 UTC strings; calendar dates are 'YYYY-MM-DD'.
 */

export type Role = 'officer' | 'custodian' | 'leader' | 'supervisor' | 'admin' | 'auditor';
export const ROLES: readonly Role[] = ['officer', 'custodian', 'leader', 'supervisor', 'admin', 'auditor'];

export type Permission =
  | 'self'
  | 'departments:read'
  | 'departments:write'
  | 'people:read'
  | 'people:write'
  | 'users:read'
  | 'users:write'
  | 'settings:read'
  | 'settings:write'
  | 'audit:read'
  | 'audit:verify'
  | 'jobs:read'
  | 'recordings:read'
  | 'recordings:upload'
  | 'recordings:edit'
  | 'offload:read'
  | 'offload:confirm';

/** GET /api/auth/me */
export interface Me {
  id: string;
  username: string;
  displayName: string;
  roles: Role[];
  permissions: Permission[];
  departmentId: string | null;
  personId: string | null;
  via: 'session' | 'token';
}

export interface LoginResponse {
  user: Me;
  csrfToken: string;
  expiresAt: string;
}

/** `{ items, nextCursor }` — cursor paging. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface Items<T> {
  items: T[];
}

export type DepartmentKind = 'bureau' | 'office' | 'detachment' | 'other';
export const DEPARTMENT_KINDS: readonly DepartmentKind[] = ['bureau', 'office', 'detachment', 'other'];

export interface Department {
  id: string;
  name: string;
  code: string | null;
  kind: DepartmentKind;
  parentId: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface DepartmentInput {
  name: string;
  code?: string | null;
  kind: DepartmentKind;
  parentId?: string | null;
}

/** 执法证 — enforcement certificate. */
export interface Certificate {
  number: string;
  examPassedOn: string | null;
  validUntil: string;
  issuingBody: string | null;
}

export interface QualificationReason {
  code: string;
  zh: string;
  en: string;
}

/** 第七条: may this person be a recording subject today? */
export interface Qualification {
  qualified: boolean;
  on: string;
  reasons: QualificationReason[];
}

export interface Person {
  id: string;
  name: string;
  staffNumber: string;
  departmentId: string;
  departmentName: string;
  enrolled: boolean;
  certificate: Certificate | null;
  qualification: Qualification;
  createdAt: string;
  updatedAt: string;
}

export interface PersonInput {
  name: string;
  staffNumber: string;
  departmentId: string;
  enrolled: boolean;
  certificate: Certificate | null;
}

export interface TrainingRecord {
  id: string;
  personId: string;
  heldOn: string;
  subject: string;
  hours: number;
  createdAt: string;
}

export interface User {
  id: string;
  username: string;
  displayName: string;
  personId: string | null;
  departmentId: string | null;
  roles: Role[];
  disabled: boolean;
  lockedUntil: string | null;
  lastLoginAt: string | null;
  createdAt: string;
}

export interface UserCreate {
  username: string;
  displayName: string;
  password: string;
  personId?: string | null;
  departmentId?: string | null;
  roles: Role[];
}

export type UserPatch = Partial<Omit<UserCreate, 'username'>> & { disabled?: boolean };

export interface ApiToken {
  id: string;
  name: string;
  prefix: string;
  createdAt: string;
  expiresAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface CreatedApiToken extends ApiToken {
  /** The secret: shown once, never stored by the server. */
  token: string;
}

export interface Setting {
  key: string;
  value: unknown;
  isDefault: boolean;
  updatedAt: string | null;
}

export type JobState = 'queued' | 'running' | 'done' | 'failed';

export interface Job {
  id: string;
  kind: string;
  state: JobState;
  attempts: number;
  maxAttempts: number;
  runAt: string;
  lastError: string | null;
  createdAt: string;
  finishedAt: string | null;
}

export interface AuditEvent {
  seq: string;
  at: string;
  actorId: string | null;
  actorLabel: string;
  action: string;
  targetType: string | null;
  targetId: string | null;
  details: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

export interface ChainStatus {
  headSeq: string;
  headHash: string;
  lastVerification: {
    seq: string;
    at: string;
    ok: boolean;
    checked: number;
    firstBrokenSeq: string | null;
    reason: string | null;
  } | null;
}

export interface ChainVerification {
  ok: boolean;
  checked: number;
  headSeq: string;
  firstBrokenSeq?: string;
  reason?: 'hash' | 'missing' | 'link' | 'head';
  durationMs: number;
}
