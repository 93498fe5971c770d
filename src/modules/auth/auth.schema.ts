import { z } from 'zod';
import { permissionSchema, roleSchema } from '../../platform/auth/permissions.ts';
import { text } from '../../platform/http/schemas.ts';

export const loginBody = z.strictObject({
  /** Login name (case-insensitive). */
  username: text(40),
  /** Password. */
  password: z.string().min(1).max(200),
});

/** The logged-in user as the web UI sees it. */
export const meResponse = z.object({
  id: z.uuid(),
  username: z.string(),
  displayName: z.string(),
  roles: z.array(roleSchema),
  permissions: z.array(permissionSchema),
  departmentId: z.uuid().nullable(),
  personId: z.uuid().nullable(),
  via: z.enum(['session', 'token']),
});

export const loginResponse = z.object({
  user: meResponse,
  /** Send this value in the `x-csrf-token` header of every write made with the session cookie. */
  csrfToken: z.string(),
  expiresAt: z.iso.datetime(),
});

export const createTokenBody = z.strictObject({
  /** What the token is for, e.g. "采集站 1". */
  name: text(80),
  /** Lifetime in days, 1–365. */
  expiresInDays: z.number().int().min(1).max(365).default(90),
});

export const tokenView = z.object({
  id: z.uuid(),
  name: z.string(),
  /** First characters of the token, to recognise it. */
  prefix: z.string(),
  createdAt: z.iso.datetime(),
  expiresAt: z.iso.datetime(),
  lastUsedAt: z.iso.datetime().nullable(),
  revokedAt: z.iso.datetime().nullable(),
});

export const createdToken = tokenView.extend({
  /** The secret: shown once, never stored. */
  token: z.string(),
});

export const passwordChangeBody = z.strictObject({
  /** The password in use now (checked under the login throttle). */
  currentPassword: z.string().min(1).max(200),
  /** The new password: 10+ characters with letters and digits, not common, patterned or built from the user's names. */
  newPassword: z.string().min(10).max(200),
});

export const passwordChangeResponse = z.object({
  /** The user's other login sessions that the change ended (this one stays). */
  sessionsEnded: z.number().int(),
  /** The user's API tokens that the change revoked (all of them). */
  tokensRevoked: z.number().int(),
});
