import { Alert, Spin } from 'antd';
import { useI18n, type DictKey } from '../../i18n/i18n-context.tsx';
import { formatTime } from '../../lib/time.ts';
import { useCaseRetention, useRecordingRetention } from './retention-api.ts';

type Shown = { keepUntil: string | null; basis: string; disposedAt?: string | null };

/** "保存至 <date> — 依据 <rule>" (or 永久 / 保全中 / 随案卷) for a recording or a case file. */
function RetentionAlert({ r }: { r: Shown | undefined }) {
  const { t } = useI18n();
  if (!r) return <Spin size="small" />;
  const rule = t(`retention.basis.${r.basis}` as DictKey);
  let text: string;
  if (r.disposedAt) text = t('retention.disposed', { at: formatTime(r.disposedAt, false) });
  else if (r.keepUntil) text = t('retention.keepUntil', { date: r.keepUntil, rule });
  else if (r.basis === 'hold' || r.basis === 'case_held') text = t('retention.held', { rule });
  else if (r.basis === 'case_pending' || r.basis === 'case_not_archived') text = `${t('retention.pending')} — ${rule}`;
  else text = t('retention.permanent', { rule });
  return <Alert data-testid="retention-line" type={r.disposedAt ? 'warning' : 'info'} showIcon message={text} style={{ marginBottom: 16 }} />;
}

export function RecordingRetentionLine({ recordingId }: { recordingId: string }) {
  return <RetentionAlert r={useRecordingRetention(recordingId).data} />;
}

export function CaseRetentionLine({ caseId }: { caseId: string }) {
  return <RetentionAlert r={useCaseRetention(caseId).data} />;
}
