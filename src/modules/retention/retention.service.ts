import { appendAuditEvent } from '../../platform/audit/audit-chain.ts';
import { actorOf, type AuthUser } from '../../platform/auth/auth-user.ts';
import type { DbOrTx, Tx } from '../../platform/db/database.ts';
import type { RetentionCategory, RetentionUnit } from '../../platform/db/schema.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError } from '../../platform/errors/error-catalog.ts';
import type { ObjectLockState } from '../../platform/storage/object-store.ts';
import { shanghaiDate } from '../../platform/time.ts';
import { accessFilter, requireAccess } from '../access/access.service.ts';
import { lockOriginals } from '../preservation/preservation.repository.ts';
import * as repo from './retention.repository.ts';
import { addDaysToDate, storeRetainUntil } from './retention-dates.ts';

/**
 * 保存期限 (第十一条): the retention table (versioned data), the engine computing every recording's and case
 * file's keep-until date, holds placed by reopened cases and leaders, and the object store kept in step.
 */

/** What to recompute: recordings by id, cases by id (and their linked recordings), or everything. */
export interface RecomputeScope {
  recordingIds?: readonly string[];
  caseIds?: readonly string[];
  all?: boolean;
}

/**
 * Recomputes keep-until dates inside the caller's transaction (call it after any change to a link, a case's
 * status or archiving, a hold or the table). Set-based: `all` is two statements whatever the number of
 * recordings. The object store is brought in step afterwards by syncObjectStore (the retention job), since
 * a bucket call cannot roll back with the transaction; the rows say what is not yet synced.
 */
export async function recomputeRetention(db: DbOrTx, scope: RecomputeScope): Promise<{ cases: number; recordings: number }> {
  if (scope.all) {
    const cases = await repo.recomputeCases(db, 'all');
    return { cases, recordings: await repo.recomputeRecordings(db, { all: true }) };
  }
  let cases = 0;
  let recordings = 0;
  if (scope.caseIds?.length) {
    cases = await repo.recomputeCases(db, scope.caseIds);
    recordings += await repo.recomputeRecordings(db, { caseIds: scope.caseIds });
  }
  if (scope.recordingIds?.length) recordings += await repo.recomputeRecordings(db, { ids: scope.recordingIds });
  return { cases, recordings };
}

/**
 * Recomputes these recordings after their holds changed (a preservation mark approved or released) and says
 * which of them still have no date — their original must keep its legal hold in the store.
 */
export async function recomputeAfterHoldChange(db: DbOrTx, recordingIds: readonly string[]): Promise<Set<string>> {
  await recomputeRetention(db, { recordingIds: [...recordingIds] });
  return repo.recordingsWithoutDate(db, recordingIds);
}

/**
 * Of these objects, those whose legal hold in the store must stay: something their bytes serve (a recording,
 * a case file's document or PDF, content addressing) has no date. Read after the caller's recompute.
 */
export async function objectsNeedingHold(db: DbOrTx, keys: readonly string[]): Promise<Set<string>> {
  const needs = await repo.objectNeeds(db, keys);
  return new Set([...needs].filter(([, n]) => n.hold).map(([k]) => k));
}

/** Computes the rows recordings and cases do not have yet (new uploads, new cases). */
export async function recomputeMissing(db: DbOrTx) {
  const cases = await repo.recomputeCases(db, 'all');
  return { cases, recordings: await repo.recomputeRecordings(db, { missing: true }) };
}

// Retention table ---------------------------------------------------------------------------------------

export const CATEGORIES: readonly RetentionCategory[] = ['av_patrol', 'av_other', 'case_file_general', 'case_file_simple'];

export interface RuleInput {
  category: RetentionCategory;
  unit: RetentionUnit;
  count?: number | null;
}

/** Every version, newest first, with its rules and state. */
export async function listTable({ db }: Deps) {
  const versions = await repo.listVersions(db);
  const rules = await repo.rulesOf(db, versions.map((v) => v.id));
  const current = versions.find((v) => v.approved_at)?.id;
  return {
    items: versions.map((v) => ({
      id: v.id,
      version: v.version,
      note: v.note,
      proposedBy: v.proposed_by_name,
      proposedAt: v.proposed_at.toISOString(),
      approvedBy: v.approved_by_name,
      approvedAt: v.approved_at?.toISOString() ?? null,
      state: v.id === current ? ('current' as const) : v.approved_at ? ('superseded' as const) : ('proposed' as const),
      rules: rules.filter((r) => r.version_id === v.id).map((r) => ({ category: r.category, unit: r.period_unit, count: r.period_count })),
    })),
  };
}

/**
 * Proposes a new version: every category once, 第十一条's floor (AV at least 6 months) checked here and in
 * the database. It takes effect only when a leader other than the proposer approves it. Audited.
 */
