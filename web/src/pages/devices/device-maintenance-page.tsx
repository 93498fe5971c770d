import { Card, Col, InputNumber, Row, Table, Tag, Typography } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import { client, unwrap } from '../../api/client.ts';
import { useI18n } from '../../i18n/i18n-context.tsx';
import { notifyError, notifySuccess } from '../../lib/notify.ts';
import { useSession } from '../../session/session-context.tsx';
import { DeviceStatusTag } from './device-tags.tsx';
import { typeKey, type DeviceType, type Reminders } from './devices-api.ts';

type Item = Reminders['items'][number];

/** 保养 (第十八条): devices due or overdue, and the maintenance interval per type (the admin sets it). */
export default function DeviceMaintenancePage() {
  const { t } = useI18n();
  const { can } = useSession();
  const mayConfigure = can('devices:configure');
  const [reminders, setReminders] = useState<Reminders>();
  const [policies, setPolicies] = useState<{ type: DeviceType; maintenanceIntervalDays: number }[]>([]);
  const load = useCallback(() => {
    void unwrap(client.GET('/api/devices/reminders')).then(setReminders, notifyError);
    void unwrap(client.GET('/api/device-types')).then((r) => setPolicies(r.items), notifyError);
  }, []);
  useEffect(load, [load]);

  const setInterval = (type: DeviceType, days: number | null) => {
    if (!days) return;
    void unwrap(client.PUT('/api/device-types/{type}', { params: { path: { type } }, body: { maintenanceIntervalDays: days } })).then(() => {
      notifySuccess(t('common.saved'));
      load();
    }, notifyError);
  };

  return (
    <>
      <Typography.Title level={3} style={{ marginTop: 0 }}>
        {t('dev.mt.title')}
      </Typography.Title>
      <Typography.Paragraph type="secondary">{t('dev.mt.intro', { days: reminders?.reminderDays ?? 14 })}</Typography.Paragraph>
      <Row gutter={[24, 24]}>
        <Col xs={24} lg={16}>
          <Card title={t('dev.mt.due')}>
            <Table<Item>
              rowKey={(i) => i.device.id}
              size="small"
              loading={!reminders}
              dataSource={reminders?.items ?? []}
              pagination={false}
              locale={{ emptyText: t('dev.mt.none') }}
              data-testid="maintenance-due"
              columns={[
                { title: t('dev.col.number'), key: 'n', render: (_, i) => <Link to={`/devices/${i.device.id}`}>{i.device.deviceNumber}</Link> },
                { title: t('dev.col.type'), key: 'ty', render: (_, i) => t(typeKey(i.device.type)) },
                { title: t('dev.col.department'), key: 'd', render: (_, i) => i.device.departmentName },
                { title: t('dev.col.status'), key: 's', render: (_, i) => <DeviceStatusTag status={i.device.status} /> },
                { title: t('dev.col.maintenanceDue'), dataIndex: 'dueOn' },
                { title: t('dev.mt.daysLeft'), key: 'l', render: (_, i) => (i.overdue ? <Tag color="error">{t('dev.overdue')}</Tag> : i.daysLeft) },
              ]}
            />
          </Card>
        </Col>
        <Col xs={24} lg={8}>
          <Card title={t('dev.mt.policies')}>
            <Table
              rowKey="type"
              size="small"
              dataSource={policies}
              pagination={false}
              columns={[
                { title: t('dev.col.type'), dataIndex: 'type', render: (v: DeviceType) => t(typeKey(v)) },
                {
                  title: t('dev.mt.intervalDays'),
                  dataIndex: 'maintenanceIntervalDays',
                  render: (v: number, p) =>
                    mayConfigure ? <InputNumber min={1} max={3650} defaultValue={v} onBlur={(e) => Number(e.target.value) !== v && setInterval(p.type, Number(e.target.value))} /> : v,
                },
              ]}
            />
          </Card>
        </Col>
      </Row>
    </>
  );
}
