import { z } from 'zod';

/** What the player needs to play one recording in a viewing session. */
export const playbackSessionView = z.object({
  /** The viewing session every range read names (`?session=`). */
  sessionId: z.uuid(),
  recordingId: z.uuid(),
  /** The proxy's type: video/mp4 or audio/mp4. */
  mimeType: z.string(),
  sizeBytes: z.number(),
  durationSec: z.number().nullable(),
  /** Where the player reads the proxy (HTTP range requests). */
  proxyUrl: z.string(),
  /** Shown in the moving watermark: the viewer's name and staff number (account name when no person is linked). */
  viewer: z.object({ name: z.string(), staffNumber: z.string() }),
  /** The server's clock when the session opened: the watermark's time follows it, not the viewer's clock. */
  serverTime: z.string(),
});

/**
 * What the caller may do with a recording's pictures and sound at this moment (第十四条, 第二十条), as the access
 * decision point answers; drives the play and copy buttons. The server checks again on every read and copy.
 */
export const mediaAccessView = z.object({
  /** May see the thumbnail and play the proxy (a live grant, or the media policy table). */
  view: z.boolean(),
  /** May take copies (a live copy grant; the policy table has no exception for copies). */
  copy: z.boolean(),
  /** The live grant that opens it (a copy grant when there is one); null when only the policy table does, or nothing. */
  grant: z
    .object({ id: z.uuid(), mode: z.enum(['view', 'copy']), validUntil: z.string(), emergency: z.boolean() })
    .nullable(),
});

/** ?session= of a proxy read. */
export const proxyQuery = z.object({ session: z.uuid() });

export const copyKind = z.enum(['original', 'watermarked-proxy']).meta({ id: 'CopyKind' });

export const copyRequest = z.strictObject({
  /** `original`: the untouched original bytes; `watermarked-proxy`: the playable copy with the watermark burned in. */
  kind: copyKind,
});

/** A signed copy receipt (第二十条). `signedText` is exactly what the Ed25519 signature covers. */
export const copyReceiptView = z.object({
  statement: z.object({
    type: z.literal('quanlu.copy-receipt'),
    version: z.literal(1),
    receiptId: z.uuid(),
    recordingId: z.uuid(),
    originalSha256: z.string(),
    kind: copyKind,
    fileName: z.string(),
    sha256: z.string(),
    sm3: z.string(),
    sizeBytes: z.number(),
    issuedAt: z.string(),
    copiedBy: z.object({ userId: z.uuid(), username: z.string(), name: z.string(), staffNumber: z.string().nullable() }),
    grantId: z.uuid().nullable(),
    keyId: z.string(),
  }),
  signedText: z.string(),
  /** Ed25519 signature over signedText (UTF-8), base64. */
  signature: z.string(),
  keyId: z.string(),
  algorithm: z.literal('Ed25519'),
});

export const copyMade = copyReceiptView.extend({ downloadUrl: z.string() });

/** The installation's public key: anyone verifies receipts with it. */
export const installationKeyView = z.object({
  algorithm: z.literal('Ed25519'),
  keyId: z.string(),
  /** The raw 32-byte public key, base64. */
  publicKeyBase64: z.string(),
  publicKeyPem: z.string(),
});

export const thumbnailTicketRequest = z.strictObject({
  /** The recordings the list page shows (at most one page). */
  recordingIds: z.array(z.uuid()).min(1).max(200),
});

export const thumbnailTicketView = z.object({
  /** Pass as `?ticket=` to the thumbnail reads of this page; null when none of them has a thumbnail you may see. */
  ticket: z.uuid().nullable(),
  expiresAt: z.string().nullable(),
  /** The recordings whose thumbnails the ticket covers. */
  recordingIds: z.array(z.uuid()),
});
