import { sql, type SqlBool } from 'kysely';
import type { DbOrTx } from '../../platform/db/database.ts';
import type { AccessQuery } from './access-requests.schema.ts';

const uuids = (ids: readonly string[]) => sql`${ids}::uuid[]`;

/** The department of each of these recordings (unknown ids are absent). */
export async function recordingDepartments(db: DbOrTx, ids: readonly string[]): Promise<Map<string, string>> {
  if (!ids.length) return new Map();
  const rows = await db.selectFrom('recording').select(['id', 'department_id']).where('id', 'in', ids).execute();
  return new Map(rows.map((r) => [r.id, r.department_id]));
}

export function findDepartment(db: DbOrTx, id: string) {
  return db.selectFrom('department').select(['id', 'name', 'head_person_id']).where('id', '=', id).executeTakeFirst();
}

/** The department and every department above it. */
export async function selfAndAncestors(db: DbOrTx, id: string): Promise<string[]> {
  const r = await sql<{ id: string }>`
    WITH RECURSIVE up(id, parent_id) AS (
      SELECT id, parent_id FROM department WHERE id = ${id}
      UNION ALL
      SELECT d.id, d.parent_id FROM department d JOIN up ON d.id = up.parent_id
    ) SELECT id FROM up`.execute(db);
  return r.rows.map((x) => x.id);
}

/** Departments this person heads (负责人), with everything below them. */
export async function headedSubtrees(db: DbOrTx, personId: string): Promise<string[]> {
  const r = await sql<{ id: string }>`
    WITH RECURSIVE t(id) AS (
      SELECT id FROM department WHERE head_person_id = ${personId}
      UNION
      SELECT d.id FROM department d JOIN t ON d.parent_id = t.id
    ) SELECT id FROM t`.execute(db);
  return r.rows.map((x) => x.id);
}

/** The recordings of a department a query matches now (the approver's list; the grant covers these). */
export async function resolveQuery(db: DbOrTx, departmentId: string, q: AccessQuery): Promise<string[]> {
  let cond: ReturnType<typeof sql<SqlBool>>;
  switch (q.type) {
    case 'case':
      cond = sql<SqlBool>`r.case_number = ${q.caseNumber}`;
      break;
    case 'officerDay':
      cond = sql<SqlBool>`EXISTS (SELECT 1 FROM recording_officer o WHERE o.recording_id = r.id AND o.person_id = ${q.personId})
        AND (r.recorded_start AT TIME ZONE 'Asia/Shanghai')::date = ${q.day}::date`;
      break;
    case 'deviceRange':
      cond = sql<SqlBool>`r.device_number = ${q.deviceNumber} AND r.recorded_start >= ${q.from}::timestamptz AND r.recorded_start < ${q.until}::timestamptz`;
      break;
  }
  const r = await sql<{ id: string }>`SELECT r.id FROM recording r WHERE r.department_id = ${departmentId} AND ${cond}
    ORDER BY r.recorded_start, r.id LIMIT 5001`.execute(db);
  return r.rows.map((x) => x.id);
}

export interface RecordingSummaryRow {
  id: string;
  file_name: string;
  department_id: string;
  recorded_start: Date;
  device_number: string | null;
  case_number: string | null;
  officers: string[];
}

/** What a request or grant lists of its recordings: file, time, device, case, officers. */
export async function recordingSummaries(db: DbOrTx, ids: readonly string[]): Promise<RecordingSummaryRow[]> {
  if (!ids.length) return [];
  const r = await sql<RecordingSummaryRow>`
    SELECT r.id, r.file_name, r.department_id, r.recorded_start, r.device_number, r.case_number,
      coalesce(array_agg(p.name ORDER BY p.name) FILTER (WHERE p.id IS NOT NULL), '{}') AS officers
    FROM recording r LEFT JOIN recording_officer o ON o.recording_id = r.id LEFT JOIN person p ON p.id = o.person_id
    WHERE r.id = ANY(${uuids(ids)}) GROUP BY r.id ORDER BY r.recorded_start, r.id`.execute(db);
  return r.rows;
}

export interface NewRequest {
  requesterId: string;
  departmentId: string;
  kind: 'items' | 'query';
  query: AccessQuery | null;
  purpose: string;
  mode: 'view' | 'copy';
  periodFrom: Date;
  periodUntil: Date;
  crossDepartment: boolean;
  emergency?: boolean;
}

export async function insertRequest(db: DbOrTx, r: NewRequest, items: readonly string[]) {
  const row = await db
    .insertInto('access_request')
    .values({
      requester_id: r.requesterId,
      department_id: r.departmentId,
      kind: r.kind,
      query: r.query ? JSON.stringify(r.query) : null,
      purpose: r.purpose,
      mode: r.mode,
      period_from: r.periodFrom,
      period_until: r.periodUntil,
      cross_department: r.crossDepartment,
      emergency: r.emergency ?? false,
    })
    .returning(['id'])
    .executeTakeFirstOrThrow();
  if (items.length) await db.insertInto('access_request_item').values(items.map((recording_id) => ({ request_id: row.id, recording_id }))).execute();
  return row.id;
}

