import { AlertOutlined, InboxOutlined } from '@ant-design/icons';
import { Card, Col, Statistic } from 'antd';
import { Link } from 'react-router-dom';
import { useI18n } from '../../i18n/i18n-context.tsx';
import { useAccessCounts } from './access-api.ts';

/** 工作台 cards for leaders: access requests to decide and break-glass to review (第十四条). */
export function AccessDashboardCards() {
  const { t } = useI18n();
  const c = useAccessCounts();
  if (!c) return null;
  return (
    <>
      <Col xs={24} sm={12} lg={8}>
        <Link to="/access?box=approve">
          <Card hoverable data-testid="dash-access-approve">
            <Statistic title={t('access.dashboard.toApprove')} value={c.toApprove} prefix={<InboxOutlined />} styles={c.toApprove ? { content: { color: '#d46b08' } } : undefined} />
          </Card>
        </Link>
      </Col>
      <Col xs={24} sm={12} lg={8}>
        <Link to="/access?box=review">
          <Card hoverable data-testid="dash-access-review">
            <Statistic title={t('access.dashboard.toReview')} value={c.toReview} prefix={<AlertOutlined />} styles={c.toReview ? { content: { color: '#cf1322' } } : undefined} />
          </Card>
        </Link>
      </Col>
    </>
  );
}
