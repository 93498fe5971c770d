import { appendAuditEvent } from '../../platform/audit/audit-chain.ts';
import { actorOf, type AuthUser } from '../../platform/auth/auth-user.ts';
import type { DbOrTx } from '../../platform/db/database.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError } from '../../platform/errors/error-catalog.ts';
import { decodeCursor, encodeCursor, cursorShape } from '../../platform/http/schemas.ts';
import { accessNow, requireAccess } from '../access/access.service.ts';
import { subtreeIds } from '../departments/departments.repository.ts';
import { assertRecordingsNotDisposed } from '../recordings/recording-disposed.ts';
import { getSetting } from '../settings/settings.service.ts';
import * as repo from './access-requests.repository.ts';
import type { AccessQuery } from './access-requests.schema.ts';

/**
 * 调阅审批 — viewing by approval (第十四条: audio/video may be consulted only with the supervising leader's
 * approval; 第二十条: no private copies). A request names recordings of ONE owning department (or a query over
 * it); a leader of that department decides — from outside it, only the department's head (负责人); nobody
 * decides their own. The grant is what was approved, possibly narrower, and is checked by the one access
 * decision point (src/modules/access) on every byte served.
 */

/** Whole seconds: grants are kept and compared to the second. */
const floorSecond = (d: Date) => new Date(Math.floor(d.getTime() / 1000) * 1000);
const ceilSecond = (d: Date) => new Date(Math.ceil(d.getTime() / 1000) * 1000);

/** The departments whose requests this user may decide: same-department ones, and (as head) any. */
interface DecisionReach {
  /** The leader's own department subtree: decides requests from inside those departments. */
  led: Set<string>;
  /** Departments under the user as head (负责人): decides any request, cross-department included. */
  headed: Set<string>;
}

async function decisionReach(db: DbOrTx, user: AuthUser): Promise<DecisionReach> {
  if (!user.permissions.has('access:approve')) return { led: new Set(), headed: new Set() };
  const led = user.departmentId ? await subtreeIds(db, user.departmentId) : [];
  const headed = user.personId ? await repo.headedSubtrees(db, user.personId) : [];
  return { led: new Set(led), headed: new Set(headed) };
}

/** Whether this user's reach covers deciding (or reviewing, revoking) a request of this department. */
function covers(r: DecisionReach, departmentId: string, crossDepartment: boolean): boolean {
  return r.headed.has(departmentId) || (!crossDepartment && r.led.has(departmentId));
}

/** Whether the requester's department lies inside the owning department (then it is not cross-department). */
async function isCrossDepartment(db: DbOrTx, requester: AuthUser, owningDepartmentId: string): Promise<boolean> {
  if (!requester.departmentId) return true;
  return !(await repo.selfAndAncestors(db, requester.departmentId)).includes(owningDepartmentId);
}

/** The one department all these recordings belong to; every id must be readable by the user (else 404). */
async function owningDepartment(db: DbOrTx, user: AuthUser, ids: readonly string[]): Promise<string> {
  await requireAccess(db, user, 'recording.metadata.read', ids);
  // 第十一条: nothing is left to view or copy of a recording destroyed by approved disposal.
  await assertRecordingsNotDisposed(db, ids);
  const depts = new Set((await repo.recordingDepartments(db, ids)).values());
  if (depts.size !== 1) throw new AppError('ACCESS_MIXED_DEPARTMENTS');
  return [...depts][0]!;
}

export interface CreateInput {
  recordingIds?: string[];
  query?: AccessQuery;
  departmentId?: string;
  purpose: string;
  mode: 'view' | 'copy';
  periodFrom: string;
  periodUntil: string;
}

