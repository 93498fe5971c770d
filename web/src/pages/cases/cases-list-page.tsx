import { PlusOutlined } from '@ant-design/icons';
import { Button, Card, Form, Input, Select, Space, Table } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { client, unwrap } from '../../api/client.ts';
import { useI18n } from '../../i18n/i18n-context.tsx';
import { notifyError } from '../../lib/notify.ts';
import { useSession } from '../../session/session-context.tsx';
import { STAGES, type CaseListItem, type CaseStage } from './cases-api.ts';
import { ProcedureTag, StageTag } from './case-tags.tsx';

/** 案件列表: the cases the user may read, filtered by stage, procedure and text; newest first. */
export default function CasesListPage() {
  const { t } = useI18n();
  const { can } = useSession();
  const [params, setParams] = useSearchParams();
  const status = (params.get('status') as CaseStage | null) ?? undefined;
  const procedure = (params.get('procedure') as 'simple' | 'general' | null) ?? undefined;
  const q = params.get('q') ?? undefined;
  const [items, setItems] = useState<CaseListItem[]>();
  const [cursor, setCursor] = useState<string | null>(null);

  const load = useCallback(
    (after?: string) =>
      unwrap(client.GET('/api/cases', { params: { query: { limit: 50, ...(status && { status }), ...(procedure && { procedure }), ...(q && { q }), ...(after && { cursor: after }) } } })).then((r) => {
        setItems((prev) => (after ? [...(prev ?? []), ...r.items] : r.items));
        setCursor(r.nextCursor);
      }, notifyError),
    [status, procedure, q],
  );
  useEffect(() => {
    setItems(undefined);
    void load();
  }, [load]);

  const set = (k: string, v: string | undefined) => {
    const next = new URLSearchParams(params);
    if (v) next.set(k, v);
    else next.delete(k);
    setParams(next);
  };

  return (
    <Card
      title={t('cases.list.title')}
      extra={
        can('cases:write') && (
          <Link to="/cases/new">
            <Button type="primary" icon={<PlusOutlined />} data-testid="new-case">
              {t('cases.new')}
            </Button>
          </Link>
        )
      }
    >
      <Form layout="inline" style={{ marginBottom: 16, rowGap: 8 }}>
        <Form.Item>
          <Input.Search allowClear placeholder={t('cases.filter.q')} defaultValue={q} onSearch={(v) => set('q', v.trim() || undefined)} style={{ width: 260 }} />
        </Form.Item>
        <Form.Item label={t('cases.filter.status')}>
          <Select allowClear style={{ width: 140 }} value={status} onChange={(v) => set('status', v)} options={STAGES.map((s) => ({ value: s, label: t(`cases.stage.${s}`) }))} />
        </Form.Item>
        <Form.Item label={t('cases.filter.procedure')}>
          <Select
            allowClear
            style={{ width: 140 }}
            value={procedure}
            onChange={(v) => set('procedure', v)}
            options={[
              { value: 'general', label: t('cases.procedure.general') },
              { value: 'simple', label: t('cases.procedure.simple') },
            ]}
          />
        </Form.Item>
      </Form>
      <Table<CaseListItem>
        rowKey="id"
        loading={items === undefined}
        dataSource={items ?? []}
        pagination={false}
        locale={{ emptyText: t('cases.empty') }}
        columns={[
          { title: t('cases.col.caseNumber'), dataIndex: 'caseNumber', render: (v: string, r) => <Link to={`/cases/${r.id}`}>{v}</Link> },
          { title: t('cases.col.cause'), dataIndex: 'cause' },
          { title: t('cases.col.parties'), dataIndex: 'parties' },
          { title: t('cases.col.procedure'), render: (_, r) => <ProcedureTag procedure={r.procedure} /> },
          { title: t('cases.col.status'), render: (_, r) => <StageTag stage={r.status} /> },
          { title: t('cases.col.department'), dataIndex: 'departmentName' },
          { title: t('cases.col.filedOn'), dataIndex: 'filedOn' },
        ]}
      />
      {cursor && (
        <Space style={{ marginTop: 16 }}>
          <Button onClick={() => void load(cursor)}>{t('common.loadMore')}</Button>
        </Space>
      )}
    </Card>
  );
}
