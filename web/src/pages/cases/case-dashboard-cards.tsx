import { AlertOutlined, ClockCircleOutlined } from '@ant-design/icons';
import { Card, Col, List, Space, Typography } from 'antd';
import { Link } from 'react-router-dom';
import { useI18n } from '../../i18n/i18n-context.tsx';
import { useSession } from '../../session/session-context.tsx';
import { useCaseDashboard } from './cases-api.ts';
import { CountdownTag } from './case-tags.tsx';

/** 工作台 cards: stages of open cases missing their recordings (第十六条), and evidence deadlines (第十三条). */
export function CaseDashboardCards() {
  const { t } = useI18n();
  const { can } = useSession();
  const enabled = can('cases:read');
  const { gaps, deadlines } = useCaseDashboard(enabled);
  if (!enabled) return null;
  return (
    <>
      <Col xs={24} lg={12}>
        <Card
          data-testid="dash-case-gaps"
          title={
            <Space>
              <AlertOutlined style={{ color: gaps?.length ? '#cf1322' : undefined }} />
              {t('cases.dashboard.gaps')}
              {gaps && <Typography.Text type={gaps.length ? 'danger' : 'secondary'}>{gaps.length}</Typography.Text>}
            </Space>
          }
        >
          <List
            size="small"
            loading={gaps === undefined}
            dataSource={gaps ?? []}
            locale={{ emptyText: t('cases.dashboard.none') }}
            renderItem={(g) => (
              <List.Item>
                <Link to={`/cases/${g.caseId}`}>{g.caseNumber}</Link>
                <span>
                  {t(`cases.stage.${g.stage}`)}：{g.items.join('、')}
                </span>
              </List.Item>
            )}
          />
        </Card>
      </Col>
      <Col xs={24} lg={12}>
        <Card
          data-testid="dash-case-deadlines"
          title={
            <Space>
              <ClockCircleOutlined />
              {t('cases.dashboard.deadlines')}
              {deadlines && <Typography.Text type="secondary">{deadlines.length}</Typography.Text>}
            </Space>
          }
        >
          <List
            size="small"
            loading={deadlines === undefined}
            dataSource={deadlines ?? []}
            locale={{ emptyText: t('cases.dashboard.none') }}
            renderItem={(d) => (
              <List.Item>
                <Link to={`/cases/${d.caseId}`}>{d.caseNumber}</Link>
                <span>{t(`cases.deadlines.kind.${d.kind}`)}</span>
                <span>
                  {d.dueOn} <CountdownTag d={d} />
                </span>
              </List.Item>
            )}
          />
        </Card>
      </Col>
    </>
  );
}