/** A user asks for access (调阅申请). Audited; the owning department's leaders see it to decide. */
export async function createRequest(deps: Deps, user: AuthUser, input: CreateInput) {
  const { db } = deps;
  const ids = input.recordingIds ? [...new Set(input.recordingIds)] : [];
  let departmentId: string;
  if (input.query) {
    const d = await repo.findDepartment(db, input.departmentId!);
    if (!d) throw new AppError('DEPARTMENT_NOT_FOUND');
    departmentId = d.id;
  } else {
    departmentId = await owningDepartment(db, user, ids);
  }
  const periodFrom = ceilSecond(new Date(input.periodFrom));
  const periodUntil = floorSecond(new Date(input.periodUntil));
  const now = await accessNow(db);
  if (periodUntil <= now || periodUntil <= periodFrom) {
    throw new AppError('VALIDATION_FAILED', {}, { periodUntil: { zh: '结束时间须晚于现在和开始时间', en: 'the period must end after now and after it starts' } });
  }
  const crossDepartment = await isCrossDepartment(db, user, departmentId);
  const id = await db.transaction().execute(async (trx) => {
    const id = await repo.insertRequest(
      trx,
      { requesterId: user.id, departmentId, kind: input.query ? 'query' : 'items', query: input.query ?? null, purpose: input.purpose, mode: input.mode, periodFrom, periodUntil, crossDepartment },
      ids,
    );
    await appendAuditEvent(trx, {
      actor: actorOf(user),
      action: 'access.request.create',
      target: { type: 'access_request', id },
      details: { departmentId, recordingIds: ids, query: input.query ?? null, purpose: input.purpose, mode: input.mode, periodFrom, periodUntil, crossDepartment },
    });
    return id;
  });
  return getRequest(deps, user, id);
}

/**
 * 紧急调阅 (break-glass): a live view grant at once, without approval, for the fixed `access.breakGlassHours`,
 * with a written reason; the owning department's leaders see it at once (工作台, the request list) and it stays
 * listed until one of them signs it off or refers it to supervision.
 */
export async function breakGlass(deps: Deps, user: AuthUser, input: { recordingIds: string[]; reason: string }) {
  const { db } = deps;
  const ids = [...new Set(input.recordingIds)];
  const departmentId = await owningDepartment(db, user, ids);
  const crossDepartment = await isCrossDepartment(db, user, departmentId);
  const hours = await getSetting(db, 'access.breakGlassHours');
  const id = await db.transaction().execute(async (trx) => {
    const from = floorSecond(await accessNow(trx));
    const until = new Date(from.getTime() + hours * 3600_000);
    const id = await repo.insertRequest(
      trx,
      { requesterId: user.id, departmentId, kind: 'items', query: null, purpose: input.reason, mode: 'view', periodFrom: from, periodUntil: until, crossDepartment, emergency: true },
      ids,
    );
    await repo.decideRequest(trx, id, { state: 'approved', decidedBy: null, reason: null, at: from });
    const grantId = await repo.insertGrant(trx, { requestId: id, granteeId: user.id, departmentId, mode: 'view', validFrom: from, validUntil: until, approvedBy: null }, ids);
    await appendAuditEvent(trx, {
      actor: actorOf(user),
      action: 'access.breakglass.open',
      target: { type: 'access_grant', id: grantId },
      details: { requestId: id, departmentId, recordingIds: ids, reason: input.reason, validFrom: from, validUntil: until },
    });
    return id;
  });
  return getRequest(deps, user, id);
}

/** The recordings a decision is about now: what was asked for, or what the query matches at this moment. */
async function candidates(db: DbOrTx, r: repo.RequestRow): Promise<string[]> {
  return r.kind === 'query' ? repo.resolveQuery(db, r.department_id, r.query!) : repo.requestItems(db, r.id);
}

/** Loads a request the user may see, or NOT_FOUND (as for an unknown id). */
async function visibleRequest(db: DbOrTx, user: AuthUser, id: string, forUpdate = false) {
  const r = await repo.findRequest(db, id, forUpdate);
  const reach = await decisionReach(db, user);
  if (!r) throw new AppError('NOT_FOUND');
  // Leaders of the owning department see its requests (even those only its head decides); others see their own.
  const owningLeader = reach.led.has(r.department_id) || reach.headed.has(r.department_id);
  if (r.requester_id !== user.id && !owningLeader) throw new AppError('NOT_FOUND');
  return { r, reach, owningLeader };
}

function mayDecide(user: AuthUser, r: repo.RequestRow, reach: DecisionReach) {
  return r.state === 'pending' && r.requester_id !== user.id && covers(reach, r.department_id, r.cross_department);
}

