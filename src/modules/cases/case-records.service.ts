import { appendAuditEvent } from '../../platform/audit/audit-chain.ts';
import { actorOf, type AuthUser } from '../../platform/auth/auth-user.ts';
import type { DbOrTx } from '../../platform/db/database.ts';
import type { CaseStage } from '../../platform/db/schema.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError } from '../../platform/errors/error-catalog.ts';
import { accessFilter, requireAccess, type Principal } from '../access/access.service.ts';
import { getSetting } from '../settings/settings.service.ts';
import { beijingToday } from './case-clock.ts';
import { CASE_STAGES, STAGE_NAMES, stagesOf } from './case-stages.ts';
import { recomputeRetention } from '../retention/retention.service.ts';
import * as repo from './cases.repository.ts';
import { daysLeft, dueDate, parseHolidays } from './evidence-deadline.ts';

/**
 * What a case records beside its stages: linked recordings, written reasons, the checklist with its gaps
 * (第十六条), and evidence deadlines (第十三条).
 */

// Checklist and gaps ------------------------------------------------------------------------------------

/**
 * The case's checklist (its version's rows for its kind of act; coercive-measure rows only when measures were
 * taken), per stage of its procedure: what the rows require, the live links, the written reason, and whether
 * the stage is a gap — it needs AV, the case has entered it, and it has neither a linked recording nor a
 * written reason (受客观条件限制). Stages not yet reached, or skipped, are not gaps. Linked recordings the
 * caller may not see still count (the gap is a fact about the case), but are listed only as a number.
 */
export async function checklistView(db: DbOrTx, user: Principal, c: { id: string; act_kind: string; procedure: 'simple' | 'general'; coercive_measures: boolean; checklist_version_id: string }) {
  const visible = await accessFilter(db, user, 'recording.metadata.read', 'r');
  const [items, counts, reasons, entered, links, hidden] = await Promise.all([
    repo.checklistItems(db, c.checklist_version_id, c.act_kind),
    repo.liveLinkCounts(db, c.id),
    repo.writtenReasonsOf(db, c.id),
    repo.enteredStages(db, c.id),
    repo.linksOfCase(db, c.id, visible),
    repo.hiddenLinkCount(db, c.id, visible),
  ]);
  const reasonOf = new Map(reasons.map((r) => [r.stage, r]));
  const applicable = items.filter((i) => i.applies_when === 'always' || c.coercive_measures);
  const checklist = stagesOf(c.procedure)
    .map((stage) => {
      const rows = applicable.filter((i) => i.stage === stage);
      const needsAv = rows.some((i) => i.method === 'av');
      const linked = counts.get(stage) ?? 0;
      const w = reasonOf.get(stage);
      return {
        stage,
        required: rows.length ? (needsAv ? ('av' as const) : ('written' as const)) : ('none' as const),
        items: rows.map((i) => ({ category: i.category, item: i.item, method: i.method, appliesWhen: i.applies_when, startsWhen: i.starts_when, covers: i.covers, endsWhen: i.ends_when })),
        entered: entered.has(stage),
        linkedRecordings: linked,
        writtenReason: w ? { reason: w.reason, by: w.username, at: w.recorded_at.toISOString() } : null,
        gap: needsAv && entered.has(stage) && linked === 0 && !w,
      };
    });
  return {
    checklist,
    gaps: checklist.filter((s) => s.gap).map((s) => s.stage),
    links: links.map((l) => ({
      id: l.id,
      recordingId: l.recording_id,
      stage: l.stage,
      note: l.note,
      linkedBy: l.linked_by_name,
      linkedAt: l.linked_at.toISOString(),
      unlinkedBy: l.unlinked_by_name,
      unlinkedAt: l.unlinked_at?.toISOString() ?? null,
      unlinkReason: l.unlink_reason,
      recording: { fileName: l.file_name, recordedStart: l.recorded_start.toISOString(), recordedEnd: l.recorded_end?.toISOString() ?? null, deviceNumber: l.device_number, activity: l.activity },
    })),
    hiddenLinks: hidden,
  };
}

/** 工作台: the gaps of open cases the caller may read. */
export async function listGaps({ db }: Deps, user: AuthUser, limit: number) {
  const rows = await repo.gaps(db, await accessFilter(db, user, 'case.read', 'c'), { openOnly: true, limit });
  return { items: rows.map((r) => ({ caseId: r.case_id, caseNumber: r.case_number, cause: r.cause, status: r.status, stage: r.stage, items: r.items })) };
}

