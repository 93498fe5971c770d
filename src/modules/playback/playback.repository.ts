import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { DbOrTx } from '../../platform/db/database.ts';

/** The playable proxy of a recording: its object, type and size; undefined when it has none (yet). */
export async function findProxy(db: DbOrTx, recordingId: string) {
  const r = await sql<{ sha256: string; mime_type: string; size_bytes: string; duration_sec: number | null }>`
    SELECT d.sha256, d.mime_type, d.size_bytes, m.duration_sec FROM recording r
      JOIN media_info m ON m.original_sha256 = r.original_sha256
      JOIN derived_object d ON d.sha256 = m.proxy_sha256
    WHERE r.id = ${recordingId} AND m.state = 'ready'`.execute(db);
  const row = r.rows[0];
  return row && { sha256: row.sha256, mimeType: row.mime_type, size: Number(row.size_bytes), durationSec: row.duration_sec };
}

/** The original a recording keeps (its untouched bytes and both hashes). */
export async function findOriginal(db: DbOrTx, recordingId: string) {
  return db
    .selectFrom('recording as r')
    .innerJoin('original as o', 'o.sha256', 'r.original_sha256')
    .select(['o.sha256', 'o.sm3', 'o.size_bytes', 'r.file_name'])
    .where('r.id', '=', recordingId)
    .executeTakeFirst();
}

/** Who a user is for a watermark: the linked person's name and staff number, else the account's names. */
export async function viewerIdentity(db: DbOrTx, userId: string) {
  return db
    .selectFrom('app_user as u')
    .leftJoin('person as p', 'p.id', 'u.person_id')
    .select(['u.username', 'u.display_name', 'p.name as person_name', 'p.staff_number'])
    .where('u.id', '=', userId)
    .executeTakeFirstOrThrow();
}

export async function insertSession(db: DbOrTx, s: { recordingId: string; userId: string; proxySha256: string }) {
  return db
    .insertInto('playback_session')
    .values({ recording_id: s.recordingId, user_id: s.userId, proxy_sha256: s.proxySha256 })
    .returning(['id', 'started_at'])
    .executeTakeFirstOrThrow();
}

/** A session row, locked for this transaction (range reads of one session are serialised here). */
export async function lockSession(db: DbOrTx, id: string) {
  return db
    .selectFrom('playback_session')
    .innerJoin('app_user as u', 'u.id', 'playback_session.user_id')
    .selectAll('playback_session')
    .select(['u.username', sql<Date>`now()`.as('db_now')])
    .where('playback_session.id', '=', id)
    .forUpdate('playback_session')
    .executeTakeFirst();
}

export type SessionRow = NonNullable<Awaited<ReturnType<typeof lockSession>>>;

/** A seek not yet written to the audit chain. */
export interface PendingSeek {
  /** Byte offset the player asked for. */
  offset: number;
  at: string;
}

/** Records one range read starting at `start`: counted, the session seen now, the burst as given. */
export async function recordRead(db: DbOrTx, id: string, o: { start: number; seeks: PendingSeek[]; burstStartedAt: Date | null; burstLastAt: Date | null }) {
  await sql`UPDATE playback_session SET range_requests = range_requests + 1, last_seen_at = now(), read_start = ${o.start},
      next_offset = ${o.start}, pending_seeks = ${JSON.stringify(o.seeks)}::jsonb, burst_started_at = ${o.burstStartedAt},
      burst_last_at = ${o.burstLastAt}
    WHERE id = ${id}`.execute(db);
}

/**
 * The fast path of one range read, as a single statement: counts the read in the session (a seek joins the burst,
 * as recordRead does) only if the session is this user's, of this recording, open, still on the recording's
 * current ready proxy `proxySha256`, `allowed` holds for the recording (alias `r`; the access decision point's
 * SQL), `reachRoles` does not (that policy needs the full decision), and no burst needs writing to the audit
 * chain first (quiet for more than `burstGapSeconds`, or about to reach `burstMax`). Returns the read's number,
 * or null when any of that fails — the caller then takes the full path, which says why.
 * A read is a seek when the session has read before and `start` is not inside what its latest read has served
 * (`next_offset`, or `livePos` when this process streams that read as read number `liveRead`).
 */
