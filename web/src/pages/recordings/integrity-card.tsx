import { Card, Descriptions, Typography } from 'antd';
import type { Recording } from '../../api/shapes.ts';
import { useI18n } from '../../i18n/i18n-context.tsx';
import { formatBytes } from '../../lib/format.ts';
import { formatTime } from '../../lib/time.ts';

/** A hash in monospace, wrapped and copyable: people compare these digit by digit. */
function Hash({ value, testId }: { value: string; testId: string }) {
  return (
    <Typography.Text copyable={{ text: value }} style={{ fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace', fontSize: 13, wordBreak: 'break-all' }} data-testid={testId}>
      {value}
    </Typography.Text>
  );
}

/** 原始文件与完整性: the original's size, stored time, uploader and its SHA-256 and SM3. */
export function IntegrityCard({ recording: r }: { recording: Recording }) {
  const { t } = useI18n();
  return (
    <Card title={t('recDetail.integrity')} style={{ marginBottom: 16 }}>
      <Descriptions
        column={1}
        size="small"
        bordered
        styles={{ label: { width: 130 } }}
        items={[
          { key: 'file', label: t('rec.fileName'), children: <span style={{ wordBreak: 'break-all' }}>{r.fileName}</span> },
          { key: 'size', label: t('rec.size'), children: `${formatBytes(r.original.sizeBytes)}（${r.original.sizeBytes.toLocaleString()} B）` },
          { key: 'stored', label: t('rec.storedAt'), children: formatTime(r.original.storedAt) },
          { key: 'by', label: t('rec.uploadedBy'), children: `${r.uploadedBy.username} · ${formatTime(r.uploadedAt)}` },
          { key: 'sha', label: 'SHA-256', children: <Hash value={r.original.sha256} testId="sha256" /> },
          { key: 'sm3', label: 'SM3', children: <Hash value={r.original.sm3} testId="sm3" /> },
        ]}
      />
      <Typography.Paragraph type="secondary" style={{ margin: '12px 0 0', fontSize: 12 }}>
        {t('recDetail.integrityHint')}
      </Typography.Paragraph>
    </Card>
  );
}