// Links -------------------------------------------------------------------------------------------------

/**
 * Links a recording to a case at a stage (from the case page or the recording page). Both must be in reach:
 * the case for handling, the recording for reading (else 404, as if unknown). One recording may serve several
 * cases and stages. Audited.
 */
export async function linkRecording(deps: Deps, user: AuthUser, caseId: string, input: { recordingId: string; stage: CaseStage; note?: string | null }) {
  const { db } = deps;
  await requireAccess(db, user, 'case.edit', [caseId]);
  await requireAccess(db, user, 'recording.metadata.read', [input.recordingId]);
  const id = await db.transaction().execute(async (trx) => {
    const c = await repo.lockCase(trx, caseId);
    if (!c) throw new AppError('NOT_FOUND');
    if (!stagesOf(c.procedure).includes(input.stage)) throw new AppError('CASE_STAGE_NOT_APPLICABLE', { procedure: c.procedure === 'simple' ? { zh: '简易程序', en: 'simple procedure' } : { zh: '一般程序', en: 'general procedure' }, stage: STAGE_NAMES[input.stage] });
    if (await repo.liveLink(trx, caseId, input.recordingId, input.stage)) throw new AppError('CASE_LINK_EXISTS', { stage: STAGE_NAMES[input.stage] });
    const id = await repo.insertLink(trx, { caseId, recordingId: input.recordingId, stage: input.stage, note: input.note ?? null, by: user.id });
    // 第十一条: AV serving a case is kept as long as the case file.
    await recomputeRetention(trx, { recordingIds: [input.recordingId] });
    await appendAuditEvent(trx, {
      actor: actorOf(user),
      action: 'case.link',
      target: { type: 'case', id: caseId },
      details: { caseNumber: c.case_number, linkId: id, recordingId: input.recordingId, stage: input.stage, note: input.note ?? null },
    });
    return id;
  });
  return { id };
}

/** Ends a link, with a reason (the row stays: links drive retention). Audited. */
export async function unlinkRecording(deps: Deps, user: AuthUser, caseId: string, linkId: string, reason: string) {
  const { db } = deps;
  await requireAccess(db, user, 'case.edit', [caseId]);
  await db.transaction().execute(async (trx) => {
    const l = await repo.findLink(trx, caseId, linkId);
    if (!l) throw new AppError('NOT_FOUND');
    await requireAccess(trx, user, 'recording.metadata.read', [l.recording_id]);
    if (l.unlinked_at) throw new AppError('CASE_LINK_ENDED', { at: l.unlinked_at.toISOString() });
    await repo.endLink(trx, linkId, user.id, reason);
    await recomputeRetention(trx, { recordingIds: [l.recording_id] });
    await appendAuditEvent(trx, {
      actor: actorOf(user),
      action: 'case.unlink',
      target: { type: 'case', id: caseId },
      details: { linkId, recordingId: l.recording_id, stage: l.stage, reason },
    });
  });
}

/** The cases a recording serves (live links), only those the caller may read; the recording must be readable. */
export async function casesOfRecording({ db }: Deps, user: AuthUser, recordingId: string) {
  await requireAccess(db, user, 'recording.metadata.read', [recordingId]);
  const rows = await repo.linksOfRecording(db, recordingId, await accessFilter(db, user, 'case.read', 'c'));
  return {
    items: rows.map((r) => ({ linkId: r.id, caseId: r.case_id, caseNumber: r.case_number, cause: r.cause, status: r.status, stage: r.stage, note: r.note, linkedBy: r.linked_by_name, linkedAt: r.linked_at.toISOString() })),
  };
}

/** 受客观条件限制: records why a stage has no AV (written instead). Audited; the latest reason counts. */
export async function recordWrittenReason(deps: Deps, user: AuthUser, caseId: string, input: { stage: CaseStage; reason: string }) {
  const { db } = deps;
  await requireAccess(db, user, 'case.edit', [caseId]);
  await db.transaction().execute(async (trx) => {
    const c = await repo.lockCase(trx, caseId);
    if (!c) throw new AppError('NOT_FOUND');
    const id = await repo.insertWrittenReason(trx, { caseId, stage: input.stage, reason: input.reason, by: user.id });
    await appendAuditEvent(trx, {
      actor: actorOf(user),
      action: 'case.written_reason',
      target: { type: 'case', id: caseId },
      details: { caseNumber: c.case_number, reasonId: id, stage: input.stage, reason: input.reason },
    });
  });
}

