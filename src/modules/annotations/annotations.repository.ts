import { sql } from 'kysely';
import type { DbOrTx } from '../../platform/db/database.ts';

/** The recording's duration (seconds; null while unknown) — undefined when the recording does not exist. */
export async function recordingDuration(db: DbOrTx, recordingId: string): Promise<{ durationSec: number | null } | undefined> {
  const row = await db
    .selectFrom('recording as r')
    .leftJoin('media_info as m', 'm.original_sha256', 'r.original_sha256')
    .select(['m.duration_sec', 'm.kind'])
    .where('r.id', '=', recordingId)
    .executeTakeFirst();
  if (!row) return undefined;
  // A picture has no time axis, whatever its probe said.
  const known = row.duration_sec !== null && row.duration_sec > 0 && row.kind !== 'image';
  return { durationSec: known ? row.duration_sec : null };
}

export async function insertAnnotation(db: DbOrTx, a: { recordingId: string; layer: 'note' | 'transcript'; createdBy: string }) {
  return db
    .insertInto('annotation')
    .values({ recording_id: a.recordingId, layer: a.layer, created_by: a.createdBy })
    .returning(['id'])
    .executeTakeFirstOrThrow();
}

/** The content of one version as written. */
export interface VersionInput {
  annotationId: string;
  version: number;
  kind: 'key_content' | 'note' | null;
  speaker: string | null;
  startMs: number;
  endMs: number;
  body: string;
  deleted: boolean;
  authorId: string;
}

export async function insertVersion(db: DbOrTx, v: VersionInput) {
  return db
    .insertInto('annotation_version')
    .values({
      annotation_id: v.annotationId,
      version: v.version,
      kind: v.kind,
      speaker: v.speaker,
      start_ms: v.startMs,
      end_ms: v.endMs,
      body: v.body,
      deleted: v.deleted,
      author_id: v.authorId,
    })
    .returning(['version', 'created_at'])
    .executeTakeFirstOrThrow();
}

/** An annotation's identity row. */
export async function findAnnotation(db: DbOrTx, id: string) {
  return db.selectFrom('annotation').selectAll().where('id', '=', id).executeTakeFirst();
}

/** An annotation's latest version. */
export async function latestVersion(db: DbOrTx, annotationId: string) {
  return db.selectFrom('annotation_version').selectAll().where('annotation_id', '=', annotationId).orderBy('version', 'desc').limit(1).executeTakeFirst();
}

/** One row of a current-state list: the annotation, its latest version, its creator and that version's author. */
export interface CurrentRow {
  id: string;
  recording_id: string;
  layer: 'note' | 'transcript';
  created_at: Date;
  creator_id: string;
  creator_username: string;
  creator_display_name: string | null;
  version: number;
  kind: 'key_content' | 'note' | null;
  speaker: string | null;
  start_ms: number;
  end_ms: number;
  body: string;
  deleted: boolean;
  updated_at: Date;
  author_id: string;
  author_username: string;
  author_display_name: string | null;
}

/** The current version of each annotation of a recording (of one layer, or both), by start then end. */
export async function currentVersions(db: DbOrTx, recordingId: string, o: { layer?: 'note' | 'transcript'; includeDeleted: boolean; ids?: string[] }): Promise<CurrentRow[]> {
  const r = await sql<CurrentRow>`
    SELECT a.id, a.recording_id, a.layer, a.created_at,
      cu.id AS creator_id, cu.username AS creator_username, cu.display_name AS creator_display_name,
      v.version, v.kind, v.speaker, v.start_ms, v.end_ms, v.body, v.deleted, v.created_at AS updated_at,
      au.id AS author_id, au.username AS author_username, au.display_name AS author_display_name
    FROM annotation a
    JOIN LATERAL (SELECT * FROM annotation_version x WHERE x.annotation_id = a.id ORDER BY x.version DESC LIMIT 1) v ON true
    JOIN app_user cu ON cu.id = a.created_by
    JOIN app_user au ON au.id = v.author_id
    WHERE a.recording_id = ${recordingId}
      ${o.layer ? sql`AND a.layer = ${o.layer}` : sql``}
      ${o.includeDeleted ? sql`` : sql`AND NOT v.deleted`}
      ${o.ids ? sql`AND a.id = ANY(${o.ids}::uuid[])` : sql``}
    ORDER BY v.start_ms, v.end_ms, a.created_at, a.id`.execute(db);
  return r.rows;
}

/** Every version of an annotation, oldest first, with its author. */
export async function versionsOf(db: DbOrTx, annotationId: string) {
  return db
    .selectFrom('annotation_version as v')
    .innerJoin('app_user as u', 'u.id', 'v.author_id')
    .select(['v.version', 'v.kind', 'v.speaker', 'v.start_ms', 'v.end_ms', 'v.body', 'v.deleted', 'v.created_at', 'u.id as author_id', 'u.username as author_username', 'u.display_name as author_display_name'])
    .where('v.annotation_id', '=', annotationId)
    .orderBy('v.version')
    .execute();
}

/** A user's name fields (the creator of an annotation). */
export async function userRef(db: DbOrTx, userId: string) {
  return db.selectFrom('app_user').select(['id', 'username', 'display_name']).where('id', '=', userId).executeTakeFirstOrThrow();
}