function refuseDecision(user: AuthUser, r: repo.RequestRow, reach: DecisionReach): void {
  // 第十四条: approval by a leader who is not the requester.
  if (r.requester_id === user.id) throw new AppError('ACCESS_SELF_APPROVAL');
  if (r.state !== 'pending') throw new AppError('ACCESS_REQUEST_DECIDED', { state: r.state });
  if (!covers(reach, r.department_id, r.cross_department)) {
    throw new AppError('ACCESS_NOT_APPROVER', {
      reason: r.cross_department
        ? { zh: '跨部门调阅须由资料所属部门负责人审批', en: "a request from outside the department needs the owning department's head" }
        : { zh: '只有资料所属部门的领导可以审批', en: 'only a leader of the owning department may decide' },
    });
  }
}

export interface ApproveInput {
  recordingIds?: string[];
  periodFrom?: string;
  periodUntil?: string;
  mode?: 'view' | 'copy';
  note?: string;
}

/** Approves a request, as asked or narrower; the grant covers exactly the recordings chosen now. */
export async function approveRequest(deps: Deps, user: AuthUser, id: string, input: ApproveInput) {
  await deps.db.transaction().execute(async (trx) => {
    const { r, reach } = await visibleRequest(trx, user, id, true);
    refuseDecision(user, r, reach);
    const now = await accessNow(trx);
    const possible = await candidates(trx, r);
    const chosen = input.recordingIds ? [...new Set(input.recordingIds)] : possible;
    const allowed = new Set(possible);
    const extra = chosen.filter((x) => !allowed.has(x));
    if (extra.length) throw new AppError('ACCESS_NARROWING_ONLY', { what: { zh: `${extra.length} 条声像资料不在申请范围内`, en: `${extra.length} recording(s) outside the request` } });
    if (!chosen.length) throw new AppError('ACCESS_NOTHING_MATCHED');
    const mode = input.mode ?? r.mode;
    if (mode === 'copy' && r.mode === 'view') throw new AppError('ACCESS_NARROWING_ONLY', { what: { zh: '申请为仅查看，不能批准复制', en: 'view was asked for, copy cannot be granted' } });
    const from = input.periodFrom ? ceilSecond(new Date(input.periodFrom)) : r.period_from;
    const until = input.periodUntil ? floorSecond(new Date(input.periodUntil)) : r.period_until;
    if (from < r.period_from || until > r.period_until) {
      throw new AppError('ACCESS_NARROWING_ONLY', { what: { zh: '批准期限须在申请期限之内', en: 'the period must lie within the one asked for' } });
    }
    if (until <= from || until <= now) {
      throw new AppError('VALIDATION_FAILED', {}, { periodUntil: { zh: '结束时间须晚于现在和开始时间', en: 'the period must end after now and after it starts' } });
    }
    await repo.decideRequest(trx, r.id, { state: 'approved', decidedBy: user.id, reason: input.note ?? null, at: now });
    const grantId = await repo.insertGrant(trx, { requestId: r.id, granteeId: r.requester_id, departmentId: r.department_id, mode, validFrom: from, validUntil: until, approvedBy: user.id }, chosen);
    await appendAuditEvent(trx, {
      actor: actorOf(user),
      action: 'access.request.approve',
      target: { type: 'access_request', id: r.id },
      details: { grantId, granteeId: r.requester_id, recordingIds: chosen, mode, validFrom: from, validUntil: until, asked: { mode: r.mode, periodFrom: r.period_from, periodUntil: r.period_until, query: r.query }, note: input.note ?? null },
    });
  });
  return getRequest(deps, user, id);
}

/** Denies a request, with a reason the requester sees. */
export async function denyRequest(deps: Deps, user: AuthUser, id: string, reason: string) {
  await deps.db.transaction().execute(async (trx) => {
    const { r, reach } = await visibleRequest(trx, user, id, true);
    refuseDecision(user, r, reach);
    await repo.decideRequest(trx, r.id, { state: 'denied', decidedBy: user.id, reason, at: await accessNow(trx) });
    await appendAuditEvent(trx, { actor: actorOf(user), action: 'access.request.deny', target: { type: 'access_request', id: r.id }, details: { reason, requesterId: r.requester_id } });
  });
  return getRequest(deps, user, id);
}

