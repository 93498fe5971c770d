import { Alert, Card, Table, Typography } from 'antd';
import { useState } from 'react';
import type { AuditEvent } from '../../api/types.ts';
import { LoadMore } from '../../components/load-more.tsx';
import { useI18n } from '../../i18n/i18n-context.tsx';
import { formatTime } from '../../lib/time.ts';
import { useCursorList } from '../../lib/use-cursor-list.ts';
import { useSession } from '../../session/session-context.tsx';
import { AuditFilters, type AuditQuery } from './audit-filters.tsx';
import { ChainStatusCard } from './chain-status-card.tsx';

const compactJson = (v: unknown) => JSON.stringify(v);

/** 审计日志: the chain status with "verify now", and the events newest first with filters. */
export default function AuditPage() {
  const { t, maybe } = useI18n();
  const { can } = useSession();
  const [query, setQuery] = useState<AuditQuery>({});
  const list = useCursorList<AuditEvent>('/api/audit-events', { ...query });

  return (
    <>
      <Typography.Title level={3} style={{ marginTop: 0 }}>
        {t('audit.title')}
      </Typography.Title>
      {/* Every list read appends an audit.read event, so the head moves: refresh it with the list. */}
      <ChainStatusCard mayVerify={can('audit:verify')} refreshKey={list.items.length} />
      <Card>
        <AuditFilters onChange={setQuery} />
        <Alert type="info" showIcon title={t('audit.readNote')} style={{ marginBottom: 16 }} />
        <Table<AuditEvent>
          rowKey="seq"
          size="middle"
          loading={list.loading}
          dataSource={list.items}
          pagination={false}
          scroll={{ x: 1100 }}
          locale={{ emptyText: t('audit.empty') }}
          data-testid="audit-table"
          expandable={{
            expandedRowRender: (e) => (
              <div style={{ fontSize: 12 }}>
                <pre style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all', margin: 0 }}>{JSON.stringify(e.details, null, 2)}</pre>
                <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                  {t('audit.hash')}: <Typography.Text code>{e.hash}</Typography.Text>
                </Typography.Text>
              </div>
            ),
          }}
          columns={[
            { title: t('audit.seq'), dataIndex: 'seq', width: 80 },
            { title: t('audit.time'), dataIndex: 'at', width: 180, render: (v: string) => formatTime(v) },
            { title: t('audit.actor'), dataIndex: 'actorLabel', width: 130 },
            {
              title: t('audit.action'),
              dataIndex: 'action',
              width: 220,
              render: (a: string) => (
                <>
                  <div>{maybe(`action.${a}`) ?? a}</div>
                  <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                    {a}
                  </Typography.Text>
                </>
              ),
            },
            {
              title: t('audit.target'),
              key: 'target',
              width: 200,
              render: (_, e) =>
                e.targetType ? (
                  <>
                    <div>{maybe(`target.${e.targetType}`) ?? e.targetType}</div>
                    {e.targetId && (
                      <Typography.Text type="secondary" style={{ fontSize: 12 }} copyable={{ text: e.targetId }}>
                        {e.targetId.length > 12 ? `${e.targetId.slice(0, 8)}…` : e.targetId}
                      </Typography.Text>
                    )}
                  </>
                ) : (
                  '—'
                ),
            },
            {
              title: t('audit.details'),
              dataIndex: 'details',
              ellipsis: true,
              render: (d: Record<string, unknown>) => (
                <Typography.Text code style={{ fontSize: 12 }}>
                  {compactJson(d)}
                </Typography.Text>
              ),
            },
          ]}
        />
        <LoadMore hasMore={list.hasMore} loading={list.loading} count={list.items.length} onLoadMore={() => void list.loadMore()} />
      </Card>
    </>
  );
}
