import { z } from 'zod';
import { AppError } from '../errors/error-catalog.ts';
import type { FastifyRequest } from 'fastify';
import type { AuthUser } from '../auth/auth-user.ts';

/** A text field: trimmed, no control characters (NUL and friends), bounded length. */
export const text = (max: number, min = 1) =>
  z
    .string()
    .trim()
    .min(min)
    .max(max)
    .regex(/^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]*$/u, { error: 'no control characters / 不能包含控制字符' });

/** A calendar date 'YYYY-MM-DD' that exists. */
export const dateString = z.iso.date();

export const idParams = z.object({ id: z.uuid() });

/** `?limit=&cursor=` for cursor paging. */
export const pageQuery = z.object({
  /** Page size, 1–200 (default 50). */
  limit: z.coerce.number().int().min(1).max(200).default(50),
  /** Opaque cursor from the previous page's `nextCursor`. */
  cursor: z.string().max(500).optional(),
});

/** The error body of every non-2xx response. */
export const errorBody = z.object({
  code: z.string(),
  message: z.string(),
  requestId: z.string(),
  fields: z.record(z.string(), z.string()).optional(),
});

/** `{ items, nextCursor }` */
export const pageOf = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), nextCursor: z.string().nullable() });

/** The authenticated user of a route that declared a permission (the auth hook guarantees it). */
export function userOf(req: FastifyRequest): AuthUser {
  if (!req.user) throw new AppError('UNAUTHENTICATED');
  return req.user;
}

/** Encodes / decodes an opaque keyset cursor. */
export function encodeCursor(values: unknown[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}
export function decodeCursor(cursor: string | undefined): unknown[] | undefined {
  if (!cursor) return undefined;
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(v)) return v;
  } catch {
    /* fall through */
  }
  throw new AppError('VALIDATION_FAILED', {}, { cursor: 'invalid cursor / 无效的分页游标' });
}