/** The requester withdraws a request not yet decided. */
export async function withdrawRequest(deps: Deps, user: AuthUser, id: string) {
  await deps.db.transaction().execute(async (trx) => {
    const { r } = await visibleRequest(trx, user, id, true);
    if (r.requester_id !== user.id) throw new AppError('NOT_FOUND');
    if (r.state !== 'pending') throw new AppError('ACCESS_REQUEST_DECIDED', { state: r.state });
    await repo.decideRequest(trx, r.id, { state: 'withdrawn', decidedBy: null, reason: null, at: await accessNow(trx) });
    await appendAuditEvent(trx, { actor: actorOf(user), action: 'access.request.withdraw', target: { type: 'access_request', id: r.id } });
  });
  return getRequest(deps, user, id);
}

/** Loads a grant and its request the user may see (NOT_FOUND otherwise). */
async function visibleGrant(db: DbOrTx, user: AuthUser, grantId: string) {
  const g = await repo.findGrant(db, grantId, true);
  if (!g) throw new AppError('NOT_FOUND');
  const v = await visibleRequest(db, user, g.request_id);
  return { g, ...v };
}

/**
 * Revokes a grant at once (the next check — the next range read — is refused). The grantee may give it up;
 * a leader who could decide the request may end it.
 */
export async function revokeGrant(deps: Deps, user: AuthUser, grantId: string, reason: string) {
  const requestId = await deps.db.transaction().execute(async (trx) => {
    const { g, owningLeader } = await visibleGrant(trx, user, grantId);
    if (!owningLeader && g.grantee_id !== user.id) throw new AppError('NOT_FOUND');
    if (g.revoked_at) throw new AppError('ACCESS_GRANT_ENDED', { state: { zh: '已撤销', en: 'revoked' } });
    const now = await accessNow(trx);
    await repo.revokeGrant(trx, g.id, user.id, reason, now);
    await appendAuditEvent(trx, { actor: actorOf(user), action: 'access.grant.revoke', target: { type: 'access_grant', id: g.id }, details: { requestId: g.request_id, granteeId: g.grantee_id, reason, wasLive: g.valid_from <= now && now < g.valid_until } });
    return g.request_id;
  });
  return getRequest(deps, user, requestId);
}

/**
 * After-the-fact review of a break-glass by a leader of the owning department (not the one who used it):
 * signed off, or referred to supervision — a referral also ends the grant if it is still running.
 */
export async function reviewBreakGlass(deps: Deps, user: AuthUser, grantId: string, input: { outcome: 'signed_off' | 'referred'; note?: string }) {
  const requestId = await deps.db.transaction().execute(async (trx) => {
    const { g, owningLeader } = await visibleGrant(trx, user, grantId);
    if (!owningLeader) throw new AppError('NOT_FOUND');
    if (g.grantee_id === user.id) throw new AppError('ACCESS_SELF_APPROVAL');
    if (g.review_state !== 'pending') throw new AppError('ACCESS_REVIEW_NOT_PENDING');
    const now = await accessNow(trx);
    await repo.reviewGrant(trx, g.id, { state: input.outcome, by: user.id, note: input.note ?? null, at: now });
    const endNow = input.outcome === 'referred' && !g.revoked_at && now < g.valid_until;
    if (endNow) await repo.revokeGrant(trx, g.id, user.id, input.note ?? 'referred to supervision / 移交监督', now);
    await appendAuditEvent(trx, { actor: actorOf(user), action: 'access.breakglass.review', target: { type: 'access_grant', id: g.id }, details: { requestId: g.request_id, granteeId: g.grantee_id, outcome: input.outcome, note: input.note ?? null, revoked: endNow } });
    return g.request_id;
  });
  return getRequest(deps, user, requestId);
}

function grantState(g: repo.GrantRow, now: Date) {
  if (g.revoked_at) return 'revoked' as const;
  if (now < g.valid_from) return 'scheduled' as const;
  return now < g.valid_until ? ('live' as const) : ('expired' as const);
}

