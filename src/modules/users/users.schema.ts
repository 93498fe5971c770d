import { z } from 'zod';
import { ROLES } from '../../platform/auth/permissions.ts';
import { text } from '../../platform/http/schemas.ts';

const roles = z.array(z.enum(ROLES)).max(6).refine((r) => new Set(r).size === r.length, { error: 'duplicate role / 角色重复' });

export const userBody = z.object({
  /** Login name: 2–40 of a-z, 0-9, dot, dash, underscore. */
  username: z
    .string()
    .trim()
    .toLowerCase()
    .min(2)
    .max(40)
    .regex(/^[a-z0-9._-]+$/, { error: 'a-z, 0-9, . _ - only / 仅限小写字母、数字和 . _ -' }),
  /** Name shown in the UI. */
  displayName: text(60),
  /** Initial password (10+ characters, letters and digits). */
  password: z.string().min(10).max(200),
  /** The person in the register this account belongs to (officers must have one). */
  personId: z.uuid().nullable().optional(),
  /** Department that scopes what the user sees (non-global roles). */
  departmentId: z.uuid().nullable().optional(),
  /** Roles: officer 执法人员, custodian 存储管理员, leader 主管领导, supervisor 法制督察, admin 系统管理员, auditor 审计. */
  roles: roles,
});

export const userPatch = userBody.omit({ username: true }).partial().extend({
  /** Disable (true) or enable (false) the account; disabling ends its sessions. */
  disabled: z.boolean().optional(),
});

export const userView = z.object({
  id: z.uuid(),
  username: z.string(),
  displayName: z.string(),
  personId: z.uuid().nullable(),
  departmentId: z.uuid().nullable(),
  roles: z.array(z.string()),
  disabled: z.boolean(),
  lockedUntil: z.iso.datetime().nullable(),
  lastLoginAt: z.iso.datetime().nullable(),
  createdAt: z.iso.datetime(),
});

export const passwordChangeBody = z.object({
  currentPassword: z.string().min(1).max(200),
  newPassword: z.string().min(10).max(200),
});
