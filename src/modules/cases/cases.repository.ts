import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { DbOrTx } from '../../platform/db/database.ts';
import type { CaseStage } from '../../platform/db/schema.ts';

/** 案件 SQL (0012): cases, parties, officers, stage history, links, written reasons, deadlines, checklist. */

/** A visibility condition that lets everything through (for callers that decided access themselves). */
export const EVERYTHING: RawBuilder<SqlBool> = sql<SqlBool>`true`;

export type CaseRow = Awaited<ReturnType<typeof findCase>> & object;

export async function findCase(db: DbOrTx, id: string) {
  return db
    .selectFrom('enforcement_case as c')
    .innerJoin('department as d', 'd.id', 'c.department_id')
    .innerJoin('recording_checklist_version as v', 'v.id', 'c.checklist_version_id')
    .selectAll('c')
    .select(['d.name as department_name', 'v.version as checklist_version'])
    .where('c.id', '=', id)
    .executeTakeFirst();
}

/** The case row locked for a change (stage moves are serialised per case). */
export async function lockCase(db: DbOrTx, id: string) {
  return db.selectFrom('enforcement_case').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

export async function caseNumberTaken(db: DbOrTx, caseNumber: string, exceptId?: string): Promise<boolean> {
  let q = db.selectFrom('enforcement_case').select('id').where('case_number', '=', caseNumber);
  if (exceptId) q = q.where('id', '!=', exceptId);
  return !!(await q.executeTakeFirst());
}

export interface NewCase {
  caseNumber: string;
  cause: string;
  actKind: string;
  procedure: 'simple' | 'general';
  coerciveMeasures: boolean;
  departmentId: string;
  filedOn: string;
  checklistVersionId: string;
  createdBy: string;
}

export async function insertCase(db: DbOrTx, c: NewCase): Promise<string> {
  const r = await db
    .insertInto('enforcement_case')
    .values({
      case_number: c.caseNumber,
      cause: c.cause,
      act_kind: c.actKind,
      procedure: c.procedure,
      coercive_measures: c.coerciveMeasures,
      department_id: c.departmentId,
      filed_on: c.filedOn,
      checklist_version_id: c.checklistVersionId,
      created_by: c.createdBy,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return r.id;
}

export async function updateCase(db: DbOrTx, id: string, patch: { cause?: string; coercive_measures?: boolean; case_number?: string }) {
  await db
    .updateTable('enforcement_case')
    .set({ ...patch, updated_at: sql`now()` })
    .where('id', '=', id)
    .execute();
}

export async function setStatus(db: DbOrTx, id: string, status: CaseStage, closedOn: string | null) {
  await db.updateTable('enforcement_case').set({ status, closed_on: closedOn, updated_at: sql`now()` }).where('id', '=', id).execute();
}

// Officers ----------------------------------------------------------------------------------------------

export async function officersOf(db: DbOrTx, caseIds: readonly string[]) {
  if (!caseIds.length) return [];
  return db
    .selectFrom('case_officer as o')
    .innerJoin('person as p', 'p.id', 'o.person_id')
    .select([
      'o.case_id',
      'o.person_id',
      'o.lead',
      'p.name',
      'p.staff_number',
      'p.department_id',
      'p.enrolled',
      'p.certificate_number',
      'p.certificate_exam_passed_on',
      'p.certificate_valid_until',
    ])
    .where('o.case_id', 'in', caseIds)
    .orderBy('o.lead', 'desc')
    .orderBy('p.name')
    .execute();
}

export async function replaceOfficers(db: DbOrTx, caseId: string, officers: { personId: string; lead: boolean }[]) {
  await db.deleteFrom('case_officer').where('case_id', '=', caseId).execute();
  if (officers.length) {
    await db
      .insertInto('case_officer')
      .values(officers.map((o) => ({ case_id: caseId, person_id: o.personId, lead: o.lead })))
      .execute();
  }
}

/** The people with what the 第七条 qualification rule looks at. */
export async function peopleFacts(db: DbOrTx, ids: readonly string[]) {
  if (!ids.length) return [];
  return db
    .selectFrom('person')
    .select(['id', 'name', 'enrolled', 'certificate_number', 'certificate_exam_passed_on', 'certificate_valid_until'])
    .where('id', 'in', ids)
    .execute();
}

// Parties -----------------------------------------------------------------------------------------------

export async function partiesOf(db: DbOrTx, caseId: string) {
  return db
    .selectFrom('case_party')
    .select(['id', 'kind', 'name', 'id_type', 'id_masked', 'representative', 'address', 'position'])
    .where('case_id', '=', caseId)
    .orderBy('position')
    .execute();
}

export async function partyCipher(db: DbOrTx, caseId: string, partyId: string) {
  return db
    .selectFrom('case_party')
    .select(['id', 'name', 'id_ciphertext', 'id_key_id', 'id_masked'])
    .where('case_id', '=', caseId)
    .where('id', '=', partyId)
    .executeTakeFirst();
}

export async function insertParty(
  db: DbOrTx,
  p: { id: string; caseId: string; kind: 'person' | 'organisation'; name: string; idType: 'resident_id' | 'credit_code' | 'passport' | 'other'; ciphertext: Buffer; keyId: string; masked: string; representative: string | null; address: string | null },
) {
  const next = await db
    .selectFrom('case_party')
    .select(sql<number>`coalesce(max(position), 0) + 1`.as('n'))
    .where('case_id', '=', p.caseId)
    .executeTakeFirstOrThrow();
  await db
    .insertInto('case_party')
    .values({
      id: p.id,
      case_id: p.caseId,
      position: Number(next.n),
      kind: p.kind,
      name: p.name,
      id_type: p.idType,
      id_ciphertext: p.ciphertext,
      id_key_id: p.keyId,
      id_masked: p.masked,
      representative: p.representative,
      address: p.address,
    })
    .execute();
}

// Stages ------------------------------------------------------------------------------------------------

export async function stageEventsOf(db: DbOrTx, caseId: string) {
  return db
    .selectFrom('case_stage_event as e')
    .innerJoin('app_user as u', 'u.id', 'e.by_user')
    .select(['e.id', 'e.from_stage', 'e.to_stage', 'e.kind', 'e.skipped', 'e.reason', 'e.occurred_on', 'e.at', 'u.username', 'u.display_name'])
    .where('e.case_id', '=', caseId)
    .orderBy('e.at')
    .orderBy('e.id')
    .execute();
}

export async function insertStageEvent(
  db: DbOrTx,
  e: { caseId: string; from: CaseStage | null; to: CaseStage; kind: 'file' | 'advance' | 'skip' | 'back'; skipped: CaseStage[]; reason: string | null; occurredOn: string; by: string },
) {
  const r = await db
    .insertInto('case_stage_event')
    .values({ case_id: e.caseId, from_stage: e.from, to_stage: e.to, kind: e.kind, skipped: e.skipped, reason: e.reason, occurred_on: e.occurredOn, by_user: e.by })
    .returning('id')
    .executeTakeFirstOrThrow();
  return r.id;
}

/** The latest stage event's date (a stage change may not be dated before it). */
export async function lastStageDate(db: DbOrTx, caseId: string): Promise<string | null> {
  const r = await db.selectFrom('case_stage_event').select(sql<string>`max(occurred_on)::text`.as('d')).where('case_id', '=', caseId).executeTakeFirst();
  return r?.d ?? null;
}

// Links -------------------------------------------------------------------------------------------------

const linkColumns = [
  'l.id',
  'l.case_id',
  'l.recording_id',
  'l.stage',
  'l.note',
  'l.linked_at',
  'l.unlinked_at',
  'l.unlink_reason',
  'lb.username as linked_by_name',
  'ub.username as unlinked_by_name',
  'r.file_name',
  'r.recorded_start',
  'r.recorded_end',
  'r.device_number',
  'r.activity',
] as const;

/** The links of a case (live and ended) whose recordings satisfy `visible` (the access filter over alias `r`). */
export async function linksOfCase(db: DbOrTx, caseId: string, visible: RawBuilder<SqlBool>) {
  return db
    .selectFrom('case_recording_link as l')
    .innerJoin('recording as r', 'r.id', 'l.recording_id')
    .innerJoin('app_user as lb', 'lb.id', 'l.linked_by')
    .leftJoin('app_user as ub', 'ub.id', 'l.unlinked_by')
    .select(linkColumns)
    .where('l.case_id', '=', caseId)
    .where(visible)
    .orderBy('l.linked_at')
    .orderBy('l.id')
    .execute();
}

/** Live links per stage of a case, whoever may see the recordings (the checklist counts them all). */
export async function liveLinkCounts(db: DbOrTx, caseId: string): Promise<Map<CaseStage, number>> {
  const rows = await db
    .selectFrom('case_recording_link')
    .select(['stage', sql<number>`count(*)::int`.as('n')])
    .where('case_id', '=', caseId)
    .where('unlinked_at', 'is', null)
    .groupBy('stage')
    .execute();
  return new Map(rows.map((r) => [r.stage, r.n]));
}

/** Live links whose recordings are not in `visible` (shown as a count only). */
export async function hiddenLinkCount(db: DbOrTx, caseId: string, visible: RawBuilder<SqlBool>): Promise<number> {
  const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM case_recording_link l JOIN recording r ON r.id = l.recording_id
    WHERE l.case_id = ${caseId} AND l.unlinked_at IS NULL AND NOT (${visible})`.execute(db);
  return r.rows[0]!.n;
}

export async function liveLink(db: DbOrTx, caseId: string, recordingId: string, stage: CaseStage) {
  return db
    .selectFrom('case_recording_link')
    .select('id')
    .where('case_id', '=', caseId)
    .where('recording_id', '=', recordingId)
    .where('stage', '=', stage)
    .where('unlinked_at', 'is', null)
    .executeTakeFirst();
}

export async function insertLink(db: DbOrTx, l: { caseId: string; recordingId: string; stage: CaseStage; note: string | null; by: string }) {
  const r = await db
    .insertInto('case_recording_link')
    .values({ case_id: l.caseId, recording_id: l.recordingId, stage: l.stage, note: l.note, linked_by: l.by })
    .returning('id')
    .executeTakeFirstOrThrow();
  return r.id;
}

export async function findLink(db: DbOrTx, caseId: string, linkId: string) {
  return db.selectFrom('case_recording_link').selectAll().where('case_id', '=', caseId).where('id', '=', linkId).forUpdate().executeTakeFirst();
}

export async function endLink(db: DbOrTx, linkId: string, by: string, reason: string) {
  await db.updateTable('case_recording_link').set({ unlinked_at: sql`now()`, unlinked_by: by, unlink_reason: reason }).where('id', '=', linkId).execute();
}

/** The live links of a recording to cases satisfying `visible` (the case access filter over alias `c`). */
export async function linksOfRecording(db: DbOrTx, recordingId: string, visible: RawBuilder<SqlBool>) {
  return db
    .selectFrom('case_recording_link as l')
    .innerJoin('enforcement_case as c', 'c.id', 'l.case_id')
    .innerJoin('app_user as lb', 'lb.id', 'l.linked_by')
    .select(['l.id', 'l.case_id', 'l.stage', 'l.note', 'l.linked_at', 'lb.username as linked_by_name', 'c.case_number', 'c.cause', 'c.status'])
    .where('l.recording_id', '=', recordingId)
    .where('l.unlinked_at', 'is', null)
    .where(visible)
    .orderBy('l.linked_at')
    .execute();
}

// Written reasons ---------------------------------------------------------------------------------------

export async function insertWrittenReason(db: DbOrTx, r: { caseId: string; stage: CaseStage; reason: string; by: string }) {
  const row = await db
    .insertInto('case_stage_written_reason')
    .values({ case_id: r.caseId, stage: r.stage, reason: r.reason, recorded_by: r.by })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** The latest written reason per stage of a case. */
export async function writtenReasonsOf(db: DbOrTx, caseId: string) {
  return db
    .selectFrom('case_stage_written_reason as w')
    .innerJoin('app_user as u', 'u.id', 'w.recorded_by')
    .select(['w.stage', 'w.reason', 'w.recorded_at', 'u.username'])
    .distinctOn('w.stage')
    .where('w.case_id', '=', caseId)
    .orderBy('w.stage')
    .orderBy('w.recorded_at', 'desc')
    .execute();
}

// Lists -------------------------------------------------------------------------------------------------

export interface CaseListFilter {
  status?: CaseStage;
  procedure?: 'simple' | 'general';
  departmentId?: string;
  q?: string;
  limit: number;
  /** (created_at, id) of the last row of the previous page. */
  after?: [string, string];
}

export async function listCases(db: DbOrTx, visible: RawBuilder<SqlBool>, f: CaseListFilter) {
  let q = db
    .selectFrom('enforcement_case as c')
    .innerJoin('department as d', 'd.id', 'c.department_id')
    .select(['c.id', 'c.case_number', 'c.cause', 'c.act_kind', 'c.procedure', 'c.status', 'c.filed_on', 'c.closed_on', 'c.department_id', 'd.name as department_name', 'c.created_at'])
    .select(sql<string>`to_char(c.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`.as('cursor_at'))
    .select((eb) =>
      eb
        .selectFrom('case_party as p')
        .select(sql<string>`string_agg(p.name, '、' ORDER BY p.position)`.as('n'))
        .whereRef('p.case_id', '=', 'c.id')
        .as('party_names'),
    )
    .where(visible);
  if (f.status) q = q.where('c.status', '=', f.status);
  if (f.procedure) q = q.where('c.procedure', '=', f.procedure);
  if (f.departmentId) q = q.where('c.department_id', '=', f.departmentId);
  if (f.q) {
    const like = `%${f.q.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
    q = q.where((eb) =>
      eb.or([
        eb('c.case_number', 'ilike', like),
        eb('c.cause', 'ilike', like),
        eb.exists(eb.selectFrom('case_party as p2').select(sql`1`.as('one')).whereRef('p2.case_id', '=', 'c.id').where('p2.name', 'ilike', like)),
      ]),
    );
  }
  if (f.after) q = q.where(sql<SqlBool>`(c.created_at, c.id) < (${f.after[0]}::timestamptz, ${f.after[1]}::uuid)`);
  return q.orderBy('c.created_at', 'desc').orderBy('c.id', 'desc').limit(f.limit + 1).execute();
}

// Gaps (第十六条) -----------------------------------------------------------------------------------------

/**
 * Stages of cases (satisfying `visible` over alias `c`) that need AV by their checklist version, that the case
 * has entered, and that have neither a live link nor a written reason: the gaps.
 */
export async function gaps(db: DbOrTx, visible: RawBuilder<SqlBool>, o: { caseId?: string; openOnly?: boolean; limit: number }) {
  const r = await sql<{ case_id: string; case_number: string; cause: string; status: CaseStage; department_id: string; stage: CaseStage; items: string[] }>`
    SELECT c.id AS case_id, c.case_number, c.cause, c.status, c.department_id, i.stage, array_agg(i.item ORDER BY i.position) AS items
    FROM enforcement_case c
    JOIN recording_checklist_item i ON i.version_id = c.checklist_version_id AND i.act_kind = c.act_kind AND i.method = 'av'
      AND (i.applies_when = 'always' OR (i.applies_when = 'coercive_measures' AND c.coercive_measures))
    WHERE ${visible}
      ${o.caseId ? sql`AND c.id = ${o.caseId}` : sql``}
      ${o.openOnly ? sql`AND c.status <> 'closed'` : sql``}
      AND EXISTS (SELECT 1 FROM case_stage_event e WHERE e.case_id = c.id AND e.to_stage = i.stage)
      AND NOT EXISTS (SELECT 1 FROM case_recording_link l WHERE l.case_id = c.id AND l.stage = i.stage AND l.unlinked_at IS NULL)
      AND NOT EXISTS (SELECT 1 FROM case_stage_written_reason w WHERE w.case_id = c.id AND w.stage = i.stage)
    GROUP BY c.id, c.case_number, c.cause, c.status, c.department_id, i.stage
    ORDER BY c.case_number, min(i.position)
    LIMIT ${o.limit}`.execute(db);
  return r.rows;
}

/** Which stages a case has entered (a stage event went to it). */
export async function enteredStages(db: DbOrTx, caseId: string): Promise<Set<CaseStage>> {
  const rows = await db.selectFrom('case_stage_event').select('to_stage').distinct().where('case_id', '=', caseId).execute();
  return new Set(rows.map((r) => r.to_stage));
}

// Checklist ---------------------------------------------------------------------------------------------

export async function currentChecklistVersion(db: DbOrTx) {
  return db.selectFrom('recording_checklist_version').selectAll().orderBy('version', 'desc').limit(1).executeTakeFirstOrThrow();
}

export async function checklistVersion(db: DbOrTx, version: number) {
  return db.selectFrom('recording_checklist_version').selectAll().where('version', '=', version).executeTakeFirst();
}

export async function checklistVersions(db: DbOrTx) {
  return db
    .selectFrom('recording_checklist_version as v')
    .leftJoin('app_user as u', 'u.id', 'v.created_by')
    .select(['v.id', 'v.version', 'v.note', 'v.created_at', 'u.username'])
    .select((eb) => eb.selectFrom('recording_checklist_item as i').select(sql<number>`count(*)::int`.as('n')).whereRef('i.version_id', '=', 'v.id').as('item_count'))
    .orderBy('v.version', 'desc')
    .execute();
}

export async function checklistItems(db: DbOrTx, versionId: string, actKind?: string) {
  let q = db.selectFrom('recording_checklist_item').selectAll().where('version_id', '=', versionId);
  if (actKind) q = q.where('act_kind', '=', actKind);
  return q.orderBy('position').execute();
}

export async function insertChecklistVersion(db: DbOrTx, note: string, by: string) {
  // Serialised by the unique version number: two saves at once → one fails with a unique violation.
  const r = await db
    .insertInto('recording_checklist_version')
    .values((eb) => ({ version: eb.selectFrom('recording_checklist_version').select(sql<number>`coalesce(max(version), 0) + 1`.as('v')), note, created_by: by }))
    .returning(['id', 'version'])
    .executeTakeFirstOrThrow();
  return r;
}

export async function insertChecklistItems(
  db: DbOrTx,
  versionId: string,
  items: { actKind: string; category: string; item: string; stage: CaseStage; method: 'av' | 'written'; appliesWhen: 'always' | 'coercive_measures'; startsWhen: string; covers: string; endsWhen: string }[],
) {
  if (!items.length) return;
  await db
    .insertInto('recording_checklist_item')
    .values(
      items.map((i, n) => ({
        version_id: versionId,
        position: n + 1,
        act_kind: i.actKind,
        category: i.category,
        item: i.item,
        stage: i.stage,
        method: i.method,
        applies_when: i.appliesWhen,
        starts_when: i.startsWhen,
        covers: i.covers,
        ends_when: i.endsWhen,
      })),
    )
    .execute();
}

/** The kinds of enforcement act of a version (a case must name one of them). */
export async function actKindsOf(db: DbOrTx, versionId: string) {
  return db.selectFrom('recording_checklist_item').select(['act_kind', sql<string>`min(category)`.as('category')]).where('version_id', '=', versionId).groupBy('act_kind').orderBy('act_kind').execute();
}

// Deadlines ---------------------------------------------------------------------------------------------

export async function deadlinesOfCase(db: DbOrTx, caseId: string) {
  return deadlineQuery(db).where('x.case_id', '=', caseId).orderBy('x.recorded_at').execute();
}

function deadlineQuery(db: DbOrTx) {
  return db
    .selectFrom('case_evidence_deadline as x')
    .innerJoin('enforcement_case as c', 'c.id', 'x.case_id')
    .innerJoin('app_user as rb', 'rb.id', 'x.recorded_by')
    .leftJoin('app_user as db', 'db.id', 'x.delivered_by')
    .selectAll('x')
    .select(['c.case_number', 'c.cause', 'c.department_id', 'rb.username as recorded_by_name', 'db.username as delivered_by_name']);
}

/** Open deadlines (not delivered) of cases satisfying `visible` (alias `c`), soonest first. */
export async function openDeadlines(db: DbOrTx, visible: RawBuilder<SqlBool>, limit: number) {
  return deadlineQuery(db).where('x.delivered_on', 'is', null).where(visible).orderBy('x.due_on').orderBy('x.id').limit(limit).execute();
}

export async function insertDeadline(
  db: DbOrTx,
  d: { caseId: string; kind: 'reconsideration' | 'litigation'; receivedOn: string; periodDays: number; workingDays: boolean; dueOn: string; authority: string; reference: string; by: string },
) {
  const r = await db
    .insertInto('case_evidence_deadline')
    .values({
      case_id: d.caseId,
      kind: d.kind,
      received_on: d.receivedOn,
      period_days: d.periodDays,
      working_days: d.workingDays,
      due_on: d.dueOn,
      authority: d.authority,
      reference: d.reference,
      recorded_by: d.by,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return r.id;
}

export async function findDeadline(db: DbOrTx, caseId: string, id: string) {
  return db.selectFrom('case_evidence_deadline').selectAll().where('case_id', '=', caseId).where('id', '=', id).forUpdate().executeTakeFirst();
}

export async function markDelivered(db: DbOrTx, id: string, on: string, by: string, note: string | null, packageId: string | null = null) {
  await db
    .updateTable('case_evidence_deadline')
    .set({ delivered_on: on, delivered_by: by, delivered_at: sql`now()`, delivery_note: note, delivered_package_id: packageId })
    .where('id', '=', id)
    .execute();
}
