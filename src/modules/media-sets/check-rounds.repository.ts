import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { DbOrTx } from '../../platform/db/database.ts';

/** 定期复检 SQL (0025): scheduled check rounds of the physical media register and their sampled media. */

/** Serialises round opening across nodes for the rest of the transaction. */
export async function lockRounds(db: DbOrTx) {
  await sql`SELECT pg_advisory_xact_lock(hashtext('quanlu.medium_check_round'))`.execute(db);
}

/** True when no round was opened yet, or the latest opened at least `months` months before `now`. */
export async function roundDue(db: DbOrTx, months: number, now: Date): Promise<boolean> {
  const r = await sql<{ due: boolean }>`SELECT coalesce(max(opened_at) + make_interval(months => ${months}::int) <= ${now}::timestamptz, true) AS due FROM medium_check_round`.execute(db);
  return r.rows[0]!.due;
}

/** How many physical media are registered (all departments: the round is the agency's). */
export async function countAllMedia(db: DbOrTx): Promise<number> {
  const r = await db.selectFrom('physical_medium').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
  return Number(r.n);
}

/**
 * The media a new round samples: every medium whose own check is due ('due'), and when those are fewer than
 * `sampleCount`, the longest unchecked others ('sample') until there are that many.
 */
export async function pickSample(db: DbOrTx, sampleCount: number, now: Date) {
  const r = await sql<{ id: string; reason: 'due' | 'sample' }>`
    WITH due AS (SELECT id FROM physical_medium WHERE next_check_due <= ${now}::timestamptz),
    top AS (
      SELECT id FROM physical_medium WHERE id NOT IN (SELECT id FROM due)
      ORDER BY coalesce(last_checked_at, registered_at), id
      LIMIT greatest(${sampleCount}::int - (SELECT count(*) FROM due), 0)
    )
    SELECT id, 'due' AS reason FROM due UNION ALL SELECT id, 'sample' FROM top`.execute(db);
  return r.rows;
}

export async function insertRound(db: DbOrTx, r: { dueAt: Date; intervalMonths: number; samplePercent: number; mediaTotal: number; openedBy: string; now: Date }, items: { id: string; reason: 'due' | 'sample' }[]) {
  const row = await db
    .insertInto('medium_check_round')
    .values({ opened_at: r.now, due_at: r.dueAt, interval_months: r.intervalMonths, sample_percent: r.samplePercent, media_total: r.mediaTotal, opened_by: r.openedBy })
    .returning('id')
    .executeTakeFirstOrThrow();
  if (items.length) await db.insertInto('medium_check_round_item').values(items.map((i) => ({ round_id: row.id, medium_id: i.id, reason: i.reason }))).execute();
  return row.id;
}

/**
 * Marks, once, the sampled media of rounds past their due date that were not checked since their round
 * opened; returns them (each is then an alert to record).
 */
export async function markOverdue(db: DbOrTx, now: Date) {
  const r = await sql<{ round_id: string; medium_id: string; label: string; due_at: Date }>`
    UPDATE medium_check_round_item ri SET overdue_at = ${now}::timestamptz
    FROM medium_check_round r, physical_medium pm
    WHERE r.id = ri.round_id AND pm.id = ri.medium_id AND ri.overdue_at IS NULL AND r.due_at <= ${now}::timestamptz
      AND NOT EXISTS (SELECT 1 FROM medium_check c WHERE c.medium_id = ri.medium_id AND c.checked_at >= r.opened_at)
    RETURNING ri.round_id, ri.medium_id, pm.label, r.due_at`.execute(db);
  return r.rows;
}

/** The latest rounds with their sampled media of visible departments (`visible` over department alias `d`). */
export async function listRounds(db: DbOrTx, visible: RawBuilder<SqlBool>, limit: number) {
  const rounds = await db.selectFrom('medium_check_round').selectAll().orderBy('opened_at', 'desc').limit(limit).execute();
  if (!rounds.length) return { rounds, items: [] };
  const items = await sql<{ round_id: string; medium_id: string; label: string; reason: 'due' | 'sample'; checked_at: Date | null }>`
    SELECT ri.round_id, ri.medium_id, pm.label, ri.reason,
      (SELECT min(c.checked_at) FROM medium_check c WHERE c.medium_id = ri.medium_id AND c.checked_at >= r.opened_at) AS checked_at
    FROM medium_check_round_item ri
    JOIN medium_check_round r ON r.id = ri.round_id
    JOIN physical_medium pm ON pm.id = ri.medium_id
    JOIN media_volume v ON v.id = pm.volume_id
    JOIN media_set s ON s.id = v.set_id
    JOIN department d ON d.id = s.department_id
    WHERE ri.round_id = ANY(${rounds.map((x) => x.id)}::uuid[]) AND ${visible}
    ORDER BY pm.label, pm.id`.execute(db);
  return { rounds, items: items.rows };
}
