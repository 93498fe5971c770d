import { z } from 'zod';
import { dateString, text } from '../../platform/http/schemas.ts';

export const createBody = z.union([
  z.strictObject({ caseId: z.uuid() }),
  z.strictObject({ recordingIds: z.array(z.uuid()).min(1).max(500) }),
]);

export const listQuery = z.object({ caseId: z.uuid().optional(), limit: z.coerce.number().int().min(1).max(100).default(20) });

export const deliverBody = z.strictObject({ deadlineId: z.uuid(), deliveredOn: dateString, note: text(300).nullable().optional() });

export const packageView = z.object({
  id: z.string(),
  caseId: z.string().nullable(),
  recordingIds: z.array(z.string()),
  state: z.enum(['queued', 'building', 'ready', 'failed']),
  /** Bytes of the originals and the case file to stream, and those streamed so far (progress). */
  bytesTotal: z.number(),
  bytesDone: z.number(),
  fileSize: z.number().nullable(),
  /** SHA-256 of the ZIP file, once ready. */
  sha256: z.string().nullable(),
  checkpointSize: z.number().nullable(),
  error: z.string().nullable(),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
  downloadUrl: z.string().nullable(),
});

/** The BagIt profile (BagIt-Profiles JSON): an open object, published as is. */
export const profileView = z.record(z.string(), z.unknown());