// Evidence deadlines (第十三条) ---------------------------------------------------------------------------

type DeadlineRow = Awaited<ReturnType<typeof repo.deadlinesOfCase>>[number];

function deadlineView(d: DeadlineRow, today: string) {
  return {
    id: d.id,
    caseId: d.case_id,
    caseNumber: d.case_number,
    cause: d.cause,
    kind: d.kind,
    receivedOn: d.received_on,
    periodDays: d.period_days,
    workingDays: d.working_days,
    dueOn: d.due_on,
    authority: d.authority,
    reference: d.reference,
    recordedBy: d.recorded_by_name,
    recordedAt: d.recorded_at.toISOString(),
    deliveredOn: d.delivered_on,
    deliveredBy: d.delivered_by_name,
    deliveryNote: d.delivery_note,
    /** The evidence package delivered, when delivered as one. */
    deliveredPackageId: d.delivered_package_id,
    /** Days left counted in Beijing dates (0 = due today; negative = overdue); null once delivered. */
    daysLeft: d.delivered_on ? null : daysLeft(d.due_on, today),
  };
}

export async function deadlinesView(db: DbOrTx, caseId: string) {
  const today = beijingToday();
  return (await repo.deadlinesOfCase(db, caseId)).map((d) => deadlineView(d, today));
}

/**
 * Records a reconsideration (复议) or a lawsuit (诉讼) against the case and computes the evidence deadline from
 * the settings in force (evidence-deadline.ts says how it is counted); the period and the way it was counted
 * are kept on the row. The simplified reconsideration procedure (行政复议法 art. 53) is the body's choice: the
 * caller says so; by default it follows the case's own simple procedure (当场处罚 is one of its cases).
 */
export async function recordDeadline(
  deps: Deps,
  user: AuthUser,
  caseId: string,
  input: { kind: 'reconsideration' | 'litigation'; receivedOn: string; simplified?: boolean; authority?: string; reference?: string },
) {
  const { db } = deps;
  await requireAccess(db, user, 'case.edit', [caseId]);
  const today = beijingToday();
  if (input.receivedOn > today) throw new AppError('VALIDATION_FAILED', {}, { receivedOn: { zh: '收到日期不能晚于今天', en: 'the date received may not be in the future' } });
  const calendar = parseHolidays(await getSetting(db, 'deadlines.holidays'));
  await db.transaction().execute(async (trx) => {
    const c = await repo.lockCase(trx, caseId);
    if (!c) throw new AppError('NOT_FOUND');
    if (input.receivedOn < c.filed_on) throw new AppError('VALIDATION_FAILED', {}, { receivedOn: { zh: '收到日期不能早于立案日期', en: 'the date received may not be before the filing date' } });
    const simplified = input.kind === 'reconsideration' && (input.simplified ?? c.procedure === 'simple');
    const periodDays =
      input.kind === 'litigation'
        ? await getSetting(trx, 'deadlines.litigationDays')
        : await getSetting(trx, simplified ? 'deadlines.reconsiderationSimpleDays' : 'deadlines.reconsiderationDays');
    const workingDays = input.kind === 'reconsideration';
    const dueOn = dueDate({ receivedOn: input.receivedOn, days: periodDays, workingDays, calendar });
    const id = await repo.insertDeadline(trx, { caseId, kind: input.kind, receivedOn: input.receivedOn, periodDays, workingDays, dueOn, authority: input.authority ?? '', reference: input.reference ?? '', by: user.id });
    await appendAuditEvent(trx, {
      actor: actorOf(user),
      action: 'case.deadline.create',
      target: { type: 'case', id: caseId },
      details: { caseNumber: c.case_number, deadlineId: id, kind: input.kind, simplified, receivedOn: input.receivedOn, periodDays, workingDays, dueOn, authority: input.authority ?? '', reference: input.reference ?? '' },
    });
  });
  return deadlinesView(db, caseId);
}

/**
 * Records that the evidence was handed over (date, note; `packageId`: delivered as that evidence package, which
 * the caller — the evidence-packages service — checked is this case's). Audited, once.
 */
