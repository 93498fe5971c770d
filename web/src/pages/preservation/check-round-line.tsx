import { Alert } from 'antd';
import { useI18n } from '../../i18n/i18n-context.tsx';
import { formatTime } from '../../lib/time.ts';
import type { CheckRound } from './preservation-api.ts';

/** 定期复检: the latest scheduled check round — its dates, sample, how many are checked and how many are overdue. */
export function CheckRoundLine({ rounds }: { rounds: CheckRound[] | undefined }) {
  const { t } = useI18n();
  if (!rounds) return null;
  const r = rounds[0];
  if (!r) return <Alert type="info" showIcon message={t('media.rounds.none')} style={{ marginBottom: 12 }} data-testid="check-round" />;
  const overdue = r.media.filter((m) => m.overdue).length;
  return (
    <Alert
      data-testid="check-round"
      type={overdue ? 'error' : 'info'}
      showIcon
      style={{ marginBottom: 12 }}
      message={t('media.rounds.latest', {
        opened: formatTime(r.openedAt, false),
        due: formatTime(r.dueAt, false),
        size: r.media.length,
        total: r.mediaTotal,
        percent: r.samplePercent,
        checked: r.media.filter((m) => m.checkedAt).length,
        overdue,
      })}
    />
  );
}
