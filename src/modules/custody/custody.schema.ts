import { z } from 'zod';

const seqText = z
  .union([z.string(), z.number().int().nonnegative()])
  .transform(String)
  .refine((v) => /^[0-9]{1,19}$/.test(v) && BigInt(v) <= 9223372036854775807n);

/** The cursor of a custody report's later pages: (the report's read event, the last event shown). */
export const custodyCursor = z.tuple([seqText, seqText]);

export const custodyQuery = z.object({
  /** Events per page, 1–1000 (default 500). */
  limit: z.coerce.number().int().min(1).max(1000).default(500),
  /** Opaque cursor from the previous page's `nextCursor` (the same report, up to its read). */
  cursor: z.string().max(200).optional(),
});

const bilingual = z.object({ zh: z.string(), en: z.string() });

/** One event of the chain of custody: a row of the audit chain, with what it means. */
const custodyEvent = z.object({
  /** The audit chain's sequence number: the proof. */
  seq: z.string(),
  at: z.iso.datetime(),
  /** The same instant in Beijing time, `YYYY-MM-DD HH:mm:ss`. */
  atBeijing: z.string(),
  action: z.string(),
  category: z.enum(['ingest', 'integrity', 'access', 'view', 'copy', 'metadata', 'handover', 'export', 'report', 'other']),
  actor: z.object({
    kind: z.enum(['user', 'system']),
    userId: z.uuid().nullable(),
    username: z.string(),
    /** The person's name (or the account's display name; the job name for the system). */
    name: z.string(),
    /** 工号 of the linked person. */
    staffNumber: z.string().nullable(),
  }),
  actorText: bilingual,
  title: bilingual,
  detail: bilingual,
  targetType: z.string().nullable(),
  targetId: z.string().nullable(),
  /** The event's chain hash (SHA-256 over the previous hash and the event), hex. */
  hash: z.string(),
  prevHash: z.string(),
});

const fileHashes = { sha256: z.string(), sm3: z.string(), sizeBytes: z.number() };

/** 保管链报告 — a recording's chain of custody (issue 8 §7). */
export const custodyReport = z
  .object({
    recording: z.object({
      id: z.uuid(),
      fileName: z.string(),
      departmentName: z.string(),
      deviceNumber: z.string().nullable(),
      officers: z.array(z.object({ name: z.string(), staffNumber: z.string() })),
      recordedStart: z.string(),
      recordedEnd: z.string().nullable(),
      uploadedAt: z.string(),
      uploadedBy: z.object({ username: z.string(), name: z.string(), staffNumber: z.string().nullable() }),
      activity: z.string(),
      caseName: z.string().nullable(),
      caseNumber: z.string().nullable(),
    }),
    original: z.object({ ...fileHashes, storedAt: z.string() }),
    /** The hashes the audit chain recorded when the server stored the bytes, and that event. */
    ingest: z.object({ seq: z.string(), at: z.string(), sha256: z.string(), sm3: z.string(), hash: z.string() }).nullable(),
    derived: z.array(z.object({ kind: z.enum(['proxy', 'thumbnail']), ...fileHashes, createdAt: z.string() })),
    /** Every fixity check of the original and derived files, with the sequence number of the event proving it. */
    fixityChecks: z.array(
      z.object({
        checkedAt: z.string(),
        object: z.enum(['original', 'proxy', 'thumbnail']),
        sha256: z.string(),
        result: z.string(),
        resultText: bilingual,
        reason: z.enum(['schedule', 'manual', 'workstation']),
        proofSeq: z.string().nullable(),
      }),
    ),
    installationKey: z.object({ algorithm: z.literal('Ed25519'), keyId: z.string(), fingerprint: z.string() }),
    /** This report's own audited read: events are listed up to and including it. */
    readEvent: z.object({ seq: z.string(), at: z.string(), hash: z.string() }),
    generatedAt: z.string(),
    events: z.array(custodyEvent),
    nextCursor: z.string().nullable(),
  })
  .meta({ id: 'CustodyReport' });
