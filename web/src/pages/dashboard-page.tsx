import { ApartmentOutlined, IdcardOutlined, SafetyCertificateOutlined } from '@ant-design/icons';
import { Card, Col, Row, Statistic, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import { client, unwrap } from '../api/client.ts';
import type { Department, Person } from '../api/shapes.ts';
import { FixityAlert } from '../components/fixity-alert.tsx';
import { AccessDashboardCards } from './access/access-dashboard-cards.tsx';
import { DeviceDashboardCards } from './devices/device-dashboard-cards.tsx';
import { CaseDashboardCards } from './cases/case-dashboard-cards.tsx';
import { PreservationDashboardCards } from './preservation/preservation-dashboard-cards.tsx';
import { RetentionDigestCard } from './retention/retention-digest-card.tsx';
import { RoleTags } from '../components/role-tags.tsx';
import { useI18n } from '../i18n/i18n-context.tsx';
import { notifyError } from '../lib/notify.ts';
import { useSession } from '../session/session-context.tsx';

/** The API has no count endpoint yet: one page of this size is read and "N+" shown beyond it. */
const COUNT_PAGE = 200;

interface PeopleCount {
  shown: number;
  more: boolean;
  qualified: number;
}

/** 工作台: welcome, the user's roles, and counts of what they may see. */
export default function DashboardPage() {
  const { t } = useI18n();
  const { me, can } = useSession();
  const [departments, setDepartments] = useState<number>();
  const [people, setPeople] = useState<PeopleCount>();

  useEffect(() => {
    if (can('departments:read')) unwrap(client.GET('/api/departments')).then((r) => setDepartments(r.items.length), notifyError);
    if (can('people:read')) {
      unwrap(client.GET('/api/personnel', { params: { query: { limit: COUNT_PAGE } } }))
        .then((r) => setPeople({ shown: r.items.length, more: r.nextCursor !== null, qualified: r.items.filter((p) => p.qualification.qualified).length }), notifyError);
    }
  }, [can]);

  if (!me) return null;
  const plus = (n: number, more: boolean) => (more ? t('dash.atLeast', { n }) : n);

  return (
    <>
      <FixityAlert />
      <Card style={{ marginBottom: 24 }}>
        <Typography.Title level={3} style={{ marginTop: 0 }}>
          {t('dash.welcome', { name: me.displayName })}
        </Typography.Title>
        <Typography.Paragraph type="secondary">{t('dash.intro')}</Typography.Paragraph>
        <Typography.Text strong style={{ marginRight: 8 }}>
          {t('dash.myRoles')}:
        </Typography.Text>
        {me.roles.length ? <RoleTags roles={me.roles} /> : <Typography.Text type="warning">{t('dash.noRoles')}</Typography.Text>}
      </Card>
      <Row gutter={[24, 24]}>
        <AccessDashboardCards />
        <DeviceDashboardCards />
        <CaseDashboardCards />
        <PreservationDashboardCards />
        <RetentionDigestCard />
        {can('departments:read') && (
          <Col xs={24} sm={12} lg={8}>
            <Link to="/system/departments">
              <Card hoverable>
                <Statistic title={t('dash.departments')} value={departments ?? '—'} loading={departments === undefined} prefix={<ApartmentOutlined />} />
              </Card>
            </Link>
          </Col>
        )}
        {can('people:read') && (
          <>
            <Col xs={24} sm={12} lg={8}>
              <Link to="/system/people">
                <Card hoverable>
                  <Statistic title={t('dash.people')} value={people ? plus(people.shown, people.more) : '—'} loading={people === undefined} prefix={<IdcardOutlined />} />
                </Card>
              </Link>
            </Col>
            <Col xs={24} sm={12} lg={8}>
              <Card>
                <Statistic
                  title={t('dash.peopleQualified')}
                  value={people ? plus(people.qualified, people.more) : '—'}
                  loading={people === undefined}
                  prefix={<SafetyCertificateOutlined />}
                  styles={{ content: { color: '#389e0d' } }}
                />
              </Card>
            </Col>
          </>
        )}
      </Row>
    </>
  );
}
