import { z } from 'zod';
import { bilingualText } from './zod-messages.ts';
import { unsafeTextProblem } from './safe-text.ts';
import { AppError } from '../errors/error-catalog.ts';
import type { FastifyRequest } from 'fastify';
import type { AuthUser } from '../auth/auth-user.ts';

/** Refuses control, bidi-override and zero-width characters with a message saying which (safe-text.ts). */
const safeText = (multiline: boolean) => (v: string, ctx: z.RefinementCtx) => {
  const problem = unsafeTextProblem(v, { multiline });
  if (problem) ctx.addIssue({ code: 'custom', message: bilingualText(problem) });
};

/** A single-line name or text field: trimmed, bounded, without control, direction or invisible characters. */
export const text = (max: number, min = 1) => z.string().trim().min(min).max(max).superRefine(safeText(false));

/** Multi-line free text (notes, reasons): like `text`, but line breaks (CRLF stored as LF) and tabs are allowed. */
export const multilineText = (max: number, min = 1) =>
  z
    .string()
    .overwrite((v) => v.replace(/\r\n?/g, '\n'))
    .trim()
    .min(min)
    .max(max)
    .superRefine(safeText(true));

const offsetPattern = /(?:([+-])(\d{2}):(\d{2}))$/;

/**
 * An instant: ISO 8601 date and time with a UTC offset (`Z` or `±hh:mm`), e.g. 2026-03-01T08:30:00+08:00.
 * Used for query times, PATCH bodies and upload metadata alike. Offsets are limited to the ones in use on
 * Earth (−12:00 … +14:00, taken as ±14:00); PostgreSQL refuses ±16:00 and beyond. Years 1900–9999.
 */
export const instant = z.iso.datetime({ offset: true }).superRefine((v, ctx) => {
  const m = offsetPattern.exec(v);
  if (m && Number(m[2]) * 60 + Number(m[3]) > 14 * 60) {
    ctx.addIssue({ code: 'custom', message: 'the UTC offset must be between -14:00 and +14:00 / 时区偏移须在 -14:00 至 +14:00 之间' });
  }
  if (Number(v.slice(0, 4)) < 1900) ctx.addIssue({ code: 'custom', message: 'the year must be between 1900 and 9999 / 年份须在 1900 至 9999 之间' });
});

/** A calendar date 'YYYY-MM-DD' that exists. */
export const dateString = z.iso
  .date()
  .refine((v) => Number(v.slice(0, 4)) >= 1900, { error: 'the year must be between 1900 and 9999 / 年份须在 1900 至 9999 之间' });

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

/** Encodes an opaque keyset cursor (base64url JSON of the last row's sort key). */
export function encodeCursor(values: unknown[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

/** The shapes of the keyset cursors the list routes hand out; decodeCursor checks a cursor against one. */
export const cursorShape = {
  /** (instant, id): recordings by recording or upload time. */
  instantAndId: z.tuple([z.iso.datetime().refine((v) => Number(v.slice(0, 4)) >= 1900), z.uuid()]),
  /** (text, id): people by staff number. */
  textAndId: z.tuple([z.string().max(200), z.uuid()]),
  /** (sequence number): the audit log. A bigint as decimal text, at most 2^63 − 1. */
  sequence: z.tuple([
    z
      .union([z.string(), z.number().int().nonnegative()])
      .transform(String)
      .refine((v) => /^[0-9]{1,19}$/.test(v) && BigInt(v) <= 9223372036854775807n),
  ]),
} as const;

/**
 * Decodes a cursor from a previous page. Cursors come back from clients, so anything that is not the
 * shape this list hands out (bad base64, not JSON, wrong length, a number too big for the column, a bad
 * id or time) is a clear 400, never a database error.
 */
export function decodeCursor<T extends z.ZodTuple>(cursor: string | undefined, shape: T): z.output<T> | undefined {
  if (!cursor) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    v = undefined;
  }
  const parsed = shape.safeParse(v);
  if (parsed.success) return parsed.data;
  throw new AppError('INVALID_CURSOR', {}, { cursor: { zh: '分页游标无效', en: 'invalid page cursor' } });
}
