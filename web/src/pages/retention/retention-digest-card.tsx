import { HourglassOutlined } from '@ant-design/icons';
import { Card, Col, List, Space, Typography } from 'antd';
import { Link } from 'react-router-dom';
import { useI18n, type DictKey } from '../../i18n/i18n-context.tsx';
import { useSession } from '../../session/session-context.tsx';
import { useDigest } from './retention-api.ts';

/** 工作台 weekly digest: recordings reaching their retention date within the digest window (setting, default 30 days). */
export function RetentionDigestCard() {
  const { t } = useI18n();
  const { can } = useSession();
  const enabled = can('recordings:read');
  const { data } = useDigest(enabled);
  if (!enabled) return null;
  return (
    <Col xs={24} lg={12}>
      <Card
        data-testid="dash-retention-digest"
        title={
          <Space>
            <HourglassOutlined />
            {t('retention.digest.title')}
            {data && <Typography.Text type="secondary">{data.total}</Typography.Text>}
          </Space>
        }
      >
        <List
          size="small"
          loading={!data}
          dataSource={data?.items ?? []}
          locale={{ emptyText: t('retention.digest.none') }}
          renderItem={(i) => (
            <List.Item>
              <Link to={`/recordings/${i.id}`}>{i.fileName}</Link>
              <span>{t('retention.keepUntil', { date: i.keepUntil, rule: t(`retention.basis.${i.basis}` as DictKey) })}</span>
            </List.Item>
          )}
        />
      </Card>
    </Col>
  );
}
