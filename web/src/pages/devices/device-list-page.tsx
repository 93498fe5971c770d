import { DownloadOutlined, ImportOutlined, PlusOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Col, Flex, Input, Row, Select, Space, Statistic, Table, Typography } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import { client, unwrap } from '../../api/client.ts';
import { useI18n } from '../../i18n/i18n-context.tsx';
import { notifyError } from '../../lib/notify.ts';
import { formatTime } from '../../lib/time.ts';
import { useSession } from '../../session/session-context.tsx';
import { DeviceFormModal } from './device-form-modal.tsx';
import { DeviceImportModal } from './device-import-modal.tsx';
import { DeviceStatusTag } from './device-tags.tsx';
import { DEVICE_STATUSES, DEVICE_TYPES, statusKey, typeKey, type Device, type DeviceList, type DeviceStatus, type DeviceType } from './devices-api.ts';

/** 设备台账 (第十五条): the register with status counts, filters, registration, import and export. */
export default function DeviceListPage() {
  const { t } = useI18n();
  const { can } = useSession();
  const mayManage = can('devices:manage');
  const [status, setStatus] = useState<DeviceStatus>();
  const [type, setType] = useState<DeviceType>();
  const [q, setQ] = useState('');
  const [data, setData] = useState<DeviceList>();
  const [loading, setLoading] = useState(true);
  const [creating, setCreating] = useState(false);
  const [importing, setImporting] = useState(false);

  const load = useCallback(() => {
    setLoading(true);
    return unwrap(client.GET('/api/devices', { params: { query: { status, type, q: q.trim() || undefined, limit: 500 } } }))
      .then(setData, notifyError)
      .finally(() => setLoading(false));
  }, [status, type, q]);
  useEffect(() => {
    void load();
  }, [load]);

  return (
    <>
      <Typography.Title level={3} style={{ marginTop: 0 }}>
        {t('dev.list.title')}
      </Typography.Title>
      <Typography.Paragraph type="secondary">{t('dev.list.intro')}</Typography.Paragraph>
      <Row gutter={[16, 16]} style={{ marginBottom: 16 }} data-testid="device-counts">
        {DEVICE_STATUSES.map((s) => (
          <Col key={s} xs={12} sm={8} lg={4}>
            <Card hoverable size="small" onClick={() => setStatus(status === s ? undefined : s)} style={status === s ? { borderColor: '#1677ff' } : undefined}>
              <Statistic title={t(statusKey(s))} value={data?.counts[s] ?? '—'} />
            </Card>
          </Col>
        ))}
      </Row>
      <Card>
        <Flex gap={8} wrap style={{ marginBottom: 16 }}>
          <Input.Search allowClear placeholder={t('dev.list.search')} onSearch={setQ} style={{ width: 260 }} aria-label={t('dev.list.search')} />
          <Select<DeviceStatus>
            allowClear
            placeholder={t('dev.list.allStatuses')}
            value={status}
            onChange={setStatus}
            style={{ width: 160 }}
            options={DEVICE_STATUSES.map((s) => ({ value: s, label: t(statusKey(s)) }))}
          />
          <Select<DeviceType>
            allowClear
            placeholder={t('dev.list.allTypes')}
            value={type}
            onChange={setType}
            style={{ width: 160 }}
            options={DEVICE_TYPES.map((x) => ({ value: x, label: t(typeKey(x)) }))}
          />
          <Space style={{ marginLeft: 'auto' }} wrap>
            {mayManage && (
              <>
                <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)}>
                  {t('dev.list.register')}
                </Button>
                <Button icon={<ImportOutlined />} onClick={() => setImporting(true)}>
                  {t('dev.list.import')}
                </Button>
              </>
            )}
            <Button icon={<DownloadOutlined />} href="/api/devices/export?format=csv">
              {t('dev.list.exportCsv')}
            </Button>
            <Button icon={<DownloadOutlined />} href="/api/devices/export?format=xlsx">
              {t('dev.list.exportXlsx')}
            </Button>
          </Space>
        </Flex>
        {data?.truncated && <Alert type="info" title={t('dev.list.truncated', { n: data.items.length })} style={{ marginBottom: 16 }} />}
        <Table<Device>
          rowKey="id"
          loading={loading}
          dataSource={data?.items ?? []}
          pagination={{ pageSize: 50, hideOnSinglePage: true }}
          data-testid="device-table"
          columns={[
            { title: t('dev.col.number'), dataIndex: 'deviceNumber', render: (v: string, d) => <Link to={`/devices/${d.id}`}>{v}</Link> },
            { title: t('dev.col.type'), dataIndex: 'type', render: (v: DeviceType) => t(typeKey(v)) },
            { title: t('dev.col.makeModel'), key: 'mm', render: (_, d) => [d.make, d.model].filter(Boolean).join(' / ') || '—' },
            { title: t('dev.col.department'), dataIndex: 'departmentName' },
            { title: t('dev.col.status'), dataIndex: 'status', render: (v: DeviceStatus) => <DeviceStatusTag status={v} /> },
            { title: t('dev.col.holder'), key: 'holder', render: (_, d) => (d.holder ? t('dev.detail.holderSince', { name: d.holder.name, since: formatTime(d.holder.since, false) }) : '—') },
            {
              title: t('dev.col.maintenanceDue'),
              dataIndex: 'maintenanceDueOn',
              render: (v: string, d) => <Typography.Text type={d.maintenanceOverdue ? 'danger' : undefined}>{d.maintenanceOverdue ? `${v}（${t('dev.overdue')}）` : v}</Typography.Text>,
            },
          ]}
        />
      </Card>
      <DeviceFormModal open={creating} onClose={() => setCreating(false)} onSaved={() => (setCreating(false), void load())} />
      <DeviceImportModal open={importing} onClose={() => (setImporting(false), void load())} />
    </>
  );
}
