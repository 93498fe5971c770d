import { z } from 'zod';
import { roleSchema } from '../../platform/auth/permissions.ts';
import { text } from '../../platform/http/schemas.ts';

const roles = z.array(roleSchema).max(6).refine((r) => new Set(r).size === r.length, { error: 'duplicate role / 角色重复' });

export const userBody = z.strictObject({
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
  /** Initial password: 10+ characters with letters and digits, not a common or patterned one, not built from the user name or the person's name. */
  password: z.string().min(10).max(200),
  /** The person in the register this account belongs to; their department is used when none is given. */
  personId: z.uuid().nullable().optional(),
  /** Department that scopes what the user sees; officer, custodian and leader accounts must have one (given or from the person). */
  departmentId: z.uuid().nullable().optional(),
  /** Roles: officer 执法人员, custodian 存储管理员, leader 主管领导, supervisor 法制督察, admin 系统管理员, auditor 审计. */
  roles: roles,
});

export const userPatch = userBody.omit({ username: true }).partial().extend({
  /** Disable (true) or enable (false) the account; disabling ends its sessions and API tokens, as does a new password. */
  disabled: z.boolean().optional(),
});

export const userView = z.object({
  id: z.uuid(),
  username: z.string(),
  displayName: z.string(),
  personId: z.uuid().nullable(),
  departmentId: z.uuid().nullable(),
  roles: z.array(roleSchema),
  disabled: z.boolean(),
  /** Until when logins of this account must wait after wrong passwords (login throttle); null when they need not. */
  lockedUntil: z.iso.datetime().nullable(),
  lastLoginAt: z.iso.datetime().nullable(),
  createdAt: z.iso.datetime(),
});