async function summaries(db: DbOrTx, ids: readonly string[]) {
  return (await repo.recordingSummaries(db, ids)).map((s) => ({
    id: s.id,
    fileName: s.file_name,
    departmentId: s.department_id,
    recordedStart: s.recorded_start.toISOString(),
    deviceNumber: s.device_number,
    caseNumber: s.case_number,
    officers: s.officers,
  }));
}

async function grantViews(db: DbOrTx, grants: repo.GrantRow[], now: Date) {
  const users = await repo.usersByIds(db, [...new Set(grants.flatMap((g) => [g.approved_by, g.revoked_by, g.reviewed_by]).filter((x): x is string => !!x))]);
  const copies = await repo.copyCounts(db, grants.map((g) => g.id));
  const ref = (id: string | null) => (id ? (users.get(id) ?? null) : null);
  return new Map(
    grants.map((g) => [
      g.request_id,
      {
        id: g.id,
        mode: g.mode,
        validFrom: g.valid_from.toISOString(),
        validUntil: g.valid_until.toISOString(),
        state: grantState(g, now),
        emergency: g.emergency,
        approvedBy: ref(g.approved_by),
        revokedAt: g.revoked_at?.toISOString() ?? null,
        revokedBy: ref(g.revoked_by),
        revokeReason: g.revoke_reason,
        reviewState: g.review_state,
        reviewedBy: ref(g.reviewed_by),
        reviewedAt: g.reviewed_at?.toISOString() ?? null,
        reviewNote: g.review_note,
        copies: copies.get(g.id) ?? 0,
      },
    ]),
  );
}

function requestBase(user: AuthUser, r: repo.RequestRow, reach: DecisionReach) {
  return {
    id: r.id,
    requester: { id: r.requester_id, username: r.requester_username, displayName: r.requester_display_name },
    departmentId: r.department_id,
    departmentName: r.department_name,
    kind: r.kind,
    query: r.query,
    purpose: r.purpose,
    mode: r.mode,
    periodFrom: r.period_from.toISOString(),
    periodUntil: r.period_until.toISOString(),
    emergency: r.emergency,
    state: r.state,
    crossDepartment: r.cross_department,
    decidedBy: r.decided_by ? { id: r.decided_by, username: r.decided_by_username!, displayName: r.decided_by_display_name } : null,
    decidedAt: r.decided_at?.toISOString() ?? null,
    decisionReason: r.decision_reason,
    createdAt: r.created_at.toISOString(),
    canDecide: mayDecide(user, r, reach),
  };
}

/** One request with its recordings and grant, for its requester and for the leaders who may decide it. */
export async function getRequest(deps: Deps, user: AuthUser, id: string) {
  const { db } = deps;
  const { r, reach, owningLeader } = await visibleRequest(db, user, id);
  const now = await accessNow(db);
  const [g] = await repo.grantsOfRequests(db, [r.id]);
  const gv = g ? (await grantViews(db, [g], now)).get(r.id)! : null;
  // A pending query's matches are shown to those who decide only (the requester may not read them yet).
  const ids = g ? await repo.grantItems(db, g.id) : r.kind === 'items' ? await repo.requestItems(db, r.id) : owningLeader && r.state === 'pending' ? await candidates(db, r) : [];
  const recordings = await summaries(db, ids);
  return {
    ...requestBase(user, r, reach),
    recordings: g ? [] : recordings,
    grant: gv && g ? { ...gv, recordings } : null,
    canRevoke: !!g && !g.revoked_at && now < g.valid_until && (owningLeader || g.grantee_id === user.id),
    canReview: !!g && g.review_state === 'pending' && owningLeader && g.grantee_id !== user.id,
  };
}

export type Box = 'mine' | 'approve' | 'review' | 'decided';