export async function proposeVersion(deps: Deps, user: AuthUser, input: { note: string; rules: RuleInput[] }) {
  const seen = new Set(input.rules.map((r) => r.category));
  if (seen.size !== input.rules.length || CATEGORIES.some((c) => !seen.has(c))) {
    throw new AppError('VALIDATION_FAILED', {}, { rules: { zh: `每个类别须且只须填写一次：${CATEGORIES.join('、')}`, en: `each category exactly once: ${CATEGORIES.join(', ')}` } });
  }
  const rules = input.rules.map((r) => {
    const count = r.unit === 'permanent' ? null : (r.count ?? null);
    if (r.unit !== 'permanent' && (count === null || !Number.isInteger(count) || count < 1 || count > 1200)) {
      throw new AppError('VALIDATION_FAILED', {}, { [`rules.${r.category}`]: { zh: '期限须为 1 至 1200 的整数', en: 'the period must be a whole number from 1 to 1200' } });
    }
    // 第十一条: 日常巡查的声像资料保存期限不少于6个月 (the same floor for other AV).
    if (r.category.startsWith('av_') && r.unit === 'months' && count! < 6) throw new AppError('RETENTION_BELOW_MINIMUM', { category: r.category });
    return { category: r.category, unit: r.unit, count };
  });
  const id = await deps.db.transaction().execute(async (trx) => {
    const version = (await repo.maxVersion(trx)).all + 1;
    const id = await repo.insertVersion(trx, { version, note: input.note, by: user.id, rules });
    await appendAuditEvent(trx, { actor: actorOf(user), action: 'retention.table.propose', target: { type: 'retention_table', id }, details: { version, note: input.note, rules } });
    return id;
  });
  return { id };
}

/**
 * Approves a proposed version: a leader who did not propose it (self-approval refused), only a version newer
 * than the one in force. In the same transaction every keep-until date is recomputed (set-based), so the
 * table and the dates never disagree. Audited.
 */
export async function approveVersion(deps: Deps, user: AuthUser, id: string) {
  return deps.db.transaction().execute(async (trx) => {
    const v = await repo.lockVersion(trx, id);
    if (!v) throw new AppError('NOT_FOUND');
    if (v.approved_at) throw new AppError('RETENTION_VERSION_DECIDED', { version: v.version });
    if (v.proposed_by === user.id) throw new AppError('RETENTION_SELF_APPROVAL');
    const { approved } = await repo.maxVersion(trx);
    if (v.version < approved) throw new AppError('RETENTION_VERSION_DECIDED', { version: v.version });
    await repo.approveVersion(trx, id, user.id);
    const counts = await recomputeRetention(trx, { all: true });
    await appendAuditEvent(trx, { actor: actorOf(user), action: 'retention.table.approve', target: { type: 'retention_table', id }, details: { version: v.version, recomputed: counts } });
    return { version: v.version, recomputed: counts };
  });
}

// Views -------------------------------------------------------------------------------------------------

/** The view of one retention row: the date (null = 永久 / 保全中 / pending) and why. */
function retentionView(r: NonNullable<Awaited<ReturnType<typeof repo.recordingRetention>>> | undefined, holds: Awaited<ReturnType<typeof repo.activeHolds>>) {
  return {
    keepUntil: r?.keep_until ?? null,
    basis: r?.basis ?? 'not_computed',
    basisCase: r?.basis_case_id ? { id: r.basis_case_id, caseNumber: r.case_number } : null,
    ruleVersion: r?.rule_version ?? null,
    disposedAt: r?.disposed_at?.toISOString() ?? null,
    store: r ? { retainUntil: r.store_until?.toISOString() ?? null, legalHold: r.store_hold, synced: r.store_synced } : null,
    holds: holds.map((h) => ({ id: h.id, kind: h.kind, reason: h.reason, placedAt: h.placed_at.toISOString() })),
  };
}

/** A recording's keep-until date and why (the recording must be readable, else 404). Computed on first sight. */
export async function recordingRetention({ db }: Deps, user: AuthUser, recordingId: string) {
  await requireAccess(db, user, 'recording.metadata.read', [recordingId]);
  let r = await repo.recordingRetention(db, recordingId);
  if (!r) {
    await repo.recomputeRecordings(db, { ids: [recordingId] });
    r = await repo.recordingRetention(db, recordingId);
  }
  return retentionView(r, await repo.activeHolds(db, 'recording', recordingId));
}

