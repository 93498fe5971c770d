import { z } from 'zod';
import { dateString, instant, multilineText, text } from '../../platform/http/schemas.ts';

/** 调阅方式: view only, or view and take copies (第二十条: copies only under an explicit copy grant). */
export const grantMode = z.enum(['view', 'copy']);

/**
 * A query a request may name instead of chosen recordings. Its recordings are resolved when a leader approves
 * (the leader sees the list then), and the grant covers exactly those.
 */
export const accessQuery = z.discriminatedUnion('type', [
  /** Every recording filed under this case number. */
  z.strictObject({ type: z.literal('case'), caseNumber: text(100) }),
  /** Every recording naming this person as recording officer that started on this Beijing day. */
  z.strictObject({ type: z.literal('officerDay'), personId: z.uuid(), day: dateString }),
  /** Every recording from this device that started in [from, until). */
  z.strictObject({ type: z.literal('deviceRange'), deviceNumber: text(100), from: instant, until: instant }),
]);
export type AccessQuery = z.infer<typeof accessQuery>;

/** A new access request (调阅申请). Exactly one of `recordingIds` and `query`. */
export const accessRequestCreate = z
  .strictObject({
    /** Chosen recordings, all of one department (the one that decides). */
    recordingIds: z.array(z.uuid()).min(1).max(500).optional(),
    /** Or a query over the recordings of `departmentId`. */
    query: accessQuery.optional(),
    /** The department whose recordings the query searches (and whose leaders decide). Needed with `query`. */
    departmentId: z.uuid().optional(),
    /** 调阅事由 — why; required. */
    purpose: multilineText(1000, 4),
    mode: grantMode,
    /** Asked-for period: from … until (exclusive). */
    periodFrom: instant,
    periodUntil: instant,
  })
  .superRefine((v, ctx) => {
    if (!!v.recordingIds === !!v.query) ctx.addIssue({ code: 'custom', path: ['recordingIds'], message: 'name recordings or a query, not both / 请选择声像资料或填写查询条件（二选一）' });
    if (v.query && !v.departmentId) ctx.addIssue({ code: 'custom', path: ['departmentId'], message: 'a query needs the department whose recordings it searches / 按条件申请须选择资料所属部门' });
    if (Date.parse(v.periodUntil) <= Date.parse(v.periodFrom)) ctx.addIssue({ code: 'custom', path: ['periodUntil'], message: 'the period must end after it starts / 结束时间须晚于开始时间' });
    if (v.query?.type === 'deviceRange' && Date.parse(v.query.until) <= Date.parse(v.query.from)) {
      ctx.addIssue({ code: 'custom', path: ['query', 'until'], message: 'the time range must end after it starts / 结束时间须晚于开始时间' });
    }
  });

/** An approval: the request as asked, or narrower (fewer recordings, shorter period, view instead of copy). */
export const accessApprove = z.strictObject({
  /** The recordings granted: a subset of what was asked (or, for a query, of what matches now). Default all. */
  recordingIds: z.array(z.uuid()).min(1).max(5000).optional(),
  periodFrom: instant.optional(),
  periodUntil: instant.optional(),
  mode: grantMode.optional(),
  note: multilineText(1000).optional(),
});

/** A denial (or a revocation): the reason is required. */
export const reasonBody = z.strictObject({ reason: multilineText(1000, 2) });

/** 紧急调阅 — break-glass: no prior approval, a written reason, a short fixed period, reviewed afterwards. */
export const breakGlassCreate = z.strictObject({
  recordingIds: z.array(z.uuid()).min(1).max(50),
  /** Why it could not wait for approval; at least 10 characters. */
  reason: multilineText(1000, 10),
});

/** After-the-fact review of a break-glass: signed off, or referred to supervision (which also ends it). */
export const reviewBody = z.strictObject({ outcome: z.enum(['signed_off', 'referred']), note: multilineText(1000).optional() });

export const boxQuery = z.object({
  /** mine: my requests; approve: waiting for my decision; review: break-glass waiting for my review; decided: ones I may see that are decided. */
  box: z.enum(['mine', 'approve', 'review', 'decided']).default('mine'),
  limit: z.coerce.number().int().min(1).max(200).default(100),
});

const userRef = z.object({ id: z.uuid(), username: z.string(), displayName: z.string().nullable() }).nullable();

/** One recording as a request or grant lists it. */
export const recordingSummary = z.object({
  id: z.uuid(),
  fileName: z.string(),
  departmentId: z.uuid(),
  recordedStart: z.string(),
  deviceNumber: z.string().nullable(),
  caseNumber: z.string().nullable(),
  officers: z.array(z.string()),
});

/** 授权状态 of a grant at the moment of asking. */
export const grantState = z.enum(['scheduled', 'live', 'expired', 'revoked']);

export const grantView = z.object({
  id: z.uuid(),
  mode: grantMode,
  validFrom: z.string(),
  validUntil: z.string(),
  state: grantState,
  emergency: z.boolean(),
  approvedBy: userRef,
  revokedAt: z.string().nullable(),
  revokedBy: userRef,
  revokeReason: z.string().nullable(),
  reviewState: z.enum(['none', 'pending', 'signed_off', 'referred']),
  reviewedBy: userRef,
  reviewedAt: z.string().nullable(),
  reviewNote: z.string().nullable(),
  /** Copies made under this grant (copy receipts). */
  copies: z.number(),
  recordings: z.array(recordingSummary),
});

export const accessRequestView = z.object({
  id: z.uuid(),
  requester: userRef,
  departmentId: z.uuid(),
  departmentName: z.string(),
  kind: z.enum(['items', 'query']),
  query: accessQuery.nullable(),
  purpose: z.string(),
  mode: grantMode,
  periodFrom: z.string(),
  periodUntil: z.string(),
  emergency: z.boolean(),
  state: z.enum(['pending', 'approved', 'denied', 'withdrawn']),
  /** Whether the requester is outside the owning department (then only its head, 负责人, decides). */
  crossDepartment: z.boolean(),
  decidedBy: userRef,
  decidedAt: z.string().nullable(),
  decisionReason: z.string().nullable(),
  createdAt: z.string(),
  /** What was asked for (items), or what the query matches now (pending query) — the approver's list. */
  recordings: z.array(recordingSummary),
  grant: grantView.nullable(),
  /** Whether the caller may decide it / revoke its grant / review it (drives the buttons). */
  canDecide: z.boolean(),
  canRevoke: z.boolean(),
  canReview: z.boolean(),
});

export const accessRequestListItem = accessRequestView.omit({ recordings: true, grant: true, canRevoke: true, canReview: true }).extend({
  recordingCount: z.number(),
  grant: grantView.omit({ recordings: true }).nullable(),
});

export const accessCounts = z.object({ toApprove: z.number(), toReview: z.number() });

export const policyRow = z.object({ role: z.string(), withoutGrant: z.enum(['none', 'own_recent', 'reach']), updatedAt: z.string() });
export const policyView = z.object({ rows: z.array(policyRow), ownMediaHours: z.number(), breakGlassHours: z.number() });