async function boxFilter(db: DbOrTx, user: AuthUser, box: Box): Promise<Omit<repo.RequestFilter, 'limit' | 'before'> | null> {
  if (box === 'mine') return { requesterId: user.id };
  const reach = await decisionReach(db, user);
  if (!reach.led.size && !reach.headed.size) return null;
  const dept = { sameDepartmentIds: [...reach.led], anyDepartmentIds: [...reach.headed] };
  if (box === 'approve') return { ...dept, notRequesterId: user.id, states: ['pending'] };
  // Break-glass is reviewed, and decided requests are shown, to every leader of the owning department.
  const owning = { anyDepartmentIds: [...reach.led, ...reach.headed] };
  if (box === 'review') return { ...owning, notRequesterId: user.id, reviewPending: true };
  return { ...owning, states: ['approved', 'denied', 'withdrawn'] };
}

/** A list: my requests, requests waiting for my decision, break-glass waiting for my review, or decided ones. */
export async function listRequests(deps: Deps, user: AuthUser, q: { box: Box; limit: number; cursor?: string }) {
  const { db } = deps;
  const f = await boxFilter(db, user, q.box);
  if (!f) return { items: [], nextCursor: null };
  const before = decodeCursor(q.cursor, cursorShape.instantAndId);
  const rows = await repo.listRequests(db, { ...f, limit: q.limit + 1, before: before && [before[0], before[1]] });
  const page = rows.slice(0, q.limit);
  const reach = await decisionReach(db, user);
  const now = await accessNow(db);
  const grants = await grantViews(db, await repo.grantsOfRequests(db, page.map((r) => r.id)), now);
  const items = page.map((r) => ({ ...requestBase(user, r, reach), recordingCount: r.grant_item_count || r.item_count, grant: grants.get(r.id) ?? null }));
  const last = page.at(-1);
  return { items, nextCursor: rows.length > q.limit && last ? encodeCursor([last.created_at.toISOString(), last.id]) : null };
}

/** The counts for the navigation badge and 工作台: requests to decide, break-glass to review. */
export async function counts(deps: Deps, user: AuthUser) {
  const { db } = deps;
  const approve = await boxFilter(db, user, 'approve');
  const review = await boxFilter(db, user, 'review');
  return { toApprove: approve ? await repo.countRequests(db, approve) : 0, toReview: review ? await repo.countRequests(db, review) : 0 };
}

const ROLES_IN_POLICY = ['officer', 'custodian', 'leader', 'supervisor', 'admin', 'auditor'] as const;

/** The media policy table (who sees pictures and sound without a grant) and the two periods. */
export async function getPolicy(deps: Deps) {
  const { db } = deps;
  const rows = await repo.listPolicy(db);
  return {
    rows: rows.map((r) => ({ role: r.role, withoutGrant: r.without_grant, updatedAt: r.updated_at.toISOString() })),
    ownMediaHours: await getSetting(db, 'access.ownMediaHours'),
    breakGlassHours: await getSetting(db, 'access.breakGlassHours'),
  };
}

/** An admin changes one role's row of the media policy table (audited with before and after). */
export async function putPolicy(deps: Deps, user: AuthUser, role: string, withoutGrant: 'none' | 'own_recent' | 'reach') {
  if (!(ROLES_IN_POLICY as readonly string[]).includes(role)) throw new AppError('NOT_FOUND');
  await deps.db.transaction().execute(async (trx) => {
    const before = await repo.findPolicy(trx, role);
    await repo.updatePolicy(trx, role, withoutGrant, user.id);
    await appendAuditEvent(trx, { actor: actorOf(user), action: 'access.policy.update', target: { type: 'media_access_policy', id: role }, details: { before: before?.without_grant ?? null, after: withoutGrant } });
  });
  return getPolicy(deps);
}

/** An admin names (or clears) a department's head (负责人), who decides requests from outside it. */
export async function setDepartmentHead(deps: Deps, user: AuthUser, departmentId: string, personId: string | null) {
  await deps.db.transaction().execute(async (trx) => {
    const d = await repo.findDepartment(trx, departmentId);
    if (!d) throw new AppError('NOT_FOUND');
    if (personId && !(await repo.findPerson(trx, personId))) throw new AppError('PERSON_NOT_FOUND');
    await repo.setDepartmentHead(trx, departmentId, personId);
    await appendAuditEvent(trx, { actor: actorOf(user), action: 'department.head.set', target: { type: 'department', id: departmentId }, details: { before: d.head_person_id, after: personId } });
  });
  return { departmentId, headPersonId: personId };
}
