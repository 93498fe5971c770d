import { Modal, Spin, Tag, Timeline, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { client, unwrap } from '../../api/client.ts';
import { useI18n } from '../../i18n/i18n-context.tsx';
import { notifyError } from '../../lib/notify.ts';
import { formatTime } from '../../lib/time.ts';
import { clock, type AnnotationHistory } from './annotations-api.ts';

/** 历史版本: every version of one note or segment — who, when (Beijing time), what. Reading it is audited. */
export function AnnotationHistoryModal({ id, onClose }: { id: string | undefined; onClose(): void }) {
  const { t } = useI18n();
  const [history, setHistory] = useState<AnnotationHistory>();
  useEffect(() => {
    setHistory(undefined);
    if (!id) return;
    unwrap(client.GET('/api/annotations/{id}/versions', { params: { path: { id } } })).then(setHistory, (e: unknown) => {
      notifyError(e);
      onClose();
    });
  }, [id, onClose]);
  return (
    <Modal open={!!id} onCancel={onClose} footer={null} width={640} title={history ? t('annot.historyTitle', { n: history.versions.length }) : t('annot.history')} destroyOnHidden>
      {!history ? (
        <Spin />
      ) : (
        <div data-testid="annotation-history">
        <Timeline
          items={[...history.versions].reverse().map((v) => ({
            color: v.deleted ? 'red' : v.version === 1 ? 'green' : 'blue',
            content: (
              <div data-testid="annotation-version">
                <Typography.Text strong>{t('annot.version', { n: v.version })}</Typography.Text>
                {v.deleted && (
                  <Tag color="red" style={{ marginLeft: 8 }}>
                    {t('annot.deletedVersion')}
                  </Tag>
                )}
                <Typography.Text type="secondary" style={{ marginLeft: 8 }}>
                  {t('annot.by', { who: v.author.displayName || v.author.username, time: formatTime(v.at) })}
                </Typography.Text>
                <div>
                  <Typography.Text code>
                    {clock(v.startSec)}–{clock(v.endSec)}
                  </Typography.Text>
                  {v.kind && <Tag style={{ marginLeft: 8 }}>{t(`annot.kind.${v.kind}`)}</Tag>}
                  {v.speaker && <Tag style={{ marginLeft: 8 }}>{v.speaker}</Tag>}
                </div>
                <Typography.Paragraph delete={v.deleted} style={{ whiteSpace: 'pre-wrap', margin: '4px 0 0' }}>
                  {v.text}
                </Typography.Paragraph>
              </div>
            ),
          }))}
        />
        </div>
      )}
    </Modal>
  );
}
