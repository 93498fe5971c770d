import { AlertOutlined, PlusOutlined } from '@ant-design/icons';
import { Badge, Button, Card, Space, Table, Tabs, Tag, Typography } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { client, unwrap } from '../../api/client.ts';
import { useI18n } from '../../i18n/i18n-context.tsx';
import { notifyError } from '../../lib/notify.ts';
import { formatTime } from '../../lib/time.ts';
import { useSession } from '../../session/session-context.tsx';
import { useAccessCounts, type AccessRequestListItem, type Box } from './access-api.ts';
import { GrantStateTag, ModeTag, RequestStateTag } from './access-tags.tsx';

/** 调阅审批: my requests, requests waiting for my decision, break-glass waiting for my review, decided ones. */
export default function AccessListPage() {
  const { t } = useI18n();
  const { can } = useSession();
  const [params, setParams] = useSearchParams();
  const approver = can('access:approve');
  const box = (params.get('box') as Box | null) ?? (approver ? 'approve' : 'mine');
  const [items, setItems] = useState<AccessRequestListItem[]>();
  const [cursor, setCursor] = useState<string | null>(null);
  const counts = useAccessCounts();

  const load = useCallback(
    (after?: string) =>
      unwrap(client.GET('/api/access-requests', { params: { query: { box, limit: 50, ...(after && { cursor: after }) } } })).then((r) => {
        setItems((prev) => (after ? [...(prev ?? []), ...r.items] : r.items));
        setCursor(r.nextCursor);
      }, notifyError),
    [box],
  );
  useEffect(() => {
    setItems(undefined);
    void load();
  }, [load]);

  const tabs = [
    { key: 'mine', label: t('access.mine.title') },
    ...(approver
      ? [
          { key: 'approve', label: <Badge count={counts?.toApprove ?? 0} size="small" offset={[8, 0]}>{t('access.approve.title')}</Badge> },
          { key: 'review', label: <Badge count={counts?.toReview ?? 0} size="small" offset={[8, 0]}>{t('access.review.title')}</Badge> },
          { key: 'decided', label: t('access.decided.title') },
        ]
      : []),
  ];

  return (
    <Card
      title={t('nav.accessGroup')}
      extra={
        <Space>
          <Link to="/access/new"><Button type="primary" icon={<PlusOutlined />}>{t('nav.accessNew')}</Button></Link>
          <Link to="/access/break-glass"><Button danger icon={<AlertOutlined />}>{t('nav.accessBreakGlass')}</Button></Link>
        </Space>
      }
    >
      <Tabs activeKey={box} items={tabs} onChange={(k) => setParams({ box: k })} />
      <Table<AccessRequestListItem>
        rowKey="id"
        loading={items === undefined}
        dataSource={items ?? []}
        pagination={false}
        locale={{ emptyText: t('access.empty') }}
        columns={[
          { title: t('access.col.createdAt'), dataIndex: 'createdAt', render: (v: string, r) => <Link to={`/access/${r.id}`}>{formatTime(v, false)}</Link> },
          { title: t('access.col.requester'), render: (_, r) => r.requester?.displayName ?? r.requester?.username },
          { title: t('access.col.department'), dataIndex: 'departmentName' },
          {
            title: t('access.col.purpose'),
            render: (_, r) => (
              <Space size={4} wrap>
                {r.emergency && <Tag color="red">{t('access.emergency')}</Tag>}
                <Typography.Text ellipsis style={{ maxWidth: 280 }}>{r.purpose}</Typography.Text>
              </Space>
            ),
          },
          { title: t('access.col.mode'), render: (_, r) => <ModeTag mode={r.mode} /> },
          { title: t('access.col.count'), dataIndex: 'recordingCount' },
          { title: t('access.col.period'), render: (_, r) => `${formatTime(r.grant?.validFrom ?? r.periodFrom, false)} – ${formatTime(r.grant?.validUntil ?? r.periodUntil, false)}` },
          {
            title: t('access.col.state'),
            render: (_, r) => (
              <Space size={4} wrap>
                <RequestStateTag state={r.state} />
                {r.grant && <GrantStateTag state={r.grant.state} />}
                {r.grant && r.grant.reviewState !== 'none' && <Tag>{t(`access.review.${r.grant.reviewState}`)}</Tag>}
              </Space>
            ),
          },
          { title: t('access.col.copies'), render: (_, r) => (r.grant ? r.grant.copies : '—') },
          { title: '', render: (_, r) => <Link to={`/access/${r.id}`} data-testid="open-request">{r.canDecide ? t('access.decision') : t('access.open')}</Link> },
        ]}
      />
      {cursor && <Button style={{ marginTop: 16 }} onClick={() => void load(cursor)}>{t('common.loadMore')}</Button>}
    </Card>
  );
}
