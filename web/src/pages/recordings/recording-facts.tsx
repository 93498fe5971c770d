import { Alert, Card, Descriptions, Flex, Typography } from 'antd';
import type { Recording } from '../../api/recording-types.ts';
import { ProcessingStateTag } from '../../components/processing-state-tag.tsx';
import { RecordingThumbnail } from '../../components/recording-thumbnail.tsx';
import { useI18n } from '../../i18n/i18n-context.tsx';
import { formatBytes, formatDuration } from '../../lib/format.ts';
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

/** The still, the playback notice (viewing needs an approved request, 第十四条) and the media facts. */
export function MediaCard({ recording: r }: { recording: Recording }) {
  const { t, maybe } = useI18n();
  const m = r.media;
  const busy = m.state === 'pending' || m.state === 'processing';
  return (
    <Card title={t('recDetail.media')} style={{ marginBottom: 16 }}>
      <Flex vertical gap={12}>
        <RecordingThumbnail recording={r} width={320} />
        <Alert type="warning" showIcon title={t('recDetail.playback')} description={t('recDetail.playbackHint')} data-testid="playback-notice" />
        {busy && <Alert type="info" showIcon title={t('recDetail.processingNote')} />}
        <Descriptions
          column={1}
          size="small"
          items={[
            { key: 'state', label: t('rec.state'), children: <ProcessingStateTag state={m.state} /> },
            { key: 'kind', label: t('rec.mediaKind'), children: m.kind ? (maybe(`mediaKind.${m.kind}`) ?? m.kind) : '—' },
            { key: 'duration', label: t('rec.duration'), children: formatDuration(m.durationSec) },
            { key: 'res', label: t('rec.resolution'), children: m.width && m.height ? `${m.width} × ${m.height}` : '—' },
            { key: 'vc', label: t('rec.videoCodec'), children: m.videoCodec ?? '—' },
            { key: 'ac', label: t('rec.audioCodec'), children: m.audioCodec ?? '—' },
            { key: 'ct', label: t('rec.creationTime'), children: formatTime(m.creationTime) },
            ...(m.error ? [{ key: 'err', label: t('rec.processingError'), children: <Typography.Text type="danger">{m.error}</Typography.Text> }] : []),
          ]}
        />
      </Flex>
    </Card>
  );
}