const requestColumns = sql`ar.*, d.name AS department_name,
  ru.username AS requester_username, ru.display_name AS requester_display_name,
  du.username AS decided_by_username, du.display_name AS decided_by_display_name,
  (SELECT count(*)::int FROM access_request_item i WHERE i.request_id = ar.id) AS item_count,
  (SELECT count(*)::int FROM access_grant_item gi JOIN access_grant g ON g.id = gi.grant_id WHERE g.request_id = ar.id) AS grant_item_count`;

export interface RequestRow {
  id: string;
  requester_id: string;
  department_id: string;
  department_name: string;
  kind: 'items' | 'query';
  query: AccessQuery | null;
  purpose: string;
  mode: 'view' | 'copy';
  period_from: Date;
  period_until: Date;
  emergency: boolean;
  cross_department: boolean;
  state: 'pending' | 'approved' | 'denied' | 'withdrawn';
  decided_by: string | null;
  decided_at: Date | null;
  decision_reason: string | null;
  created_at: Date;
  requester_username: string;
  requester_display_name: string | null;
  decided_by_username: string | null;
  decided_by_display_name: string | null;
  item_count: number;
  grant_item_count: number;
}

export async function findRequest(db: DbOrTx, id: string, forUpdate = false): Promise<RequestRow | undefined> {
  if (forUpdate) await sql`SELECT 1 FROM access_request WHERE id = ${id} FOR UPDATE`.execute(db);
  const r = await sql<RequestRow>`SELECT ${requestColumns} FROM access_request ar
    JOIN department d ON d.id = ar.department_id JOIN app_user ru ON ru.id = ar.requester_id
    LEFT JOIN app_user du ON du.id = ar.decided_by WHERE ar.id = ${id}`.execute(db);
  return r.rows[0];
}

export async function requestItems(db: DbOrTx, requestId: string): Promise<string[]> {
  const rows = await db.selectFrom('access_request_item').select('recording_id').where('request_id', '=', requestId).execute();
  return rows.map((r) => r.recording_id);
}

/** Which requests a list shows (the service decides who may see which; this only filters). */
export interface RequestFilter {
  requesterId?: string;
  /** Not requested by this user. */
  notRequesterId?: string;
  states?: readonly RequestRow['state'][];
  /** Same-department requests of these departments, or any request of `anyDepartmentIds`. */
  sameDepartmentIds?: readonly string[];
  anyDepartmentIds?: readonly string[];
  /** Break-glass grants waiting for review. */
  reviewPending?: boolean;
  /** Keyset: strictly before (created_at, id). */
  before?: [string, string];
  limit: number;
}

export async function listRequests(db: DbOrTx, f: RequestFilter): Promise<RequestRow[]> {
  const c: ReturnType<typeof sql<SqlBool>>[] = [sql<SqlBool>`true`];
  if (f.requesterId) c.push(sql<SqlBool>`ar.requester_id = ${f.requesterId}`);
  if (f.notRequesterId) c.push(sql<SqlBool>`ar.requester_id <> ${f.notRequesterId}`);
  if (f.states) c.push(sql<SqlBool>`ar.state = ANY(${f.states}::text[])`);
  if (f.sameDepartmentIds || f.anyDepartmentIds) {
    c.push(sql<SqlBool>`((NOT ar.cross_department AND ar.department_id = ANY(${uuids(f.sameDepartmentIds ?? [])}))
      OR ar.department_id = ANY(${uuids(f.anyDepartmentIds ?? [])}))`);
  }
  if (f.reviewPending) c.push(sql<SqlBool>`EXISTS (SELECT 1 FROM access_grant g WHERE g.request_id = ar.id AND g.review_state = 'pending')`);
  if (f.before) c.push(sql<SqlBool>`(ar.created_at, ar.id) < (${f.before[0]}::timestamptz, ${f.before[1]}::uuid)`);
  const r = await sql<RequestRow>`SELECT ${requestColumns} FROM access_request ar
    JOIN department d ON d.id = ar.department_id JOIN app_user ru ON ru.id = ar.requester_id
    LEFT JOIN app_user du ON du.id = ar.decided_by
    WHERE ${sql.join(c, sql` AND `)} ORDER BY ar.created_at DESC, ar.id DESC LIMIT ${f.limit}`.execute(db);
  return r.rows;
}

export async function countRequests(db: DbOrTx, f: Omit<RequestFilter, 'limit' | 'before'>): Promise<number> {
  return (await listRequests(db, { ...f, limit: 10000 })).length;
}

export async function decideRequest(db: DbOrTx, id: string, d: { state: 'approved' | 'denied' | 'withdrawn'; decidedBy: string | null; reason: string | null; at: Date }) {
  await db
    .updateTable('access_request')
    .set({ state: d.state, decided_by: d.decidedBy, decision_reason: d.reason, decided_at: d.at })
    .where('id', '=', id)
    .where('state', '=', 'pending')
    .execute();
}