/** A case file's keep-until date and why (the case must be readable, else 404). */
export async function caseRetention({ db }: Deps, user: AuthUser, caseId: string) {
  await requireAccess(db, user, 'case.read', [caseId]);
  let r = await repo.caseRetention(db, caseId);
  if (!r) {
    await repo.recomputeCases(db, [caseId]);
    r = await repo.caseRetention(db, caseId);
  }
  const holds = await repo.activeHolds(db, 'case_file', caseId);
  return {
    keepUntil: r?.keep_until ?? null,
    basis: r?.basis ?? 'not_computed',
    ruleVersion: r?.rule_version ?? null,
    disposedAt: r?.disposed_at?.toISOString() ?? null,
    holds: holds.map((h) => ({ id: h.id, kind: h.kind, reason: h.reason, placedAt: h.placed_at.toISOString() })),
  };
}

/** 工作台 weekly digest: the caller's readable recordings reaching their date within `days` days (Beijing). */
export async function upcomingDigest({ db }: Deps, user: AuthUser, days: number) {
  const today = shanghaiDate();
  const until = addDaysToDate(today, days);
  const { items, total } = await repo.upcoming(db, await accessFilter(db, user, 'recording.metadata.read', 'r'), today, until, 50);
  return {
    from: today,
    until,
    total,
    items: items.map((i) => ({ id: i.id, fileName: i.file_name, recordedStart: i.recorded_start.toISOString(), activity: i.activity, keepUntil: i.keep_until!, basis: i.basis })),
  };
}

// Holds -------------------------------------------------------------------------------------------------

/** A leader's legal hold (法律保全) on a recording or a case file: no date, never disposed while held. Audited. */
export async function placeLegalHold(deps: Deps, user: AuthUser, input: { subjectType: 'recording' | 'case_file'; subjectId: string; reason: string }) {
  await requireAccess(deps.db, user, input.subjectType === 'recording' ? 'recording.metadata.read' : 'case.read', [input.subjectId]);
  return deps.db.transaction().execute(async (trx) => {
    const id = await repo.insertHold(trx, { ...input, by: user.id });
    await recomputeRetention(trx, input.subjectType === 'recording' ? { recordingIds: [input.subjectId] } : { caseIds: [input.subjectId] });
    await appendAuditEvent(trx, { actor: actorOf(user), action: 'retention.hold.place', target: { type: input.subjectType, id: input.subjectId }, details: { holdId: id, kind: 'legal', reason: input.reason } });
    return { id };
  });
}

/** Releases a leader's legal hold (once); the dates are recomputed. Holds of other kinds are released by their owners. */
export async function releaseLegalHold(deps: Deps, user: AuthUser, holdId: string) {
  await deps.db.transaction().execute(async (trx) => {
    const h = await repo.lockHold(trx, holdId);
    if (!h || h.kind !== 'legal') throw new AppError('NOT_FOUND');
    await requireAccess(trx, user, h.subject_type === 'recording' ? 'recording.metadata.read' : 'case.read', [h.subject_id]);
    if (h.released_at) throw new AppError('RETENTION_HOLD_RELEASED');
    await repo.releaseHold(trx, holdId, user.id);
    await recomputeRetention(trx, h.subject_type === 'recording' ? { recordingIds: [h.subject_id] } : { caseIds: [h.subject_id] });
    await appendAuditEvent(trx, { actor: actorOf(user), action: 'retention.hold.release', target: { type: h.subject_type, id: h.subject_id }, details: { holdId, kind: h.kind } });
  });
}

/**
 * Called by the cases module inside its stage-change transaction. A closed case reopened (结案 → an earlier
 * stage) holds its case file and its recordings again (Genetec-style "reopening resets to never delete");
 * closing it again releases those holds. Either way the dates are recomputed.
 */
export async function onCaseStageChanged(trx: Tx, user: AuthUser, caseId: string, from: string, to: string) {
  if (from === 'closed' && to !== 'closed') {
    const held = await repo.placeReopenHolds(trx, caseId, user.id, '结案后重新办理（案件重新开启）Case reopened');
    if (held.length) await appendAuditEvent(trx, { actor: actorOf(user), action: 'retention.hold.place', target: { type: 'case', id: caseId }, details: { kind: 'case_reopened', subjects: held } });
  } else if (to === 'closed') {
    const released = await repo.releaseReopenHolds(trx, caseId);
    if (released.length) await appendAuditEvent(trx, { actor: actorOf(user), action: 'retention.hold.release', target: { type: 'case', id: caseId }, details: { kind: 'case_reopened', recordings: released } });
  }
  await recomputeRetention(trx, { caseIds: [caseId] });
}

// Object store ------------------------------------------------------------------------------------------

