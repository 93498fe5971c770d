import { z } from 'zod';
import { multilineText } from '../../platform/http/schemas.ts';

/**
 * 第十二条 的四种情形 — the four grounds for long-term preservation:
 * (一) objection: 当事人对现场执法、办案有异议或者投诉、上访;
 * (二) obstruction: 逃避、拒绝、阻碍执行公务，或者谩骂、侮辱、殴打行政执法人员;
 * (三) incident: 参与处置群体性事件、突发事件;
 * (四) other: 其他需要长期保存的重要情况 (a description is required).
 */
export const preservationGround = z.enum(['objection', 'obstruction', 'incident', 'other']).meta({ id: 'PreservationGround' });
export type PreservationGround = z.infer<typeof preservationGround>;

/** 第十二条 ground labels, Chinese first (manifests, hold reasons). */
export const GROUND_LABEL: Record<PreservationGround, { zh: string; en: string }> = {
  objection: { zh: '（一）当事人对现场执法、办案有异议或者投诉、上访', en: '(1) objection, complaint or petition by the party' },
  obstruction: { zh: '（二）当事人逃避、拒绝、阻碍执法，或者谩骂、侮辱、殴打执法人员', en: '(2) evasion, refusal or obstruction, or abuse, insult or assault of officers' },
  incident: { zh: '（三）参与处置群体性事件、突发事件', en: '(3) mass or sudden incident' },
  other: { zh: '（四）其他需要长期保存的重要情况', en: '(4) other important situation' },
};

/** A proposal to preserve recordings long-term. */
export const markCreate = z
  .strictObject({
    /** The recordings to preserve (each must be in the proposer's reach). */
    recordingIds: z.array(z.uuid()).min(1).max(500),
    ground: preservationGround,
    /** What happened; required for ground (四) other. */
    description: multilineText(2000).optional(),
  })
  .superRefine((v, ctx) => {
    if (v.ground === 'other' && !v.description) {
      ctx.addIssue({ code: 'custom', path: ['description'], message: 'ground (4) "other" needs a description / 第（四）项“其他重要情况”须写明情况' });
    }
  });

/** A leader's note on approval (optional). */
export const markApprove = z.strictObject({ note: multilineText(1000).optional() });
/** A written reason (rejection, release). */
export const markReason = z.strictObject({ reason: multilineText(1000, 2) });

export const markState = z.enum(['proposed', 'approved', 'rejected', 'released']).meta({ id: 'PreservationMarkState' });

const personRef = z.object({ id: z.uuid(), username: z.string() }).nullable();

/** A mark with its recordings. */
export const markView = z
  .object({
    id: z.uuid(),
    ground: preservationGround,
    description: z.string().nullable(),
    state: markState,
    proposedBy: personRef,
    proposedAt: z.string(),
    decidedBy: personRef,
    decidedAt: z.string().nullable(),
    decisionNote: z.string().nullable(),
    releasedBy: personRef,
    releasedAt: z.string().nullable(),
    releaseReason: z.string().nullable(),
    recordings: z.array(z.object({ id: z.uuid(), fileName: z.string(), recordedStart: z.string(), sizeBytes: z.number() })),
    /** Whether the caller may approve / reject (pending, not the proposer, in reach) or release it now. */
    mayDecide: z.boolean(),
    mayRelease: z.boolean(),
  })
  .meta({ id: 'PreservationMark' });

export const markListQuery = z.object({
  state: markState.optional(),
  recordingId: z.uuid().optional(),
});