export async function fastRead(
  db: DbOrTx,
  o: {
    sessionId: string;
    userId: string;
    recordingId: string;
    proxySha256: string;
    start: number;
    liveRead: number;
    livePos: number;
    burstGapSeconds: number;
    burstMax: number;
    allowed: RawBuilder<SqlBool>;
    reachRoles: RawBuilder<SqlBool>;
  },
): Promise<number | null> {
  const seek = sql<SqlBool>`(s.range_requests > 0 AND NOT (s.read_start IS NOT NULL AND ${o.start}::bigint >= s.read_start
    AND ${o.start}::bigint <= GREATEST(COALESCE(s.next_offset, -1), CASE WHEN s.range_requests = ${o.liveRead}::int THEN ${o.livePos}::bigint ELSE -1 END)))`;
  const r = await sql<{ range_requests: number }>`
    UPDATE playback_session s SET
      range_requests = s.range_requests + 1, last_seen_at = now(), read_start = ${o.start}, next_offset = ${o.start},
      pending_seeks = CASE WHEN ${seek} THEN s.pending_seeks || jsonb_build_array(jsonb_build_object('offset', ${o.start}::bigint,
        'at', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))) ELSE s.pending_seeks END,
      burst_started_at = CASE WHEN ${seek} THEN COALESCE(s.burst_started_at, now()) ELSE s.burst_started_at END,
      burst_last_at = CASE WHEN ${seek} THEN now() ELSE s.burst_last_at END
    WHERE s.id = ${o.sessionId} AND s.user_id = ${o.userId} AND s.recording_id = ${o.recordingId} AND s.ended_at IS NULL
      AND s.proxy_sha256 = ${o.proxySha256}
      AND (s.burst_last_at IS NULL OR now() - s.burst_last_at <= make_interval(secs => ${o.burstGapSeconds}))
      AND jsonb_array_length(s.pending_seeks) < ${o.burstMax - 1}
      AND EXISTS (SELECT 1 FROM recording r JOIN media_info m ON m.original_sha256 = r.original_sha256
        WHERE r.id = ${o.recordingId} AND m.state = 'ready' AND m.proxy_sha256 = ${o.proxySha256} AND ${o.allowed})
      AND NOT ${o.reachRoles}
    RETURNING s.range_requests`.execute(db);
  return r.rows[0]?.range_requests ?? null;
}

/**
 * An open stream's periodic check in one statement: whether its session has ended (touching it seen when asked)
 * and whether `allowed` still holds for the recording (alias `r`), and whether `reachRoles` does.
 */
export async function streamCheck(db: DbOrTx, o: { sessionId: string; recordingId: string; touch: boolean; allowed: RawBuilder<SqlBool>; reachRoles: RawBuilder<SqlBool> }) {
  const r = await sql<{ ended: boolean | null; allowed: boolean; reach: boolean }>`
    WITH t AS (UPDATE playback_session SET last_seen_at = now() WHERE ${o.touch} AND id = ${o.sessionId} AND ended_at IS NULL RETURNING id)
    SELECT (SELECT ended_at IS NOT NULL FROM playback_session WHERE id = ${o.sessionId}) AS ended,
      EXISTS (SELECT 1 FROM recording r WHERE r.id = ${o.recordingId} AND ${o.allowed}) AS allowed,
      ${o.reachRoles} AS reach, (SELECT count(*) FROM t) AS touched`.execute(db);
  const row = r.rows[0]!;
  return { ended: row.ended ?? true, allowed: row.allowed, reach: row.reach };
}

/** Empties the pending seek burst (it has just been written to the audit chain). */
export async function clearBurst(db: DbOrTx, id: string) {
  await sql`UPDATE playback_session SET pending_seeks = '[]'::jsonb, burst_started_at = NULL, burst_last_at = NULL WHERE id = ${id}`.execute(db);
}

/**
 * What a finished (or cut) read served: the bytes always count; where the read got to counts only while no later
 * read of the session has started (`readNumber`), so a slow close never moves the position back.
 */
export async function recordServed(db: DbOrTx, id: string, readNumber: number, reachedOffset: number, bytes: number) {
  await sql`UPDATE playback_session SET bytes_served = bytes_served + ${bytes},
      next_offset = CASE WHEN range_requests = ${readNumber} THEN ${reachedOffset}::bigint ELSE next_offset END
    WHERE id = ${id}`.execute(db);
}

