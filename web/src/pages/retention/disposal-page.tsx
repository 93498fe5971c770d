import { Button, Card, Empty, Input, List, Modal, Space, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { Link } from 'react-router-dom';
import { client, unwrap } from '../../api/client.ts';
import { useI18n, type DictKey } from '../../i18n/i18n-context.tsx';
import { notifyError } from '../../lib/notify.ts';
import { formatTime } from '../../lib/time.ts';
import { useSession } from '../../session/session-context.tsx';
import { useDisposalBatches, type DisposalBatch } from './retention-api.ts';

type Item = DisposalBatch['items'][number];

/** 销毁: batches of recordings and case files (proposed / in grace / executing / done); approve another's batch; restore an item before it is executed. */
export default function DisposalPage() {
  const { t } = useI18n();
  const { can } = useSession();
  const { data, reload } = useDisposalBatches();
  const [restoring, setRestoring] = useState<Item>();
  const [reason, setReason] = useState('');
  const act = (p: Promise<unknown>) => p.then(reload, notifyError);
  const stateColor = { proposed: 'orange', in_grace: 'blue', executing: 'purple', done: 'green' } as const;

  return (
    <Card
      title={t('retention.disposal.title')}
      extra={can('retention:approve') && <Button onClick={() => void act(unwrap(client.POST('/api/disposal/batches', { body: {} })))}>{t('retention.disposal.propose')}</Button>}
    >
      {data && !data.items.length && <Empty description={t('retention.disposal.none')} />}
      <List
        loading={!data}
        dataSource={data?.items ?? []}
        renderItem={(b) => (
          <List.Item data-testid={`batch-${b.id}`} style={{ display: 'block' }}>
            <Space wrap style={{ marginBottom: 8 }}>
              <Tag color={stateColor[b.state]} data-testid="batch-state">{t(`retention.disposal.state.${b.state}`)}</Tag>
              <Typography.Text>{formatTime(b.proposedAt, false)} {b.proposedBy ?? 'system'}</Typography.Text>
              {b.approvedAt && <Typography.Text type="secondary">{t('retention.table.approvedBy')}：{b.approvedBy} {formatTime(b.approvedAt, false)}</Typography.Text>}
              {b.state === 'in_grace' && <Typography.Text type="warning">{t('retention.disposal.graceUntil', { at: formatTime(b.graceUntil, false) })}</Typography.Text>}
              {b.state === 'proposed' && can('retention:approve') && (
                <Button type="primary" danger size="small" data-testid="approve-batch" onClick={() => void act(unwrap(client.POST('/api/disposal/batches/{id}/approve', { params: { path: { id: b.id } } })))}>
                  {t('retention.disposal.approve')}
                </Button>
              )}
            </Space>
            <Table<Item>
              size="small"
              rowKey="id"
              pagination={false}
              dataSource={b.items}
              columns={[
                {
                  title: '',
                  render: (_, i) =>
                    i.subjectType === 'case_file' ? (
                      <Space size={4} data-testid={`disposal-case-${i.caseId}`}>
                        <Tag color="geekblue">{t('retention.disposal.caseFile')}</Tag>
                        <Link to={`/cases/${i.caseId}`}>{i.caseNumber}</Link>
                        {i.archiveNumber && <Typography.Text type="secondary">{t('retention.disposal.archiveNumber', { n: i.archiveNumber })}</Typography.Text>}
                      </Space>
                    ) : (
                      <Space size={4}>
                        <Tag>{t('retention.disposal.recording')}</Tag>
                        <Link to={`/recordings/${i.recordingId}`}>{i.fileName}</Link>
                      </Space>
                    ),
                },
                { title: '', render: (_, i) => (i.subjectType === 'case_file' ? t('retention.disposal.closedOn', { date: i.closedOn ?? '' }) : formatTime(i.recordedStart, false)) },
                { title: '', render: (_, i) => t('retention.keepUntil', { date: i.keepUntil, rule: t(`retention.basis.${i.basis}` as DictKey) }) },
                { title: '', render: (_, i) => <Tag>{t(`retention.disposal.item.${i.state}`)}</Tag> },
                {
                  title: '',
                  render: (_, i) =>
                    i.state === 'proposed' && b.state !== 'executing' && can('retention:approve') ? (
                      <Button size="small" onClick={() => setRestoring(i)}>
                        {t('retention.disposal.restore')}
                      </Button>
                    ) : (i.restoreReason ?? null),
                },
              ]}
            />
          </List.Item>
        )}
      />
      <Modal
        open={!!restoring}
        title={t('retention.disposal.restore')}
        onCancel={() => setRestoring(undefined)}
        onOk={() => {
          const i = restoring!;
          setRestoring(undefined);
          void act(unwrap(client.POST('/api/disposal/items/{id}/restore', { params: { path: { id: i.id } }, body: { reason } })));
        }}
      >
        <Input.TextArea placeholder={t('retention.disposal.restoreReason')} value={reason} onChange={(e) => setReason(e.target.value)} />
      </Modal>
    </Card>
  );
}
