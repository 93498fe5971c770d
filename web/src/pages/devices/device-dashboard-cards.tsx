import { CameraOutlined, ToolOutlined } from '@ant-design/icons';
import { Card, Col, Statistic, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import { client, unwrap } from '../../api/client.ts';
import { useI18n } from '../../i18n/i18n-context.tsx';
import { useSession } from '../../session/session-context.tsx';
import type { DeviceList, Reminders } from './devices-api.ts';

/** 工作台 cards: devices in reach (in use now) and the maintenance reminders (第十八条). */
export function DeviceDashboardCards() {
  const { t } = useI18n();
  const { can } = useSession();
  const allowed = can('devices:read');
  const [reminders, setReminders] = useState<Reminders>();
  const [list, setList] = useState<DeviceList>();
  useEffect(() => {
    if (!allowed) return;
    void unwrap(client.GET('/api/devices/reminders')).then(setReminders, () => undefined);
    void unwrap(client.GET('/api/devices', { params: { query: { limit: 1 } } })).then(setList, () => undefined);
  }, [allowed]);
  if (!allowed) return null;
  const overdue = reminders?.items.filter((i) => i.overdue).length ?? 0;
  const total = list ? Object.values(list.counts).reduce((a, b) => a + b, 0) : undefined;
  return (
    <>
      <Col xs={24} sm={12} lg={8}>
        <Link to="/devices/maintenance">
          <Card hoverable data-testid="device-reminders-card">
            <Statistic title={t('dev.dash.reminders')} value={reminders?.items.length ?? '—'} loading={!reminders} prefix={<ToolOutlined />} />
            {overdue > 0 && <Typography.Text type="danger">{t('dev.dash.overdue', { n: overdue })}</Typography.Text>}
          </Card>
        </Link>
      </Col>
      <Col xs={24} sm={12} lg={8}>
        <Link to="/devices">
          <Card hoverable>
            <Statistic title={t('dev.dash.counts')} value={total ?? '—'} loading={!list} prefix={<CameraOutlined />} />
            {list && <Typography.Text type="secondary">{t('dev.dash.inUse', { n: list.counts.in_use ?? 0 })}</Typography.Text>}
          </Card>
        </Link>
      </Col>
    </>
  );
}