/**
 * Brings one object's lock in step with what everything its bytes serve needs (repo.objectNeeds: recordings,
 * case-file documents and built PDFs sharing the same SHA-256): its retain-until is extended to the Beijing
 * midnight after the LONGEST keep-until date among them (never shortened: an earlier date leaves the store as
 * it is; a date already past needs no lock, and a bucket refuses a retain-until in the past); the legal hold
 * is on while any of them has no date (永久, held, case pending) and cleared only when none has. On S3 this is
 * the bucket's COMPLIANCE lock and legal hold. Done under the object's legal-hold lock (the one preservation
 * takes), so two passes or a preservation decision never interleave their bucket calls on one object.
 * Returns the object's state after, or undefined when the store has no such object.
 */
async function applyObjectNeeds(deps: Deps, key: string): Promise<ObjectLockState | undefined> {
  return deps.db.transaction().execute(async (trx) => {
    await lockOriginals(trx, [key]);
    const need = (await repo.objectNeeds(trx, [key])).get(key) ?? { until: null, hold: false };
    let s = await deps.storage.lockState(key);
    if (!s) return undefined;
    if (need.until) {
      const until = storeRetainUntil(need.until);
      if (until.getTime() > Date.now() && (!s.retainUntil || s.retainUntil.getTime() < until.getTime())) s = await deps.storage.extendRetention(key, until);
    }
    if (s.legalHold !== need.hold) s = await deps.storage.setLegalHold(key, need.hold);
    return s;
  });
}

/**
 * Brings the object store's retention of recordings' originals in step with the computed dates, a batch at a
 * time (applyObjectNeeds: the longest date over everything sharing the bytes; no date → legal hold). Returns
 * how many recordings were synced; a crash mid-batch leaves the rest unsynced for the next pass.
 */
export async function syncObjectStore(deps: Deps, limit = 500): Promise<number> {
  const rows = await repo.unsynced(deps.db, limit);
  for (const r of rows) {
    // No bytes (never stored, or gone): nothing to lock; record what the store has.
    const s = await applyObjectNeeds(deps, r.original_sha256);
    await repo.markSynced(deps.db, r.recording_id, r.keep_until, { until: s?.retainUntil ?? null, hold: s?.legalHold ?? false });
  }
  return rows.length;
}

/**
 * The same for case files (第十一条 archive periods; 永久 and held files → legal hold): each unsynced case
 * file's documents and built PDFs are brought in step (applyObjectNeeds, so a document shared with a longer-
 * kept case file or recording gets the longer date, and keeps its hold while any sharer has no date), then
 * the case file is marked synced. A batch at a time; a crash mid-way redoes that case file next pass (each
 * step is idempotent). Returns how many case files were synced.
 */
export async function syncCaseFileStore(deps: Deps, limit = 200): Promise<number> {
  const rows = await repo.unsyncedCases(deps.db, limit);
  for (const c of rows) await syncCaseFileObjects(deps, c.case_id, c.keep_until);
  return rows.length;
}

/**
 * Syncs one case file's objects at once: called by the case-files module after a document, a built PDF or
 * the archiving is committed, so new bytes get their hold (a case file not archived has no date) or date
 * without waiting for the job. A failure here (store unreachable, process killed) is not the caller's
 * failure and is not thrown: the insert or the recompute marked the case file unsynced, so the retention
 * job (every 10 minutes) applies it.
 */
export async function lockCaseFileBytes(deps: Deps, caseId: string): Promise<void> {
  await syncCaseFileNow(deps, caseId).catch(() => undefined);
}

async function syncCaseFileNow(deps: Deps, caseId: string): Promise<void> {
  const r = await repo.caseRetention(deps.db, caseId);
  if (!r) {
    // No computed row yet (a new case): its objects need the hold of a case file without a date.
    for (const key of await repo.caseObjectKeys(deps.db, caseId)) await applyObjectNeeds(deps, key);
    return;
  }
  if (!r.disposed_at) await syncCaseFileObjects(deps, caseId, r.keep_until);
}

async function syncCaseFileObjects(deps: Deps, caseId: string, keepUntil: string | null): Promise<void> {
  const keys = await repo.caseObjectKeys(deps.db, caseId);
  // What the case file's objects have after the pass: the earliest retain-until (null: one has none), and
  // whether every one of them is on legal hold. Objects the store does not have are not counted.
  let earliest: Date | null | undefined;
  let hold = true;
  for (const key of keys) {
    const s = await applyObjectNeeds(deps, key);
    if (!s) continue;
    if (earliest === undefined) earliest = s.retainUntil;
    else if (earliest !== null) earliest = s.retainUntil && s.retainUntil < earliest ? s.retainUntil : s.retainUntil ? earliest : null;
    hold &&= s.legalHold;
  }
  await repo.markCaseSynced(deps.db, caseId, keepUntil, keys.length, { until: earliest ?? null, hold: earliest !== undefined && hold });
}
