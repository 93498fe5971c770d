import type { CaseStage } from '../../platform/db/schema.ts';

/**
 * 案件阶段 — the stages of a case in order (第二条: the whole process from filing to closing is recorded):
 * 立案, 调查取证, 审核, 告知, 听证, 决定, 送达, 执行, 结案.
 */
export const CASE_STAGES = ['filing', 'investigation', 'review', 'notice', 'hearing', 'decision', 'service', 'execution', 'closed'] as const satisfies readonly CaseStage[];

export const STAGE_NAMES: Record<CaseStage, { zh: string; en: string }> = {
  filing: { zh: '立案', en: 'Filing' },
  investigation: { zh: '调查取证', en: 'Investigation' },
  review: { zh: '审核', en: 'Review' },
  notice: { zh: '告知', en: 'Notice' },
  hearing: { zh: '听证', en: 'Hearing' },
  decision: { zh: '决定', en: 'Decision' },
  service: { zh: '送达', en: 'Service' },
  execution: { zh: '执行', en: 'Execution' },
  closed: { zh: '结案', en: 'Closed' },
};

export type Procedure = 'simple' | 'general';

/**
 * The stages a procedure goes through. 简易程序 (当场处罚, 行政处罚法 arts. 51–52) has no legal review (法制审核)
 * and no hearing; 一般程序 has them all, the hearing only when the party asks for one (art. 63–64).
 */
export function stagesOf(procedure: Procedure): CaseStage[] {
  return procedure === 'simple' ? CASE_STAGES.filter((s) => s !== 'review' && s !== 'hearing') : [...CASE_STAGES];
}

export type TransitionKind = 'advance' | 'skip' | 'back';

export type Transition =
  | { ok: true; kind: TransitionKind; skipped: CaseStage[]; reasonRequired: boolean }
  | { ok: false; problem: 'same' | 'not_applicable' };

/**
 * The rule for moving a case from one stage to another:
 * - to the next stage of the procedure: an advance, no reason needed;
 * - forward past stages: a skip, with a recorded reason — except passing over the hearing alone (告知 → 决定
 *   in the general procedure), which needs none: a hearing is held only when the party asks for it within
 *   5 days of the notice (行政处罚法 art. 64), so its absence is the normal course, and it is still recorded
 *   as a skip of 听证 in the history;
 * - to an earlier stage (a reopened investigation, a closed case reopened): back, with a recorded reason;
 * - to the current stage, or to a stage the procedure does not have: refused.
 */
export function transition(procedure: Procedure, from: CaseStage, to: CaseStage): Transition {
  if (from === to) return { ok: false, problem: 'same' };
  const path = stagesOf(procedure);
  if (!path.includes(to)) return { ok: false, problem: 'not_applicable' };
  const order = (s: CaseStage) => CASE_STAGES.indexOf(s);
  if (order(to) < order(from)) return { ok: true, kind: 'back', skipped: [], reasonRequired: true };
  const skipped = path.filter((s) => order(s) > order(from) && order(s) < order(to));
  if (!skipped.length) return { ok: true, kind: 'advance', skipped, reasonRequired: false };
  const hearingOnly = skipped.length === 1 && skipped[0] === 'hearing';
  return { ok: true, kind: 'skip', skipped, reasonRequired: !hearingOnly };
}
