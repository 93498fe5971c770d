import { sql } from 'kysely';
import type { DbOrTx } from '../../platform/db/database.ts';

/** A derived file (browser proxy or thumbnail) of an original; the same bytes twice are one row. */
export async function insertDerived(
  db: DbOrTx,
  d: { sha256: string; sm3: string; sizeBytes: number; kind: 'proxy' | 'thumbnail'; mimeType: string; originalSha256: string },
) {
  await sql`INSERT INTO derived_object (sha256, sm3, size_bytes, kind, mime_type, original_sha256)
    VALUES (${d.sha256}, ${d.sm3}, ${d.sizeBytes}, ${d.kind}, ${d.mimeType}, ${d.originalSha256}) ON CONFLICT (sha256) DO NOTHING`.execute(db);
}

/** Marks an original's processing as under way (a first run creates its row, a retry reuses it). */
export async function markProcessing(db: DbOrTx, originalSha256: string) {
  await sql`INSERT INTO media_info (original_sha256, state) VALUES (${originalSha256}, 'processing')
    ON CONFLICT (original_sha256) DO UPDATE SET state = 'processing', updated_at = now()`.execute(db);
}

/** Marks a processing attempt as failed with its error (the job retries it). */
export async function markFailed(db: DbOrTx, originalSha256: string, error: string) {
  await sql`UPDATE media_info SET state = 'failed', error = ${error.slice(0, 1000)}, updated_at = now()
    WHERE original_sha256 = ${originalSha256}`.execute(db);
}

/** What processing found out about an original. */
export interface MediaFacts {
  state: 'ready' | 'not_processable';
  kind: string;
  durationSec?: number | null;
  width?: number | null;
  height?: number | null;
  videoCodec?: string | null;
  audioCodec?: string | null;
  creationTime?: Date | string | null;
  probe?: unknown;
  exif?: unknown;
  proxy?: string | null;
  thumbnail?: string | null;
  error?: string | null;
}

/** jsonb refuses NUL characters, which camera EXIF strings sometimes carry as padding. */
const jsonbSafe = (v: unknown) => JSON.stringify(v).replace(/\\u0000/g, '');

/** Records the outcome of processing an original. */
export async function saveFacts(db: DbOrTx, originalSha256: string, f: MediaFacts) {
  await sql`UPDATE media_info SET state = ${f.state}, kind = ${f.kind}, duration_sec = ${f.durationSec ?? null}, width = ${f.width ?? null},
    height = ${f.height ?? null}, video_codec = ${f.videoCodec ?? null}, audio_codec = ${f.audioCodec ?? null},
    creation_time = ${f.creationTime ?? null}, probe = ${f.probe === undefined ? null : JSON.stringify(f.probe)},
    exif = ${f.exif === undefined || f.exif === null ? null : jsonbSafe(f.exif)}, proxy_sha256 = ${f.proxy ?? null},
    thumbnail_sha256 = ${f.thumbnail ?? null}, error = ${f.error ?? null}, updated_at = now()
    WHERE original_sha256 = ${originalSha256}`.execute(db);
}
