import { DownloadOutlined, FileProtectOutlined, VideoCameraOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Descriptions, Flex, Space, Spin, Typography } from 'antd';
import { useEffect, useRef, useState } from 'react';
import { client, unwrap } from '../../api/client.ts';
import type { ResponseOf } from '../../api/shapes.ts';
import { useI18n } from '../../i18n/i18n-context.tsx';
import { formatBytes } from '../../lib/format.ts';
import { notifyError } from '../../lib/notify.ts';
import { formatTime } from '../../lib/time.ts';

type MediaAccess = ResponseOf<'/api/recordings/{id}/media-access', 'get'>;
type Made = ResponseOf<'/api/recordings/{id}/copies', 'post'>;
type Kind = Made['statement']['kind'];

const mono = { fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace', fontSize: 12, wordBreak: 'break-all' } as const;

/** What the viewer may do with the recording's media now (the server decides; asked again after a change). */
export function useMediaAccess(recordingId: string) {
  const [access, setAccess] = useState<MediaAccess>();
  useEffect(() => {
    setAccess(undefined);
    unwrap(client.GET('/api/recordings/{id}/media-access', { params: { path: { id: recordingId } } })).then(setAccess, () => undefined);
  }, [recordingId]);
  return access;
}

/** A signed copy receipt (第二十条): who, when, which grant, SHA-256, SM3, the signature and its key. */
export function CopyReceipt({ made }: { made: Made }) {
  const { t } = useI18n();
  const s = made.statement;
  return (
    <Descriptions
      column={1}
      size="small"
      bordered
      data-testid={`copy-receipt-${s.kind}`}
      styles={{ label: { width: 120 } }}
      items={[
        { key: 'kind', label: t('copy.receipt.kind'), children: t(`copy.receipt.kind.${s.kind}`) },
        { key: 'who', label: t('copy.receipt.who'), children: `${s.copiedBy.name}（${s.copiedBy.staffNumber ?? s.copiedBy.username}）` },
        { key: 'when', label: t('copy.receipt.when'), children: formatTime(s.issuedAt) },
        { key: 'grant', label: t('copy.receipt.grant'), children: <span style={mono}>{s.grantId ?? '—'}</span> },
        { key: 'file', label: t('copy.receipt.fileName'), children: <span style={{ wordBreak: 'break-all' }}>{s.fileName}</span> },
        { key: 'size', label: t('copy.receipt.size'), children: `${formatBytes(s.sizeBytes)}（${s.sizeBytes.toLocaleString()} B）` },
        { key: 'sha', label: 'SHA-256', children: <Typography.Text copyable={{ text: s.sha256 }} style={mono} data-testid="copy-sha256">{s.sha256}</Typography.Text> },
        { key: 'sm3', label: 'SM3', children: <Typography.Text copyable={{ text: s.sm3 }} style={mono} data-testid="copy-sm3">{s.sm3}</Typography.Text> },
        { key: 'sig', label: t('copy.receipt.signature'), children: <Typography.Text copyable={{ text: made.signature }} style={mono} data-testid="copy-signature">{made.signature}</Typography.Text> },
        { key: 'key', label: t('copy.receipt.keyId'), children: <span style={mono}>{made.keyId}</span> },
        { key: 'id', label: t('copy.receipt.id'), children: <span style={mono}>{s.receiptId}</span> },
      ]}
    />
  );
}

/**
 * 副本 (第二十条): shown only while the viewer holds a live copy grant. 下载水印副本 asks the server to burn the
 * watermark into the proxy (a re-encode, so it takes a while: the card shows it working and for how long), then
 * offers the file; 下载原始文件 hands out the original's untouched bytes. Both come with the signed receipt.
 */
export function CopyCard({ recordingId, access }: { recordingId: string; access: MediaAccess | undefined }) {
  const { t } = useI18n();
  const [making, setMaking] = useState<Kind>();
  const [elapsed, setElapsed] = useState(0);
  const [made, setMade] = useState<Made[]>([]);
  const [failed, setFailed] = useState<string>();
  const started = useRef(0);

  useEffect(() => {
    if (!making) return;
    started.current = Date.now();
    setElapsed(0);
    const timer = setInterval(() => setElapsed(Math.round((Date.now() - started.current) / 1000)), 1000);
    return () => clearInterval(timer);
  }, [making]);

  if (!access?.copy) return null;

  const make = async (kind: Kind) => {
    setMaking(kind);
    setFailed(undefined);
    try {
      const m = await unwrap(client.POST('/api/recordings/{id}/copies', { params: { path: { id: recordingId } }, body: { kind } }));
      setMade((prev) => [m, ...prev]);
    } catch (e) {
      setFailed(e instanceof Error ? e.message : String(e));
      notifyError(e);
    } finally {
      setMaking(undefined);
    }
  };

  return (
    <Card title={t('copy.title')} style={{ marginBottom: 16 }} data-testid="copy-card">
      <Flex vertical gap={12}>
        <Typography.Text type="secondary">{t('copy.intro', { until: formatTime(access.grant?.validUntil) })}</Typography.Text>
        <Space wrap>
          <Button icon={<VideoCameraOutlined />} onClick={() => void make('watermarked-proxy')} loading={making === 'watermarked-proxy'} disabled={making !== undefined} data-testid="copy-watermarked" title={t('copy.watermarkedHelp')}>
            {t('copy.watermarked')}
          </Button>
          <Button icon={<FileProtectOutlined />} onClick={() => void make('original')} loading={making === 'original'} disabled={making !== undefined} data-testid="copy-original" title={t('copy.originalHelp')}>
            {t('copy.original')}
          </Button>
        </Space>
        {making && (
          <Alert
            type="info"
            showIcon
            icon={<Spin size="small" />}
            data-testid="copy-progress"
            title={making === 'watermarked-proxy' ? t('copy.preparing', { s: elapsed }) : t('copy.preparingOriginal')}
          />
        )}
        {failed && <Alert type="error" showIcon title={t('copy.failed')} description={failed} />}
        {made.map((m) => (
          <Flex key={m.statement.receiptId} vertical gap={8}>
            <Alert
              type="success"
              showIcon
              title={`${t('copy.ready')}：${t(`copy.receipt.kind.${m.statement.kind}`)}`}
              action={
                <a href={m.downloadUrl} download={m.statement.fileName} data-testid={`copy-download-${m.statement.kind}`}>
                  <Button type="primary" size="small" icon={<DownloadOutlined />}>
                    {t('copy.download')}
                  </Button>
                </a>
              }
            />
            <CopyReceipt made={m} />
          </Flex>
        ))}
        {made.length > 0 && <Typography.Text type="secondary" style={{ fontSize: 12 }}>{t('copy.receipt.verify')}</Typography.Text>}
      </Flex>
    </Card>
  );
}
