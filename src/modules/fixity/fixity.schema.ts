import { z } from 'zod';

const sha256 = z.string().regex(/^[0-9a-f]{64}$/);
const checkResult = z.enum(['ok', 'missing', 'sha256-mismatch', 'sm3-mismatch', 'size-mismatch', 'unreadable']);

/** `:sha256` of an original (clients may send upper case; it is lower-cased before use). */
export const originalParams = z.object({ sha256: z.string().regex(/^[0-9a-fA-F]{64}$/) });

/** The answer of a fresh check of one original (the workstation asks before it clears a card). */
export const freshCheckView = z.object({
  sha256,
  /** SM3 recorded when the original was stored. */
  sm3: z.string(),
  sizeBytes: z.number(),
  /** `ok`: the stored bytes match both recorded hashes now; `damaged` or `missing`: keep every other copy. */
  result: z.enum(['ok', 'damaged', 'missing']),
  /** The precise outcome (`sha256-mismatch`, `sm3-mismatch`, `unreadable` … are all `damaged`). */
  check: checkResult,
  /** What differed, for people. */
  detail: z.string().nullable(),
  checkedAt: z.iso.datetime(),
});

/** One failing object on the 工作台 alert. */
const alertItem = z.object({
  sha256,
  kind: z.enum(['original', 'derived']),
  result: z.string(),
  failingSince: z.iso.datetime(),
  lastCheckedAt: z.iso.datetime(),
  /** The caller's recordings that hold it (others are not named). */
  recordingIds: z.array(z.uuid()),
});

export const alertsView = z.object({
  /** Stored objects whose latest check failed (all of them, not only the caller's). */
  failing: z.number(),
  /** Objects not checked within the fixity period (the schedule is behind). */
  overdue: z.number(),
  items: z.array(alertItem),
});

/** Body of POST /api/fixity/runs: one recording now, or every stored object (queued). */
export const runRequest = z.union([
  z.object({ recordingId: z.uuid() }).strict(),
  z.object({ all: z.literal(true) }).strict(),
]);

const failure = z.object({ sha256, kind: z.enum(['original', 'derived']), result: checkResult, detail: z.string().nullable(), recordingIds: z.array(z.string()) });
const orphans = z.object({
  /** Store files that no original or derived row names (first 1,000 keys). */
  storeFilesWithoutRows: z.array(z.string()),
  storeFilesWithoutRowsCount: z.number(),
  /** Rows whose stored file is gone (also among the failures, as `missing`). */
  rowsWithoutFiles: z.array(z.string()),
});

/** A fixity pass and what it found. */
export const runView = z.object({
  id: z.uuid(),
  reason: z.enum(['schedule', 'manual']),
  scope: z.unknown(),
  state: z.enum(['queued', 'running', 'done', 'failed']),
  startedAt: z.iso.datetime(),
  finishedAt: z.iso.datetime().nullable(),
  total: z.number(),
  checked: z.number(),
  failed: z.number(),
  bytes: z.number(),
  failures: z.array(failure),
  /** Present when the pass listed the store (a full pass always does). */
  orphans: orphans.nullable(),
  error: z.string().nullable(),
});
