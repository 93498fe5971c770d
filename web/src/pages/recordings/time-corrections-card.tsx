import { Card, Table, Typography } from 'antd';
import type { TimeCorrection } from '../../api/shapes.ts';
import { useI18n } from '../../i18n/i18n-context.tsx';
import { formatTime } from '../../lib/time.ts';

/**
 * 时间更正记录: every change of the recording's start or end with its reason, who and when (第十条: the
 * late-offload mark was fixed at upload and no correction removes it). Shown only when there is one.
 */
export function TimeCorrectionsCard({ corrections }: { corrections: TimeCorrection[] | undefined }) {
  const { t } = useI18n();
  if (!corrections?.length) return null;
  return (
    <Card title={t('recDetail.corrections')} style={{ marginBottom: 16 }} data-testid="time-corrections">
      <Table<TimeCorrection>
        rowKey="id"
        size="small"
        pagination={false}
        dataSource={corrections}
        columns={[
          { key: 'field', title: t('recDetail.correctionField'), render: (_, c) => t(c.field === 'recordedStart' ? 'rec.recordedStart' : 'rec.recordedEnd') },
          { key: 'change', title: t('recDetail.correctionChange'), render: (_, c) => `${formatTime(c.before)} → ${formatTime(c.after)}` },
          { key: 'reason', title: t('recDetail.correctionReason'), dataIndex: 'reason' },
          { key: 'by', title: t('recDetail.correctionBy'), render: (_, c) => `${c.correctedBy.username} · ${formatTime(c.correctedAt)}` },
        ]}
      />
      <Typography.Paragraph type="secondary" style={{ margin: '12px 0 0', fontSize: 12 }}>
        {t('recDetail.correctionsHint')}
      </Typography.Paragraph>
    </Card>
  );
}
