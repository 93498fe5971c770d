import { CheckCircleOutlined, ReloadOutlined } from '@ant-design/icons';
import { Button, Card, DatePicker, Flex, Space, Table, Tag, Typography } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { client, unwrap } from '../../api/client.ts';
import type { Handover, HandoverDay } from '../../api/shapes.ts';
import { useI18n } from '../../i18n/i18n-context.tsx';
import { formatBytes } from '../../lib/format.ts';
import { notifyError } from '../../lib/notify.ts';
import { dayjs, formatTime, todayInShanghai } from '../../lib/time.ts';
import { check, useUrlFilters } from '../../lib/use-url-filters.ts';
import { useSession } from '../../session/session-context.tsx';
import { ConfirmReceiptModal } from './confirm-receipt-modal.tsx';
import { HandoverRecordings } from './handover-recordings.tsx';

/** The day shown is in the URL (shareable, reloadable, restored by Back). */
const urlSpec = { day: check.day };

/**
 * 当日交接 (第十条): per officer, what they offloaded on a day, how much of it was late, and whether
 * the custodian has confirmed the hand-over.
 */
export default function OffloadDayPage() {
  const { t } = useI18n();
  const { can } = useSession();
  const mayConfirm = can('offload:confirm');
  const [url, setUrl] = useUrlFilters(urlSpec);
  const day = url.day ?? todayInShanghai();
  const setDay = (d: string) => setUrl({ day: d });
  const [data, setData] = useState<HandoverDay>();
  const [loading, setLoading] = useState(true);
  const [confirming, setConfirming] = useState<Handover>();

  const load = useCallback(() => {
    setLoading(true);
    return unwrap(client.GET('/api/offload/days/{day}', { params: { path: { day } } }))
      .then(setData, notifyError)
      .finally(() => setLoading(false));
  }, [day]);
  useEffect(() => {
    void load();
  }, [load]);

  return (
    <>
      <Typography.Title level={3} style={{ marginTop: 0 }}>
        {t('offload.dayTitle')}
      </Typography.Title>
      <Card>
        <Typography.Paragraph type="secondary">{t('offload.dayHint')}</Typography.Paragraph>
        <Flex gap={8} style={{ marginBottom: 16 }}>
          <DatePicker
            value={dayjs(day)}
            onChange={(d) => d && setDay(d.format('YYYY-MM-DD'))}
            allowClear={false}
            aria-label={t('offload.day')}
            data-testid="handover-day"
          />
          <Button icon={<ReloadOutlined />} onClick={() => void load()}>
            {t('common.refresh')}
          </Button>
        </Flex>
        <Table<Handover>
          rowKey="personId"
          loading={loading}
          dataSource={data?.day === day ? data.items : []}
          pagination={false}
          locale={{ emptyText: t('offload.empty') }}
          data-testid="handover-table"
          expandable={{ expandedRowRender: (h) => <HandoverRecordings ids={h.recordingIds} /> }}
          columns={[
            { title: t('offload.officer'), key: 'officer', render: (_, h) => `${h.personName}（${h.staffNumber}）` },
            { title: t('offload.count'), dataIndex: 'count', align: 'right' },
            { title: t('offload.totalSize'), dataIndex: 'totalBytes', align: 'right', render: (n: number) => formatBytes(n) },
            {
              title: t('offload.lateCount'),
              dataIndex: 'late',
              align: 'right',
              render: (n: number) => (n > 0 ? <Tag color="volcano">{n}</Tag> : 0),
            },
            {
              title: t('offload.receipt'),
              key: 'receipt',
              render: (_, h) =>
                h.receipt ? (
                  <Space orientation="vertical" size={0}>
                    <Tag color="success" icon={<CheckCircleOutlined />}>
                      {t('offload.confirmed')}
                    </Tag>
                    <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                      {t('offload.confirmedBy', { user: h.receipt.confirmedBy, time: formatTime(h.receipt.confirmedAt, false) })}
                    </Typography.Text>
                  </Space>
                ) : (
                  <Tag color="warning">{t('offload.notConfirmed')}</Tag>
                ),
            },
            ...(mayConfirm
              ? [
                  {
                    title: t('common.actions'),
                    key: 'actions',
                    render: (_: unknown, h: Handover) =>
                      !h.receipt && (
                        <Button type="primary" size="small" onClick={() => setConfirming(h)}>
                          {t('offload.confirm')}
                        </Button>
                      ),
                  },
                ]
              : []),
          ]}
        />
      </Card>
      <ConfirmReceiptModal
        day={day}
        handover={confirming}
        onClose={() => setConfirming(undefined)}
        onConfirmed={() => {
          setConfirming(undefined);
          void load();
        }}
      />
    </>
  );
}
