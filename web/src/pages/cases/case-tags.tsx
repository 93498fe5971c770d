import { Tag } from 'antd';
import { useI18n } from '../../i18n/i18n-context.tsx';
import type { CaseDeadline, CaseStage, CaseView } from './cases-api.ts';

const stageColor: Record<CaseStage, string> = {
  filing: 'blue',
  investigation: 'cyan',
  review: 'geekblue',
  notice: 'purple',
  hearing: 'magenta',
  decision: 'gold',
  service: 'orange',
  execution: 'volcano',
  closed: 'default',
};

export function StageTag({ stage }: { stage: CaseStage }) {
  const { t } = useI18n();
  return <Tag color={stageColor[stage]}>{t(`cases.stage.${stage}`)}</Tag>;
}

export function ProcedureTag({ procedure }: { procedure: CaseView['procedure'] }) {
  const { t } = useI18n();
  return <Tag color={procedure === 'general' ? 'blue' : 'default'}>{t(`cases.procedure.${procedure}`)}</Tag>;
}

/** 倒计时: days left in Beijing dates, red when due within 3 days or overdue; green once delivered. */
export function CountdownTag({ d }: { d: Pick<CaseDeadline, 'daysLeft' | 'deliveredOn'> }) {
  const { t } = useI18n();
  if (d.deliveredOn) return <Tag color="green">{t('cases.deadlines.delivered', { on: d.deliveredOn })}</Tag>;
  const n = d.daysLeft ?? 0;
  if (n < 0) return <Tag color="red">{t('cases.deadlines.overdue', { n: -n })}</Tag>;
  if (n === 0) return <Tag color="red">{t('cases.deadlines.dueToday')}</Tag>;
  return <Tag color={n <= 3 ? 'orange' : 'blue'}>{t('cases.deadlines.daysLeft', { n })}</Tag>;
}
