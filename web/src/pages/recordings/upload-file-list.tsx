import { CheckCircleOutlined, DeleteOutlined, LinkOutlined, RedoOutlined } from '@ant-design/icons';
import { Button, Flex, Progress, Space, Table, Tag, Tooltip, Typography } from 'antd';
import { Link } from 'react-router-dom';
import { useI18n } from '../../i18n/i18n-context.tsx';
import { formatBytes } from '../../lib/format.ts';
import { localizeFieldMessage } from '../../lib/notify.ts';
import { metadataFormFields } from '../../lib/recording-metadata.ts';
import type { UploadItem, UploadState } from '../../lib/upload-queue.ts';

const formFields = new Set<string>(metadataFormFields);

const stateColor: Record<UploadState, string> = {
  waiting: 'default',
  hashing: 'processing',
  uploading: 'processing',
  stored: 'success',
  duplicate: 'gold',
  failed: 'error',
};

interface Props {
  items: UploadItem[];
  onRetry(key: string): void;
  onRemove(key: string): void;
}

const percentOf = (i: UploadItem) => (i.file.size > 0 ? Math.floor((i.bytesSent / i.file.size) * 100) : 0);

/** One row per chosen file: its state, its own progress bar, and what it became (or why it failed). */
export function UploadFileList({ items, onRetry, onRemove }: Props) {
  const { t } = useI18n();

  const stateCell = (i: UploadItem) => {
    const percent = percentOf(i);
    const label = i.state === 'uploading' ? `${t('upload.state.uploading')} ${percent}%` : t(`upload.state.${i.state}`);
    return (
      <Flex vertical gap={2}>
        <span>
          <Tag color={stateColor[i.state]} data-testid="upload-state">
            {label}
          </Tag>
        </span>
        <Progress
          percent={i.state === 'stored' || i.state === 'duplicate' ? 100 : percent}
          size="small"
          status={i.state === 'failed' ? 'exception' : i.state === 'uploading' ? 'active' : i.state === 'stored' || i.state === 'duplicate' ? 'success' : 'normal'}
          showInfo={false}
        />
        {!!i.resumedFrom && (
          // The server kept the metadata of the first attempt; say so, since the form may differ now.
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {t('upload.resumed', { percent: Math.floor((i.resumedFrom / i.file.size) * 100) })}
          </Typography.Text>
        )}
      </Flex>
    );
  };

  const resultCell = (i: UploadItem) => {
    if (i.state === 'failed' && i.failure) {
      const f = i.failure;
      const text = 'key' in f ? t(f.key, 'params' in f ? f.params : undefined) : f.message;
      // Errors of form fields are shown under those fields; only the others (file name, size…) go here.
      const fields = Object.entries(i.errorFields ?? {})
        .filter(([k]) => !formFields.has(k))
        .map(([k, v]) => `${k}: ${localizeFieldMessage(v)}`);
      return (
        <Typography.Text type="danger" data-testid="upload-error">
          {[text, ...fields].join('；')}
        </Typography.Text>
      );
    }
    if ((i.state === 'stored' || i.state === 'duplicate') && i.recordingId) {
      const verified = i.clientSha256 && i.clientSha256 === i.sha256;
      return (
        <Space size={4} wrap>
          <Link to={`/recordings/${i.recordingId}`}>
            <LinkOutlined /> {t('upload.view')}
          </Link>
          {i.state === 'duplicate' && <Typography.Text type="secondary">{t('upload.duplicateNote')}</Typography.Text>}
          {i.sha256 && (
            <Tooltip title={`SHA-256 ${i.sha256}`}>
              <Typography.Text code style={{ fontSize: 12 }}>
                {i.sha256.slice(0, 12)}…
              </Typography.Text>
            </Tooltip>
          )}
          {verified && (
            <Tooltip title={t('upload.hashVerified')}>
              <CheckCircleOutlined style={{ color: '#52c41a' }} />
            </Tooltip>
          )}
        </Space>
      );
    }
    return null;
  };

  return (
    <Table<UploadItem>
      rowKey="key"
      size="small"
      dataSource={items}
      pagination={false}
      locale={{ emptyText: t('upload.empty') }}
      data-testid="upload-list"
      tableLayout="fixed"
      scroll={{ x: 860 }}
      columns={[
        {
          title: t('rec.fileName'),
          key: 'name',
          width: 380,
          render: (_, i) => (
            <Flex vertical style={{ minWidth: 0 }}>
              <Typography.Text strong ellipsis={{ tooltip: i.file.name }}>
                {i.file.name}
              </Typography.Text>
              <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                {formatBytes(i.file.size)}
              </Typography.Text>
            </Flex>
          ),
        },
        { title: t('upload.stateColumn'), key: 'state', width: 250, render: (_, i) => stateCell(i) },
        { title: t('upload.result'), key: 'result', render: (_, i) => resultCell(i) },
        {
          title: t('common.actions'),
          key: 'actions',
          width: 110,
          render: (_, i) => (
            <Space size={0}>
              {i.state === 'failed' && (
                <Button type="link" size="small" icon={<RedoOutlined />} onClick={() => onRetry(i.key)}>
                  {t('upload.retry')}
                </Button>
              )}
              {((i.state === 'waiting' && !i.queued) || i.state === 'failed') && (
                <Tooltip title={t('upload.remove')}>
                  <Button type="text" size="small" icon={<DeleteOutlined />} aria-label={t('upload.remove')} onClick={() => onRemove(i.key)} />
                </Tooltip>
              )}
            </Space>
          ),
        },
      ]}
    />
  );
}