export async function endSession(db: DbOrTx, id: string, reason: 'ended' | 'timeout' | 'revoked') {
  await sql`UPDATE playback_session SET ended_at = now(), end_reason = ${reason}, pending_seeks = '[]'::jsonb,
      burst_started_at = NULL, burst_last_at = NULL WHERE id = ${id} AND ended_at IS NULL`.execute(db);
}

/** Open sessions not seen for `idleSeconds` (to time out), oldest first. */
export async function idleSessionIds(db: DbOrTx, idleSeconds: number, limit = 500): Promise<string[]> {
  const r = await sql<{ id: string }>`SELECT id FROM playback_session WHERE ended_at IS NULL
    AND last_seen_at < now() - make_interval(secs => ${idleSeconds}) ORDER BY last_seen_at LIMIT ${limit}`.execute(db);
  return r.rows.map((x) => x.id);
}

/** Open sessions whose seek burst has been quiet for `gapSeconds` (to write it out). */
export async function quietBurstSessionIds(db: DbOrTx, gapSeconds: number, limit = 500): Promise<string[]> {
  const r = await sql<{ id: string }>`SELECT id FROM playback_session WHERE ended_at IS NULL AND burst_last_at IS NOT NULL
    AND burst_last_at < now() - make_interval(secs => ${gapSeconds}) ORDER BY burst_last_at LIMIT ${limit}`.execute(db);
  return r.rows.map((x) => x.id);
}

export async function databaseNow(db: DbOrTx): Promise<Date> {
  return (await sql<{ now: Date }>`SELECT now() AS now`.execute(db)).rows[0]!.now;
}

// Copies -------------------------------------------------------------------------------------------

export async function insertReceipt(
  db: DbOrTx,
  r: { id: string; recordingId: string; userId: string; grantId: string | null; kind: 'original' | 'watermarked-proxy'; sha256: string; sm3: string; sizeBytes: number; issuedAt: Date; statement: string; signature: string; keyId: string },
) {
  await db
    .insertInto('copy_receipt')
    .values({
      id: r.id,
      recording_id: r.recordingId,
      user_id: r.userId,
      grant_id: r.grantId,
      kind: r.kind,
      sha256: r.sha256,
      sm3: r.sm3,
      size_bytes: r.sizeBytes,
      issued_at: r.issuedAt,
      statement: r.statement,
      signature: r.signature,
      key_id: r.keyId,
    })
    .execute();
}

export async function findReceipt(db: DbOrTx, id: string) {
  return db.selectFrom('copy_receipt').selectAll().where('id', '=', id).executeTakeFirst();
}

// Thumbnail tickets --------------------------------------------------------------------------------

export async function insertTicket(db: DbOrTx, userId: string, recordingIds: string[], ttlSeconds: number) {
  return db
    .insertInto('thumbnail_ticket')
    .values({ user_id: userId, recording_ids: recordingIds, expires_at: sql<Date>`now() + make_interval(secs => ${ttlSeconds})` })
    .returning(['id', 'expires_at'])
    .executeTakeFirstOrThrow();
}

/** Whether a live ticket of this user names this recording. */
export async function ticketCovers(db: DbOrTx, ticketId: string, userId: string, recordingId: string): Promise<boolean> {
  const r = await sql<{ ok: boolean }>`SELECT true AS ok FROM thumbnail_ticket WHERE id = ${ticketId} AND user_id = ${userId}
    AND expires_at > now() AND ${recordingId}::uuid = ANY(recording_ids)`.execute(db);
  return r.rows.length > 0;
}

export async function deleteExpiredTickets(db: DbOrTx): Promise<number> {
  const r = await sql`DELETE FROM thumbnail_ticket WHERE expires_at <= now()`.execute(db);
  return Number(r.numAffectedRows ?? 0);
}

/** Recordings among `ids` that have a thumbnail. */
export async function withThumbnail(db: DbOrTx, ids: readonly string[]): Promise<string[]> {
  if (!ids.length) return [];
  const r = await sql<{ id: string }>`SELECT r.id FROM recording r JOIN media_info m ON m.original_sha256 = r.original_sha256
    WHERE r.id = ANY(${ids}::uuid[]) AND m.thumbnail_sha256 IS NOT NULL`.execute(db);
  return r.rows.map((x) => x.id);
}
