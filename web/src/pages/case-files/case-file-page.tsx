import { Button, Space, Typography } from 'antd';
import { Link, useParams } from 'react-router-dom';
import { useI18n } from '../../i18n/i18n-context.tsx';
import { CaseFileCard } from './case-file-card.tsx';

/** /cases/:id/case-file — the 卷宗 card on a page of its own (the case detail page shows the same card). */
export default function CaseFilePage() {
  const { id } = useParams<{ id: string }>();
  const { t } = useI18n();
  return (
    <div>
      <Space style={{ marginBottom: 16 }} align="center">
        <Typography.Title level={3} style={{ margin: 0 }}>
          {t('caseFile.pageTitle')}
        </Typography.Title>
        <Link to={`/cases/${id}`}>
          <Button type="link">{t('cases.detail.title')}</Button>
        </Link>
      </Space>
      <CaseFileCard caseId={id!} />
    </div>
  );
}
