import { ReloadOutlined } from '@ant-design/icons';
import { Alert, Button, Card, DatePicker, Flex, Table, Typography } from 'antd';
import type { Dayjs } from 'dayjs';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { Link } from 'react-router-dom';
import { client, unwrap } from '../../api/client.ts';
import type { LateOffloads } from '../../api/shapes.ts';
import { useI18n } from '../../i18n/i18n-context.tsx';
import { notifyError } from '../../lib/notify.ts';
import { dayjs, formatTime, shanghaiDayStartIso, todayInShanghai } from '../../lib/time.ts';
import { check, useUrlFilters } from '../../lib/use-url-filters.ts';

/** The range of recording days is in the URL (shareable, reloadable, restored by Back). */
const urlSpec = { from: check.day, to: check.day };

type LateItem = LateOffloads['items'][number];
type LateSummary = LateOffloads['summary'][number];

/** Hours between two instants, one decimal. */
const hoursBetween = (from: string, to: string) => Math.round(((Date.parse(to) - Date.parse(from)) / 3_600_000) * 10) / 10;

/**
 * 迟交统计 (第十条): recordings uploaded after the cut-off of their recording day, summed per
 * officer and device, with the items, for a range of recording days (Beijing time).
 */
export default function OffloadLatePage() {
  const { t } = useI18n();
  const [url, setUrl] = useUrlFilters(urlSpec);
  // Default: the last 30 days up to today (Beijing).
  const range = useMemo(() => {
    const today = dayjs(todayInShanghai());
    return [url.from ? dayjs(url.from) : today.subtract(29, 'day'), url.to ? dayjs(url.to) : today] as const;
  }, [url.from, url.to]);
  const setRange = (r: [Dayjs, Dayjs]) => setUrl({ from: r[0].format('YYYY-MM-DD'), to: r[1].format('YYYY-MM-DD') });
  const [data, setData] = useState<LateOffloads>();
  const [loading, setLoading] = useState(true);

  const load = useCallback(() => {
    setLoading(true);
    // The API takes instants: from the start of the first day to the start of the day after the last.
    const from = shanghaiDayStartIso(range[0].format('YYYY-MM-DD'));
    const to = shanghaiDayStartIso(range[1].add(1, 'day').format('YYYY-MM-DD'));
    return unwrap(client.GET('/api/offload/late', { params: { query: { from, to } } }))
      .then(setData, notifyError)
      .finally(() => setLoading(false));
  }, [range]);
  useEffect(() => {
    void load();
  }, [load]);

  const hours = (n: number) => t('offload.hours', { n });

  return (
    <>
      <Typography.Title level={3} style={{ marginTop: 0 }}>
        {t('offload.lateTitle')}
      </Typography.Title>
      <Card style={{ marginBottom: 16 }}>
        <Flex gap={8} wrap align="center">
          <Typography.Text>{t('offload.range')}</Typography.Text>
          <DatePicker.RangePicker value={[range[0], range[1]]} allowClear={false} onChange={(v) => v?.[0] && v[1] && setRange([v[0], v[1]])} />
          <Button icon={<ReloadOutlined />} onClick={() => void load()}>
            {t('common.refresh')}
          </Button>
        </Flex>
        {data && <Alert type="info" showIcon title={t('offload.cutoff', { hour: data.cutoffHour })} style={{ marginTop: 16 }} />}
      </Card>
      <Card title={t('offload.summary')} style={{ marginBottom: 16 }}>
        <Table<LateSummary>
          rowKey={(s) => `${s.personId}|${s.deviceNumber ?? ''}`}
          size="middle"
          loading={loading}
          dataSource={data?.summary ?? []}
          pagination={false}
          locale={{ emptyText: t('offload.lateEmpty') }}
          data-testid="late-summary"
          columns={[
            { title: t('offload.officer'), key: 'officer', render: (_, s) => `${s.personName}（${s.staffNumber}）` },
            { title: t('rec.deviceNumber'), dataIndex: 'deviceNumber', render: (v: string | null) => v ?? t('offload.noDevice') },
            { title: t('offload.count'), dataIndex: 'count', align: 'right' },
            { title: t('offload.maxDelay'), dataIndex: 'maxDelayHours', align: 'right', render: (n: number) => hours(n) },
          ]}
        />
      </Card>
      <Card title={t('offload.items')}>
        <Table<LateItem>
          rowKey={(i) => `${i.recordingId}|${i.personId}`}
          size="middle"
          loading={loading}
          dataSource={data?.items ?? []}
          pagination={{ pageSize: 50, hideOnSinglePage: true }}
          scroll={{ x: 1100 }}
          locale={{ emptyText: t('offload.lateEmpty') }}
          columns={[
            { title: t('rec.fileName'), key: 'file', render: (_, i) => <Link to={`/recordings/${i.recordingId}`}>{i.fileName}</Link> },
            { title: t('offload.officer'), key: 'officer', render: (_, i) => `${i.personName}（${i.staffNumber}）` },
            { title: t('rec.deviceNumber'), dataIndex: 'deviceNumber', render: (v: string | null) => v ?? '—' },
            { title: t('rec.department'), dataIndex: 'departmentName' },
            { title: t('rec.recordedStart'), dataIndex: 'recordedStart', render: (v: string) => formatTime(v, false) },
            { title: t('offload.deadline'), dataIndex: 'deadline', render: (v: string) => formatTime(v, false) },
            { title: t('rec.uploadedAt'), dataIndex: 'uploadedAt', render: (v: string) => formatTime(v, false) },
            { title: t('offload.delay'), key: 'delay', align: 'right', render: (_, i) => hours(hoursBetween(i.deadline, i.uploadedAt)) },
          ]}
        />
      </Card>
    </>
  );
}
