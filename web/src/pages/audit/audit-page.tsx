import { HistoryOutlined } from '@ant-design/icons';
import { Alert, Card, Table, Tag, Tooltip, Typography } from 'antd';
import { Link } from 'react-router-dom';
import type { AuditEvent } from '../../api/shapes.ts';
import { LoadMore } from '../../components/load-more.tsx';
import { useI18n } from '../../i18n/i18n-context.tsx';
import { formatTime } from '../../lib/time.ts';
import { useCursorList } from '../../lib/use-cursor-list.ts';
import { useUrlFilters } from '../../lib/use-url-filters.ts';
import { useSession } from '../../session/session-context.tsx';
import { AuditFilters, auditFilterSpec } from './audit-filters.tsx';
import { useAuditNames } from './audit-names.ts';
import { AuditSentence, historyHref, targetName } from './audit-sentence.tsx';
import { ChainStatusCard } from './chain-status-card.tsx';

/**
 * 审计日志: the chain status with "verify now", and the events newest first with filters (kept in
 * the URL). Each event reads as a sentence with a link to its target; the raw record stays one
 * click away in the expanded row.
 */
export default function AuditPage() {
  const { t, maybe } = useI18n();
  const { can } = useSession();
  const [query, setQuery] = useUrlFilters(auditFilterSpec);
  const list = useCursorList('/api/audit-events', { ...query });
  const names = useAuditNames(list.items);
  const oneTarget = query.targetType && query.targetId ? { type: query.targetType, id: query.targetId } : undefined;
  const oneTargetEvent = oneTarget && list.items.find((e) => e.targetId === oneTarget.id);

  return (
    <>
      <Typography.Title level={3} style={{ marginTop: 0 }}>
        {t('audit.title')}
      </Typography.Title>
      {/* Every list read appends an audit.read event, so the head moves: refresh it with the list. */}
      <ChainStatusCard mayVerify={can('audit:verify')} refreshKey={list.items.length} />
      <Card>
        <AuditFilters value={query} onChange={(q) => setQuery({ ...q })} />
        {oneTarget && (
          <Tag closable onClose={() => setQuery({ ...query, targetId: undefined })} style={{ marginBottom: 16 }} data-testid="audit-target-filter">
            {t('audit.filteredByTarget', {
              kind: maybe(`target.${oneTarget.type}`) ?? oneTarget.type,
              name: (oneTargetEvent && targetName(oneTargetEvent, names)) ?? oneTarget.id,
            })}
          </Tag>
        )}
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
                <Typography.Text type="secondary">{t('audit.rawDetails')}</Typography.Text>
                <pre style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all', margin: 0 }}>{JSON.stringify(e.details, null, 2)}</pre>
                <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                  {t('audit.hash')}: <Typography.Text code>{e.hash}</Typography.Text>
                </Typography.Text>
              </div>
            ),
          }}
          columns={[
            { title: t('audit.seq'), dataIndex: 'seq', width: 80 },
            { title: t('audit.time'), dataIndex: 'at', width: 170, render: (v: string) => formatTime(v) },
            { title: t('audit.sentence'), key: 'sentence', render: (_, e) => <AuditSentence event={e} names={names} /> },
            {
              title: t('audit.action'),
              dataIndex: 'action',
              width: 190,
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
              width: 130,
              render: (_, e) =>
                e.targetType ? (
                  <>
                    <div>{maybe(`target.${e.targetType}`) ?? e.targetType}</div>
                    {e.targetId && (
                      <Tooltip title={t('audit.historyOf')}>
                        <Link to={historyHref(e.targetType, e.targetId)} style={{ fontSize: 12 }} aria-label={t('audit.historyOf')}>
                          <HistoryOutlined />
                        </Link>
                      </Tooltip>
                    )}
                  </>
                ) : (
                  '—'
                ),
            },
          ]}
        />
        <LoadMore hasMore={list.hasMore} loading={list.loading} count={list.items.length} onLoadMore={() => void list.loadMore()} />
      </Card>
    </>
  );
}
