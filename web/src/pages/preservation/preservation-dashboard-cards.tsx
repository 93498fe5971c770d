import { CalendarOutlined, SafetyCertificateOutlined, WarningOutlined } from '@ant-design/icons';
import { Card, Col, Statistic } from 'antd';
import { useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import { client, unwrap } from '../../api/client.ts';
import { useI18n } from '../../i18n/i18n-context.tsx';
import { useSession } from '../../session/session-context.tsx';

/** 工作台 cards: preservation marks to approve (leaders) and media alerts — a missing or unreadable medium (第十二条). */
export function PreservationDashboardCards() {
  const { t } = useI18n();
  const { can } = useSession();
  const [toApprove, setToApprove] = useState<number>();
  const [alerts, setAlerts] = useState<number>();
  const [due, setDue] = useState<number>();
  useEffect(() => {
    if (can('preservation:approve')) {
      unwrap(client.GET('/api/preservation-marks', { params: { query: { state: 'proposed' } } })).then((r) => setToApprove(r.items.filter((m) => m.mayDecide).length), () => undefined);
    }
    if (can('discs:read')) unwrap(client.GET('/api/media', { params: { query: { alerting: 'true' } } })).then((r) => setAlerts(r.items.length), () => undefined);
    // The custodians who check media see this round's share (due ones, topped up to at least 10 %).
    if (can('discs:write')) unwrap(client.GET('/api/media/check-round')).then((r) => setDue(r.items.length), () => undefined);
  }, [can]);
  return (
    <>
      {toApprove !== undefined && (
        <Col xs={24} sm={12} lg={8}>
          <Link to="/preservation?state=proposed">
            <Card hoverable data-testid="dash-pres-approve">
              <Statistic title={t('pres.dash.toApprove')} value={toApprove} prefix={<SafetyCertificateOutlined />} styles={toApprove ? { content: { color: '#d46b08' } } : undefined} />
            </Card>
          </Link>
        </Col>
      )}
      {alerts !== undefined && (
        <Col xs={24} sm={12} lg={8}>
          <Link to="/preservation/media">
            <Card hoverable data-testid="dash-media-alerts">
              <Statistic title={t('media.dash.alerts')} value={alerts} prefix={<WarningOutlined />} styles={alerts ? { content: { color: '#cf1322' } } : undefined} />
            </Card>
          </Link>
        </Col>
      )}
      {!!due && (
        <Col xs={24} sm={12} lg={8}>
          <Link to="/preservation/media">
            <Card hoverable data-testid="dash-media-due">
              <Statistic title={t('media.dash.due')} value={due} prefix={<CalendarOutlined />} />
            </Card>
          </Link>
        </Col>
      )}
    </>
  );
}
