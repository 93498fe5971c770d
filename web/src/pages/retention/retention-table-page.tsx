import { Button, Card, Form, Input, InputNumber, Select, Space, Table, Tag } from 'antd';
import { useState } from 'react';
import { client, unwrap } from '../../api/client.ts';
import { useI18n, type DictKey } from '../../i18n/i18n-context.tsx';
import { notifyError, notifySuccess } from '../../lib/notify.ts';
import { formatTime } from '../../lib/time.ts';
import { useSession } from '../../session/session-context.tsx';
import { useRetentionTable, type TableVersion } from './retention-api.ts';

const CATEGORIES = ['av_patrol', 'av_other', 'case_file_general', 'case_file_simple'] as const;
type Unit = 'months' | 'years' | 'permanent';

/** 保存期限表: versions (current, proposed, superseded); propose a version; a leader approves another's proposal. */
export default function RetentionTablePage() {
  const { t } = useI18n();
  const { can } = useSession();
  const { data, reload } = useRetentionTable();
  const [busy, setBusy] = useState(false);
  const [form] = Form.useForm();
  const period = (r: { unit: string; count: number | null }) => (r.unit === 'permanent' ? t('retention.unit.permanent') : `${r.count} ${t(`retention.unit.${r.unit}` as DictKey)}`);
  const current = data?.items.find((v) => v.state === 'current');

  const propose = async (values: { note?: string } & Record<string, { unit: Unit; count?: number }>) => {
    setBusy(true);
    try {
      await unwrap(client.POST('/api/retention/table', { body: { note: values.note ?? '', rules: CATEGORIES.map((c) => ({ category: c, unit: values[c]!.unit, count: values[c]!.unit === 'permanent' ? null : (values[c]!.count ?? null) })) } }));
      reload();
    } catch (e) {
      notifyError(e);
    } finally {
      setBusy(false);
    }
  };
  const approve = async (v: TableVersion) => {
    try {
      const r = await unwrap(client.POST('/api/retention/table/{id}/approve', { params: { path: { id: v.id } } }));
      notifySuccess(t('retention.table.approved', { n: r.recomputed.recordings }));
      reload();
    } catch (e) {
      notifyError(e);
    }
  };

  return (
    <Space direction="vertical" style={{ width: '100%' }} size="large">
      <Card title={t('retention.table.title')}>
        <Table<TableVersion>
          rowKey="id"
          loading={!data}
          dataSource={data?.items ?? []}
          pagination={false}
          columns={[
            { title: '#', render: (_, v) => t('retention.table.version', { version: v.version }) },
            { title: '', render: (_, v) => <Tag color={v.state === 'current' ? 'green' : v.state === 'proposed' ? 'orange' : undefined}>{t(`retention.table.state.${v.state}`)}</Tag> },
            ...CATEGORIES.map((c) => ({ title: t(`retention.basis.${c}` as DictKey), render: (_: unknown, v: TableVersion) => { const r = v.rules.find((x) => x.category === c); return r ? period(r) : '—'; } })),
            { title: t('retention.table.note'), dataIndex: 'note' },
            { title: t('retention.table.proposedBy'), render: (_, v) => (v.proposedBy ? `${v.proposedBy} ${formatTime(v.proposedAt, false)}` : '—') },
            { title: t('retention.table.approvedBy'), render: (_, v) => (v.approvedAt ? `${v.approvedBy ?? '—'} ${formatTime(v.approvedAt, false)}` : '—') },
            {
              title: '',
              render: (_, v) =>
                v.state === 'proposed' && can('retention:approve') ? (
                  <Button type="primary" size="small" data-testid={`approve-version-${v.version}`} onClick={() => void approve(v)}>
                    {t('retention.table.approve')}
                  </Button>
                ) : null,
            },
          ]}
        />
      </Card>
      {can('retention:propose') && current && (
        <Card title={t('retention.table.propose')}>
          <Form
            form={form}
            layout="inline"
            onFinish={(v) => void propose(v)}
            initialValues={Object.fromEntries(CATEGORIES.map((c) => { const r = current.rules.find((x) => x.category === c)!; return [c, { unit: r.unit, count: r.count ?? undefined }]; }))}
          >
            {CATEGORIES.map((c) => (
              <Form.Item key={c} label={t(`retention.basis.${c}` as DictKey)}>
                <Space.Compact>
                  <Form.Item name={[c, 'count']} noStyle>
                    <InputNumber min={1} max={1200} style={{ width: 80 }} data-testid={`count-${c}`} />
                  </Form.Item>
                  <Form.Item name={[c, 'unit']} noStyle>
                    <Select style={{ width: 100 }} options={(['months', 'years', 'permanent'] as const).map((u) => ({ value: u, label: t(`retention.unit.${u}`) }))} />
                  </Form.Item>
                </Space.Compact>
              </Form.Item>
            ))}
            <Form.Item name="note" label={t('retention.table.note')}>
              <Input style={{ width: 260 }} />
            </Form.Item>
            <Button type="primary" htmlType="submit" loading={busy} data-testid="propose-version">
              {t('retention.table.propose')}
            </Button>
          </Form>
        </Card>
      )}
    </Space>
  );
}