export async function markDeadlineDelivered(
  deps: Deps,
  user: AuthUser,
  caseId: string,
  deadlineId: string,
  input: { deliveredOn: string; note?: string | null; packageId?: string },
) {
  const { db } = deps;
  await requireAccess(db, user, 'case.edit', [caseId]);
  if (input.deliveredOn > beijingToday()) throw new AppError('VALIDATION_FAILED', {}, { deliveredOn: { zh: '提交日期不能晚于今天', en: 'the delivery date may not be in the future' } });
  await db.transaction().execute(async (trx) => {
    const d = await repo.findDeadline(trx, caseId, deadlineId);
    if (!d) throw new AppError('NOT_FOUND');
    if (d.delivered_on) throw new AppError('DEADLINE_DELIVERED', { on: d.delivered_on });
    if (input.deliveredOn < d.received_on) throw new AppError('VALIDATION_FAILED', {}, { deliveredOn: { zh: '提交日期不能早于收到日期', en: 'the delivery date may not be before the date received' } });
    await repo.markDelivered(trx, deadlineId, input.deliveredOn, user.id, input.note ?? null, input.packageId ?? null);
    await appendAuditEvent(trx, {
      actor: actorOf(user),
      action: 'case.deadline.deliver',
      target: { type: 'case', id: caseId },
      details: { deadlineId, kind: d.kind, dueOn: d.due_on, deliveredOn: input.deliveredOn, late: input.deliveredOn > d.due_on, note: input.note ?? null, ...(input.packageId && { packageId: input.packageId }) },
    });
  });
  return deadlinesView(db, caseId);
}

/** 工作台: open evidence deadlines of cases the caller may read, soonest first, with the countdown. */
export async function listOpenDeadlines({ db }: Deps, user: AuthUser, limit: number) {
  const today = beijingToday();
  const rows = await repo.openDeadlines(db, await accessFilter(db, user, 'case.read', 'c'), limit);
  return { today, items: rows.map((d) => deadlineView(d, today)) };
}

// Checklist versions (第十六条) ---------------------------------------------------------------------------

export interface ChecklistItemInput {
  actKind: string;
  category: string;
  item: string;
  stage: CaseStage;
  method: 'av' | 'written';
  appliesWhen: 'always' | 'coercive_measures';
  startsWhen: string;
  covers: string;
  endsWhen: string;
}

async function versionView(db: DbOrTx, v: { id: string; version: number; note: string; created_at: Date }) {
  const items = await repo.checklistItems(db, v.id);
  return {
    version: v.version,
    note: v.note,
    createdAt: v.created_at.toISOString(),
    items: items.map((i) => ({ actKind: i.act_kind, category: i.category, item: i.item, stage: i.stage, method: i.method, appliesWhen: i.applies_when, startsWhen: i.starts_when, covers: i.covers, endsWhen: i.ends_when })),
  };
}

/** The checklist in force (the latest version), or the given version. */
export async function getChecklist({ db }: Deps, version?: number) {
  const v = version === undefined ? await repo.currentChecklistVersion(db) : await repo.checklistVersion(db, version);
  if (!v) throw new AppError('NOT_FOUND');
  return versionView(db, v);
}

export async function listChecklistVersions({ db }: Deps) {
  const rows = await repo.checklistVersions(db);
  return { items: rows.map((r) => ({ version: r.version, note: r.note, createdAt: r.created_at.toISOString(), createdBy: r.username, itemCount: r.item_count ?? 0 })) };
}

/** Saves a new version of the whole list (versions are never changed). New cases use it; filed cases keep theirs. Audited. */
export async function saveChecklist(deps: Deps, user: AuthUser, input: { note: string; items: ChecklistItemInput[] }) {
  const { db } = deps;
  const v = await db.transaction().execute(async (trx) => {
    const v = await repo.insertChecklistVersion(trx, input.note, user.id);
    await repo.insertChecklistItems(trx, v.id, input.items);
    await appendAuditEvent(trx, {
      actor: actorOf(user),
      action: 'checklist.version.create',
      target: { type: 'recording_checklist', id: v.id },
      details: { version: v.version, note: input.note, items: input.items.length, actKinds: [...new Set(input.items.map((i) => i.actKind))] },
    });
    return v;
  });
  return getChecklist(deps, v.version);
}

export { CASE_STAGES };
