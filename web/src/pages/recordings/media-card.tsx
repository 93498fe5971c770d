import { PlayCircleOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Descriptions, Flex, Typography } from 'antd';
import { Link } from 'react-router-dom';
import type { Recording } from '../../api/shapes.ts';
import { ProcessingStateTag } from '../../components/processing-state-tag.tsx';
import { RecordingThumbnail } from '../../components/recording-thumbnail.tsx';
import { useI18n } from '../../i18n/i18n-context.tsx';
import { formatDuration } from '../../lib/format.ts';
import { formatTime } from '../../lib/time.ts';

/** The still, the playback notice (viewing needs an approved request, 第十四条) and the media facts. */
export function MediaCard({ recording: r }: { recording: Recording }) {
  const { t, maybe } = useI18n();
  const m = r.media;
  const busy = m.state === 'pending' || m.state === 'processing';
  return (
    <Card title={t('recDetail.media')} style={{ marginBottom: 16 }}>
      <Flex vertical gap={12}>
        <RecordingThumbnail recording={r} width={320} />
        <Alert
          type="warning"
          showIcon
          title={t('recDetail.playback')}
          description={t('recDetail.playbackHint')}
          data-testid="playback-notice"
          action={
            m.state === 'ready' && (m.kind === 'video' || m.kind === 'audio') ? (
              <Link to={`/recordings/${r.id}/play`}>
                <Button type="primary" icon={<PlayCircleOutlined />} data-testid="play-button">
                  {t('recDetail.play')}
                </Button>
              </Link>
            ) : undefined
          }
        />
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