export async function insertGrant(
  db: DbOrTx,
  g: { requestId: string; granteeId: string; departmentId: string; mode: 'view' | 'copy'; validFrom: Date; validUntil: Date; approvedBy: string | null },
  items: readonly string[],
) {
  const emergency = g.approvedBy === null;
  const row = await db
    .insertInto('access_grant')
    .values({
      request_id: g.requestId,
      grantee_id: g.granteeId,
      department_id: g.departmentId,
      mode: g.mode,
      valid_from: g.validFrom,
      valid_until: g.validUntil,
      approved_by: g.approvedBy,
      emergency,
      review_state: emergency ? 'pending' : 'none',
    })
    .returning(['id'])
    .executeTakeFirstOrThrow();
  await db.insertInto('access_grant_item').values(items.map((recording_id) => ({ grant_id: row.id, recording_id }))).execute();
  return row.id;
}

export interface GrantRow {
  id: string;
  request_id: string;
  grantee_id: string;
  department_id: string;
  mode: 'view' | 'copy';
  valid_from: Date;
  valid_until: Date;
  emergency: boolean;
  approved_by: string | null;
  revoked_at: Date | null;
  revoked_by: string | null;
  revoke_reason: string | null;
  review_state: 'none' | 'pending' | 'signed_off' | 'referred';
  reviewed_by: string | null;
  reviewed_at: Date | null;
  review_note: string | null;
  created_at: Date;
}

export async function findGrant(db: DbOrTx, id: string, forUpdate = false): Promise<GrantRow | undefined> {
  const q = db.selectFrom('access_grant').selectAll().where('id', '=', id);
  return (forUpdate ? q.forUpdate() : q).executeTakeFirst() as Promise<GrantRow | undefined>;
}

export async function grantsOfRequests(db: DbOrTx, requestIds: readonly string[]): Promise<GrantRow[]> {
  if (!requestIds.length) return [];
  return db.selectFrom('access_grant').selectAll().where('request_id', 'in', requestIds).execute() as Promise<GrantRow[]>;
}

export async function grantItems(db: DbOrTx, grantId: string): Promise<string[]> {
  const rows = await db.selectFrom('access_grant_item').select('recording_id').where('grant_id', '=', grantId).execute();
  return rows.map((r) => r.recording_id);
}

export async function revokeGrant(db: DbOrTx, id: string, by: string, reason: string, at: Date) {
  await db.updateTable('access_grant').set({ revoked_at: at, revoked_by: by, revoke_reason: reason }).where('id', '=', id).where('revoked_at', 'is', null).execute();
}

export async function reviewGrant(db: DbOrTx, id: string, r: { state: 'signed_off' | 'referred'; by: string; note: string | null; at: Date }) {
  await db
    .updateTable('access_grant')
    .set({ review_state: r.state, reviewed_by: r.by, reviewed_at: r.at, review_note: r.note })
    .where('id', '=', id)
    .where('review_state', '=', 'pending')
    .execute();
}

/** Copies made under each grant (copy receipts, Helper M's table; zero before it exists). */
export async function copyCounts(db: DbOrTx, grantIds: readonly string[]): Promise<Map<string, number>> {
  if (!grantIds.length) return new Map();
  const exists = await sql<{ t: string | null }>`SELECT to_regclass('public.copy_receipt')::text AS t`.execute(db);
  if (!exists.rows[0]?.t) return new Map();
  const r = await sql<{ grant_id: string; n: number }>`SELECT grant_id, count(*)::int AS n FROM copy_receipt
    WHERE grant_id = ANY(${uuids(grantIds)}) GROUP BY grant_id`.execute(db);
  return new Map(r.rows.map((x) => [x.grant_id, x.n]));
}

/** Account names for the people a view shows. */
export async function usersByIds(db: DbOrTx, ids: readonly string[]) {
  if (!ids.length) return new Map<string, { id: string; username: string; displayName: string | null }>();
  const rows = await db.selectFrom('app_user').select(['id', 'username', 'display_name']).where('id', 'in', ids).execute();
  return new Map(rows.map((r) => [r.id, { id: r.id, username: r.username, displayName: r.display_name }]));
}

export function listPolicy(db: DbOrTx) {
  return db.selectFrom('media_access_policy').select(['role', 'without_grant', 'updated_at']).orderBy('role').execute();
}

export function findPolicy(db: DbOrTx, role: string) {
  return db.selectFrom('media_access_policy').select(['role', 'without_grant']).where('role', '=', role).forUpdate().executeTakeFirst();
}

export async function updatePolicy(db: DbOrTx, role: string, withoutGrant: 'none' | 'own_recent' | 'reach', by: string) {
  await db.updateTable('media_access_policy').set({ without_grant: withoutGrant, updated_by: by, updated_at: new Date() }).where('role', '=', role).execute();
}

export async function setDepartmentHead(db: DbOrTx, departmentId: string, personId: string | null) {
  await db.updateTable('department').set({ head_person_id: personId, updated_at: new Date() }).where('id', '=', departmentId).execute();
}

export function findPerson(db: DbOrTx, id: string) {
  return db.selectFrom('person').select(['id', 'name', 'department_id']).where('id', '=', id).executeTakeFirst();
}
