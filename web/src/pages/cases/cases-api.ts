import { useEffect, useState } from 'react';
import { client, unwrap } from '../../api/client.ts';
import type { BodyOf, ResponseOf } from '../../api/shapes.ts';
import { notifyError } from '../../lib/notify.ts';

/** The case shapes, from the generated contract. */
export type CaseView = ResponseOf<'/api/cases/{id}', 'get'>;
export type CaseListItem = ResponseOf<'/api/cases', 'get'>['items'][number];
export type CaseCreate = BodyOf<'/api/cases', 'post'>;
export type CaseStage = CaseView['status'];
export type CaseDeadline = CaseView['deadlines'][number];
export type CaseGap = ResponseOf<'/api/cases/gaps', 'get'>['items'][number];
export type RecordingCase = ResponseOf<'/api/recordings/{id}/cases', 'get'>['items'][number];

/** Stage codes in order (立案 … 结案). */
export const STAGES: CaseStage[] = ['filing', 'investigation', 'review', 'notice', 'hearing', 'decision', 'service', 'execution', 'closed'];
/** 简易程序 has no 审核 and no 听证 (see src/modules/cases/case-stages.ts). */
export const stagesOf = (procedure: CaseView['procedure']) => (procedure === 'simple' ? STAGES.filter((s) => s !== 'review' && s !== 'hearing') : STAGES);
export const ACT_KINDS = ['penalty', 'coercion', 'inspection'] as const;

/** Open evidence deadlines and gaps for 工作台 (only when the user reads cases). */
export function useCaseDashboard(enabled: boolean) {
  const [gaps, setGaps] = useState<CaseGap[]>();
  const [deadlines, setDeadlines] = useState<CaseDeadline[]>();
  useEffect(() => {
    if (!enabled) return;
    unwrap(client.GET('/api/cases/gaps', { params: { query: { limit: 50 } } })).then((r) => setGaps(r.items), notifyError);
    unwrap(client.GET('/api/cases/deadlines', { params: { query: { limit: 50 } } })).then((r) => setDeadlines(r.items), notifyError);
  }, [enabled]);
  return { gaps, deadlines };
}
