import { ArrowLeftOutlined } from '@ant-design/icons';
import { Card, Col, Descriptions, Result, Row, Space, Spin, Tag, Typography } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { ApiError, client, unwrap } from '../../api/client.ts';
import { useI18n } from '../../i18n/i18n-context.tsx';
import { notifyError } from '../../lib/notify.ts';
import type { CaseView } from './cases-api.ts';
import { CaseFileCard } from '../case-files/case-file-card.tsx';
import { EvidencePackageCard } from '../evidence-packages/evidence-package-card.tsx';
import { CaseRetentionLine } from '../retention/retention-line.tsx';
import { CaseChecklistCard } from './case-checklist-card.tsx';
import { CaseDeadlinesCard } from './case-deadlines-card.tsx';
import { CaseLinksCard } from './case-links-card.tsx';
import { CasePartiesCard } from './case-parties-card.tsx';
import { CaseStageCard } from './case-stage-card.tsx';
import { ProcedureTag, StageTag } from './case-tags.tsx';

/** 案件详情: the case, its parties (masked), officers, stages, checklist with gaps, linked recordings and deadlines. */
export default function CaseDetailPage() {
  const { id = '' } = useParams();
  const { t } = useI18n();
  const [c, setCase] = useState<CaseView>();
  const [failure, setFailure] = useState<ApiError>();

  const load = useCallback(
    () =>
      unwrap(client.GET('/api/cases/{id}', { params: { path: { id } } })).then(setCase, (e: unknown) => {
        if (e instanceof ApiError && (e.status === 404 || e.status === 403 || e.status === 400)) setFailure(e);
        else notifyError(e);
      }),
    [id],
  );
  useEffect(() => {
    setCase(undefined);
    setFailure(undefined);
    void load();
  }, [load]);

  if (failure) return <Result status={failure.status === 403 ? '403' : '404'} title={failure.message} extra={<Link to="/cases">{t('cases.list.title')}</Link>} />;
  if (!c) return <Spin style={{ display: 'block', margin: '80px auto' }} />;
  const reload = () => void load();

  return (
    <>
      <Link to="/cases">
        <ArrowLeftOutlined /> {t('cases.list.title')}
      </Link>
      <Space align="center" style={{ margin: '8px 0 16px' }} wrap>
        <Typography.Title level={3} style={{ margin: 0 }} data-testid="case-number">
          {c.caseNumber}
        </Typography.Title>
        <StageTag stage={c.status} />
        <ProcedureTag procedure={c.procedure} />
        {c.gaps.length > 0 && <Tag color="red">{t('cases.gaps')}：{c.gaps.map((s) => t(`cases.stage.${s}`)).join('、')}</Tag>}
      </Space>
      <CaseRetentionLine caseId={c.id} />
      <Row gutter={16}>
        <Col xs={24} xl={12}>
          <Card title={t('cases.detail.title')} style={{ marginBottom: 16 }}>
            <Descriptions
              size="small"
              bordered
              column={{ xs: 1, md: 2 }}
              items={[
                { key: 'cause', label: t('cases.col.cause'), span: 2, children: c.cause },
                { key: 'act', label: t('cases.col.actKind'), children: t(`cases.actKind.${c.actKind as 'penalty'}`) },
                { key: 'coercive', label: t('cases.col.coercive'), children: t(c.coerciveMeasures ? 'cases.coercive.yes' : 'cases.coercive.no') },
                { key: 'dept', label: t('cases.col.department'), children: c.departmentName },
                { key: 'version', label: t('cases.col.checklistVersion'), children: `v${c.checklistVersion}` },
                { key: 'filed', label: t('cases.col.filedOn'), children: c.filedOn },
                { key: 'closed', label: t('cases.col.closedOn'), children: c.closedOn ?? '—' },
                {
                  key: 'officers',
                  label: t('cases.officers'),
                  span: 2,
                  children: (
                    <Space wrap>
                      {c.officers.map((o) => (
                        <span key={o.personId}>
                          {o.name}（{o.staffNumber}）{o.lead && <Tag color="blue">{t('cases.officers.lead')}</Tag>}
                          {!o.qualifiedToday && <Tag color="red">{t('cases.officers.unqualified')}</Tag>}
                        </span>
                      ))}
                    </Space>
                  ),
                },
              ]}
            />
          </Card>
        </Col>
        <Col xs={24} xl={12}>
          <CasePartiesCard c={c} onChange={setCase} />
        </Col>
      </Row>
      <CaseStageCard c={c} onChange={setCase} />
      <CaseChecklistCard c={c} onChanged={reload} />
      <Row gutter={16}>
        <Col xs={24} xl={12}>
          <CaseLinksCard c={c} onChanged={reload} />
        </Col>
        <Col xs={24} xl={12}>
          <CaseDeadlinesCard c={c} onChanged={reload} />
        </Col>
      </Row>
      {/* 卷宗: documents, 案卷评查, the bound case file, 归档 (src/modules/case-files). */}
      <CaseFileCard caseId={c.id} refreshKey={c} />
      {/* 证据包 (第十三条): the case's package under a copy grant, its progress, download and delivery. */}
      <EvidencePackageCard caseId={c.id} deadlines={c.deadlines} onDelivered={reload} />
    </>
  );
}
