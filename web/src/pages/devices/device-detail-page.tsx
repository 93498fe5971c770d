import { Button, Card, Descriptions, Space, Table, Tabs, Tag, Typography } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { client, unwrap } from '../../api/client.ts';
import { useI18n, type DictKey } from '../../i18n/i18n-context.tsx';
import { notifyError } from '../../lib/notify.ts';
import { formatTime } from '../../lib/time.ts';
import { useSession } from '../../session/session-context.tsx';
import { DeviceActionModal, type DeviceAction } from './device-action-modals.tsx';
import { RepairTable } from './device-repair-table.tsx';
import { DeviceStatusTag } from './device-tags.tsx';
import { typeKey, type DeviceDetail, type Usage } from './devices-api.ts';

type Row<K extends keyof DeviceDetail> = DeviceDetail[K] extends (infer R)[] ? R : never;

const offset = (s: number) => `${s > 0 ? '+' : ''}${s} s`;

/** 设备详情 (第十五至二十条): the device and its whole history — checks, checkouts, usage, maintenance, faults, repairs. */
export default function DeviceDetailPage() {
  const { id = '' } = useParams();
  const { t, maybe } = useI18n();
  const { can } = useSession();
  const [data, setData] = useState<DeviceDetail>();
  const [usage, setUsage] = useState<Usage>();
  const [action, setAction] = useState<DeviceAction>();

  const load = useCallback(() => {
    void unwrap(client.GET('/api/devices/{id}', { params: { path: { id } } })).then(setData, notifyError);
    void unwrap(client.GET('/api/devices/{id}/usage', { params: { path: { id } } })).then(setUsage, notifyError);
  }, [id]);
  useEffect(load, [load]);

  if (!data) return <Card loading />;
  const d = data.device;
  const retired = d.status === 'retired';

  return (
    <>
      <Typography.Title level={3} style={{ marginTop: 0 }}>
        {d.deviceNumber} <DeviceStatusTag status={d.status} />
      </Typography.Title>
      <Card
        title={t('dev.detail.info')}
        style={{ marginBottom: 24 }}
        extra={
          !retired && (
            <Space wrap>
              {can('devices:fault') && (
                <Button danger onClick={() => setAction('fault')} data-testid="report-fault">
                  {t('dev.detail.reportFault')}
                </Button>
              )}
              {can('devices:manage') && (
                <>
                  <Button onClick={() => setAction('maintenance')}>{t('dev.detail.addMaintenance')}</Button>
                  <Button onClick={() => setAction('repair')} disabled={!!d.holder}>
                    {t('dev.detail.openRepair')}
                  </Button>
                  <Button onClick={() => setAction('retire')} disabled={!!d.holder}>
                    {t('dev.detail.retire')}
                  </Button>
                </>
              )}
            </Space>
          )
        }
      >
        <Descriptions size="small" column={{ xs: 1, md: 3 }}>
          <Descriptions.Item label={t('dev.col.type')}>{t(typeKey(d.type))}</Descriptions.Item>
          <Descriptions.Item label={t('dev.col.makeModel')}>{[d.make, d.model].filter(Boolean).join(' / ') || '—'}</Descriptions.Item>
          <Descriptions.Item label={t('dev.col.serial')}>{d.serial ?? '—'}</Descriptions.Item>
          <Descriptions.Item label={t('dev.col.department')}>{d.departmentName}</Descriptions.Item>
          <Descriptions.Item label={t('dev.col.purchasedOn')}>{d.purchasedOn ?? '—'}</Descriptions.Item>
          <Descriptions.Item label={t('dev.col.holder')}>{d.holder ? t('dev.detail.holderSince', { name: d.holder.name, since: formatTime(d.holder.since, false) }) : '—'}</Descriptions.Item>
          <Descriptions.Item label={t('dev.detail.lastMaintained')}>{d.lastMaintainedOn ?? t('dev.detail.never')}</Descriptions.Item>
          <Descriptions.Item label={t('dev.detail.interval')}>{t('dev.detail.days', { n: d.maintenanceIntervalDays })}</Descriptions.Item>
          <Descriptions.Item label={t('dev.col.maintenanceDue')}>
            <Typography.Text type={d.maintenanceOverdue ? 'danger' : undefined}>{d.maintenanceOverdue ? `${d.maintenanceDueOn}（${t('dev.overdue')}）` : d.maintenanceDueOn}</Typography.Text>
          </Descriptions.Item>
        </Descriptions>
      </Card>
      <Card>
        <Tabs
          items={[
            {
              key: 'history',
              label: t('dev.detail.history'),
              children: (
                <Table<Row<'history'>>
                  rowKey="id"
                  size="small"
                  dataSource={data.history}
                  pagination={{ pageSize: 50, hideOnSinglePage: true }}
                  data-testid="device-history"
                  columns={[
                    { title: t('dev.col.when'), dataIndex: 'at', render: (v: string) => formatTime(v) },
                    { title: t('dev.col.what'), dataIndex: 'kind', render: (k: string) => maybe(`dev.hist.${k}`) ?? k },
                    { title: t('dev.col.who'), dataIndex: 'actor', render: (v: string | null) => v ?? '—' },
                    { title: t('dev.col.details'), dataIndex: 'details', render: (v: Record<string, unknown>) => <HistoryDetails details={v} /> },
                  ]}
                />
              ),
            },
            {
              key: 'checkouts',
              label: t('dev.detail.checkouts'),
              children: (
                <Table<Row<'checkouts'>>
                  rowKey="id"
                  size="small"
                  dataSource={data.checkouts}
                  pagination={false}
                  columns={[
                    { title: t('dev.col.person'), key: 'p', render: (_, c) => `${c.personName}（${c.staffNumber}）` },
                    { title: t('dev.col.out'), dataIndex: 'checkedOutAt', render: (v: string) => formatTime(v, false) },
                    { title: t('dev.col.back'), dataIndex: 'returnedAt', render: (v: string | null) => formatTime(v, false) },
                    { title: t('dev.col.clockOffset'), key: 'o', render: (_, c) => [offset(c.outCheck.clockOffsetSec), c.returnCheck && offset(c.returnCheck.clockOffsetSec)].filter(Boolean).join(' → ') },
                    {
                      title: t('dev.col.recordings'),
                      dataIndex: 'recordings',
                      render: (n: number, c) => (n === 0 && c.returnedAt ? <Tag color="warning">{t('dev.usage.noRecordings')}</Tag> : n),
                    },
                  ]}
                />
              ),
            },
            {
              key: 'checks',
              label: t('dev.detail.checks'),
              children: (
                <Table<Row<'checks'>>
                  rowKey="id"
                  size="small"
                  dataSource={data.checks}
                  pagination={false}
                  columns={[
                    { title: t('dev.col.when'), dataIndex: 'checkedAt', render: (v: string) => formatTime(v) },
                    { title: t('dev.col.what'), dataIndex: 'kind', render: (k: 'checkout' | 'return') => t(`dev.check.kind.${k}` as DictKey) },
                    { title: t('dev.col.person'), dataIndex: 'personName' },
                    { title: t('dev.col.battery'), dataIndex: 'batteryPct', render: (v: number) => `${v}%` },
                    { title: t('dev.col.storage'), dataIndex: 'freeStorageMb', render: (v: number) => `${v} MB` },
                    { title: t('dev.col.clockOffset'), dataIndex: 'clockOffsetSec', render: offset },
                    { title: t('dev.col.damage'), key: 'dmg', render: (_, c) => (c.damage ? c.damageNote : '—') },
                    { title: t('dev.col.result'), dataIndex: 'passed', render: (p: boolean) => <Tag color={p ? 'success' : 'error'}>{p ? t('dev.check.passed') : t('dev.check.failed')}</Tag> },
                  ]}
                />
              ),
            },
            {
              key: 'usage',
              label: t('dev.detail.usage'),
              children: (
                <>
                  <Typography.Paragraph type="secondary">{t('dev.usage.intro')}</Typography.Paragraph>
                  <Table<Usage['recordings'][number]>
                    rowKey="id"
                    size="small"
                    dataSource={usage?.recordings ?? []}
                    pagination={{ pageSize: 50, hideOnSinglePage: true }}
                    data-testid="device-usage"
                    columns={[
                      { title: t('dev.usage.recording'), dataIndex: 'fileName', render: (v: string, r) => <Link to={`/recordings/${r.id}`}>{v}</Link> },
                      { title: t('dev.usage.start'), dataIndex: 'recordedStart', render: (v: string) => formatTime(v) },
                      {
                        title: t('dev.usage.holder'),
                        key: 'h',
                        render: (_, r) => (r.outsideCheckout ? <Tag color="warning">{t('dev.usage.outside')}</Tag> : r.holder),
                      },
                    ]}
                  />
                </>
              ),
            },
            {
              key: 'maintenance',
              label: t('dev.detail.maintenance'),
              children: (
                <Table<Row<'maintenance'>>
                  rowKey="id"
                  size="small"
                  dataSource={data.maintenance}
                  pagination={false}
                  columns={[
                    { title: t('dev.mt.performedOn'), dataIndex: 'performedOn' },
                    { title: t('dev.mt.performedBy'), dataIndex: 'performedBy' },
                    { title: t('dev.mt.work'), dataIndex: 'work' },
                  ]}
                />
              ),
            },
            {
              key: 'faults',
              label: t('dev.detail.faults'),
              children: (
                <Table<Row<'faults'>>
                  rowKey="id"
                  size="small"
                  dataSource={data.faults}
                  pagination={false}
                  columns={[
                    { title: t('dev.col.when'), dataIndex: 'reportedAt', render: (v: string) => formatTime(v, false) },
                    { title: t('dev.fr.description'), dataIndex: 'description' },
                    { title: t('dev.fr.reportedBy'), dataIndex: 'reportedBy' },
                    {
                      title: '',
                      key: 'flags',
                      render: (_, f) => (
                        <Space size={4}>
                          {f.duringCheckout && <Tag color="volcano">{t('dev.fr.duringUse')}</Tag>}
                          {f.fromCheck && <Tag>{t('dev.fr.fromCheck')}</Tag>}
                          {f.resolvedAt && <Tag color="success">{t('dev.fr.resolved')}</Tag>}
                        </Space>
                      ),
                    },
                  ]}
                />
              ),
            },
            { key: 'repairs', label: t('dev.detail.repairs'), children: <RepairTable repairs={data.repairs} onChanged={load} /> },
          ]}
        />
      </Card>
      <DeviceActionModal deviceId={id} action={action} onClose={() => setAction(undefined)} onDone={() => (setAction(undefined), load())} />
    </>
  );
}

/** A history entry's details as short "key: value" pairs. */
function HistoryDetails({ details }: { details: Record<string, unknown> }) {
  const skip = new Set(['checkId', 'checkoutId', 'personId', 'faultId', 'repairId', 'maintenanceId', 'findingId', 'departmentId']);
  const parts = Object.entries(details)
    .filter(([k, v]) => !skip.has(k) && v !== null && v !== undefined && typeof v !== 'object')
    .map(([k, v]) => `${k}: ${String(v)}`);
  return <Typography.Text type="secondary" style={{ fontSize: 12 }}>{parts.join(' · ') || '—'}</Typography.Text>;
}
