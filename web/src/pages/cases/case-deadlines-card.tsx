import { Button, Card, Checkbox, DatePicker, Form, Input, Modal, Select, Space, Table, Typography } from 'antd';
import type { Dayjs } from 'dayjs';
import { useState } from 'react';
import { client, unwrap } from '../../api/client.ts';
import { useI18n } from '../../i18n/i18n-context.tsx';
import { showFormError } from '../../lib/notify.ts';
import { formatDate } from '../../lib/time.ts';
import type { CaseDeadline, CaseView } from './cases-api.ts';
import { CountdownTag } from './case-tags.tsx';

interface AddValues {
  kind: 'reconsideration' | 'litigation';
  receivedOn: Dayjs;
  simplified?: boolean;
  authority?: string;
  reference?: string;
}

/** 举证期限 (第十三条): reconsiderations and lawsuits against the case, the deadline countdown, delivery. */
export function CaseDeadlinesCard({ c, onChanged }: { c: CaseView; onChanged(): void }) {
  const { t } = useI18n();
  const [adding, setAdding] = useState(false);
  const [delivering, setDelivering] = useState<CaseDeadline>();
  const [form] = Form.useForm<AddValues>();
  const [dform] = Form.useForm<{ deliveredOn: Dayjs; note?: string }>();
  const kind = Form.useWatch('kind', form);

  const add = async (v: AddValues) => {
    try {
      await unwrap(
        client.POST('/api/cases/{id}/deadlines', {
          params: { path: { id: c.id } },
          body: { kind: v.kind, receivedOn: formatDate(v.receivedOn)!, ...(v.kind === 'reconsideration' && { simplified: !!v.simplified }), authority: v.authority ?? '', reference: v.reference ?? '' },
        }),
      );
      setAdding(false);
      form.resetFields();
      onChanged();
    } catch (e) {
      showFormError(form, e, ['kind', 'receivedOn', 'simplified', 'authority', 'reference']);
    }
  };
  const deliver = async (v: { deliveredOn: Dayjs; note?: string }) => {
    if (!delivering) return;
    try {
      await unwrap(client.POST('/api/cases/{id}/deadlines/{deadlineId}/delivered', { params: { path: { id: c.id, deadlineId: delivering.id } }, body: { deliveredOn: formatDate(v.deliveredOn)!, note: v.note?.trim() || null } }));
      setDelivering(undefined);
      dform.resetFields();
      onChanged();
    } catch (e) {
      showFormError(dform, e, ['deliveredOn', 'note']);
    }
  };

  return (
    <Card
      title={t('cases.deadlines')}
      style={{ marginBottom: 16 }}
      extra={
        c.canEdit && (
          <Button onClick={() => { form.setFieldsValue({ kind: 'reconsideration', simplified: c.procedure === 'simple' }); setAdding(true); }}>
            {t('cases.deadlines.add')}
          </Button>
        )
      }
    >
      <Typography.Paragraph type="secondary" style={{ fontSize: 12 }}>{t('cases.deadlines.hint')}</Typography.Paragraph>
      <Table<CaseDeadline>
        rowKey="id"
        size="small"
        pagination={false}
        dataSource={c.deadlines}
        data-testid="case-deadlines"
        locale={{ emptyText: t('cases.deadlines.empty') }}
        columns={[
          { title: t('cases.deadlines.kind'), render: (_, d) => t(`cases.deadlines.kind.${d.kind}`) },
          { title: t('cases.deadlines.authority'), render: (_, d) => [d.authority, d.reference].filter(Boolean).join(' ') || '—' },
          { title: t('cases.deadlines.receivedOn'), dataIndex: 'receivedOn' },
          { title: '', render: (_, d) => t('cases.deadlines.period', { n: d.periodDays, unit: t(d.workingDays ? 'cases.deadlines.unit.working' : 'cases.deadlines.unit.calendar') }) },
          { title: t('cases.deadlines.dueOn'), render: (_, d) => <Space><strong>{d.dueOn}</strong><CountdownTag d={d} /></Space> },
          {
            title: '',
            render: (_, d) =>
              !d.deliveredOn && c.canEdit ? (
                <Button size="small" type="link" onClick={() => setDelivering(d)}>
                  {t('cases.deadlines.markDelivered')}
                </Button>
              ) : (
                d.deliveryNote
              ),
          },
        ]}
      />
      <Modal title={t('cases.deadlines.add')} open={adding} onCancel={() => setAdding(false)} onOk={() => form.submit()} destroyOnHidden>
        <Form form={form} layout="vertical" onFinish={add}>
          <Form.Item name="kind" label={t('cases.deadlines.kind')}>
            <Select options={(['reconsideration', 'litigation'] as const).map((k) => ({ value: k, label: t(`cases.deadlines.kind.${k}`) }))} />
          </Form.Item>
          <Form.Item name="receivedOn" label={t('cases.deadlines.receivedOn')} rules={[{ required: true, message: t('common.select', { field: t('cases.deadlines.receivedOn') }) }]}>
            <DatePicker />
          </Form.Item>
          {kind === 'reconsideration' && (
            <Form.Item name="simplified" valuePropName="checked">
              <Checkbox>{t('cases.deadlines.simplified')}</Checkbox>
            </Form.Item>
          )}
          <Form.Item name="authority" label={t('cases.deadlines.authority')}>
            <Input maxLength={200} />
          </Form.Item>
          <Form.Item name="reference" label={t('cases.deadlines.reference')}>
            <Input maxLength={100} />
          </Form.Item>
        </Form>
      </Modal>
      <Modal title={t('cases.deadlines.markDelivered')} open={!!delivering} onCancel={() => setDelivering(undefined)} onOk={() => dform.submit()} destroyOnHidden>
        <Form form={dform} layout="vertical" onFinish={deliver}>
          <Form.Item name="deliveredOn" label={t('cases.deadlines.deliveredOn')} rules={[{ required: true }]}>
            <DatePicker />
          </Form.Item>
          <Form.Item name="note" label={t('cases.links.note')}>
            <Input maxLength={300} />
          </Form.Item>
        </Form>
      </Modal>
    </Card>
  );
}
