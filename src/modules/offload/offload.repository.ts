import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { DbOrTx } from '../../platform/db/database.ts';

export interface LateRow {
  recording_id: string;
  file_name: string;
  person_id: string;
  person_name: string;
  staff_number: string;
  device_number: string | null;
  department_name: string;
  recorded_start: Date;
  uploaded_at: Date;
  deadline: Date;
}

/**
 * Recordings stored late (the flag fixed at insert, 0004_access.sql), one row per recording officer whom
 * `people` (the access filter over person `p`) allows.
 */
export async function lateOffloads(db: DbOrTx, f: { from: string; to: string; people: RawBuilder<SqlBool>; limit: number }) {
  const r = await sql<LateRow>`
    SELECT r.id AS recording_id, r.file_name, p.id AS person_id, p.name AS person_name, p.staff_number, r.device_number,
      d.name AS department_name, r.recorded_start, r.uploaded_at, r.offload_deadline AS deadline
    FROM recording r
    JOIN recording_officer ro ON ro.recording_id = r.id
    JOIN person p ON p.id = ro.person_id
    JOIN department d ON d.id = r.department_id
    WHERE r.late_offload AND r.recorded_start >= ${f.from} AND r.recorded_start < ${f.to} AND ${f.people}
    ORDER BY r.recorded_start DESC, p.staff_number
    LIMIT ${f.limit}`.execute(db);
  return r.rows;
}

export interface DayRow {
  person_id: string;
  person_name: string;
  staff_number: string;
  recording_ids: string[];
  total_bytes: string;
  late: string;
  receipt_id: string | null;
  confirmed_by: string | null;
  confirmed_at: Date | null;
}

/**
 * Per officer whom `people` (the access filter over person `p`) allows: every recording naming them that was
 * uploaded on one Beijing day, wherever it was filed, and whether a custodian confirmed it.
 */
export async function handoversOfDay(db: DbOrTx, day: string, people: RawBuilder<SqlBool>, personId?: string) {
  const onePerson = personId ? sql`AND p.id = ${personId}` : sql``;
  const r = await sql<DayRow>`
    SELECT p.id AS person_id, p.name AS person_name, p.staff_number,
      array_agg(r.id ORDER BY r.recorded_start, r.id) AS recording_ids, sum(o.size_bytes) AS total_bytes,
      count(*) FILTER (WHERE r.late_offload) AS late,
      rc.id AS receipt_id, u.display_name AS confirmed_by, rc.confirmed_at
    FROM recording r
    JOIN original o ON o.sha256 = r.original_sha256
    JOIN recording_officer ro ON ro.recording_id = r.id
    JOIN person p ON p.id = ro.person_id
    LEFT JOIN offload_receipt rc ON rc.person_id = p.id AND rc.day = ${day}::date
    LEFT JOIN app_user u ON u.id = rc.confirmed_by
    WHERE (r.uploaded_at AT TIME ZONE 'Asia/Shanghai')::date = ${day}::date AND ${people} ${onePerson}
    GROUP BY p.id, p.name, p.staff_number, rc.id, u.display_name, rc.confirmed_at
    ORDER BY p.staff_number`.execute(db);
  return r.rows;
}

export async function insertReceipt(db: DbOrTx, r: { personId: string; day: string; recordingIds: string[]; confirmedBy: string; note: string | null }) {
  const res = await sql<{ id: string; confirmed_at: Date }>`
    INSERT INTO offload_receipt (person_id, day, recording_ids, confirmed_by, note)
    VALUES (${r.personId}, ${r.day}, ${r.recordingIds}::uuid[], ${r.confirmedBy}, ${r.note})
    ON CONFLICT (person_id, day) DO NOTHING RETURNING id, confirmed_at`.execute(db);
  return res.rows[0];
}
