import { PlusOutlined } from '@ant-design/icons';
import { Button, Col, DatePicker, Form, Input, InputNumber, Row, Table } from 'antd';
import type { Dayjs } from 'dayjs';
import { useCallback, useEffect, useState } from 'react';
import { client, unwrap } from '../../api/client.ts';
import type { TrainingRecord } from '../../api/shapes.ts';
import { useI18n } from '../../i18n/i18n-context.tsx';
import { notifyError, notifySuccess, showFormError } from '../../lib/notify.ts';
import { textRules, validFormValues } from '../../lib/validation.ts';

interface Values {
  heldOn: Dayjs;
  subject: string;
  hours: number;
}

/** 第三条: a person's training records, newest first, with an "add" row for admins. */
export function TrainingRecords({ personId, mayWrite }: { personId: string; mayWrite: boolean }) {
  const { t } = useI18n();
  const [form] = Form.useForm<Values>();
  const [records, setRecords] = useState<TrainingRecord[]>();
  const [saving, setSaving] = useState(false);

  const load = useCallback(() => {
    unwrap(client.GET('/api/personnel/{id}/training-records', { params: { path: { id: personId } } })).then((r) => setRecords(r.items), notifyError);
  }, [personId]);
  useEffect(load, [load]);

  const add = async () => {
    const v = await validFormValues(form);
    if (!v) return;
    setSaving(true);
    try {
      await unwrap(client.POST('/api/personnel/{id}/training-records', { params: { path: { id: personId } }, body: { heldOn: v.heldOn.format('YYYY-MM-DD'), subject: v.subject.trim(), hours: v.hours } }));
      notifySuccess(t('training.added'));
      form.resetFields();
      load();
    } catch (e) {
      showFormError(form, e, ['heldOn', 'subject', 'hours']);
    } finally {
      setSaving(false);
    }
  };

  return (
    <>
      {mayWrite && (
        <Form form={form} layout="vertical" style={{ marginBottom: 16 }}>
          <Row gutter={12}>
            <Col span={9}>
              <Form.Item name="heldOn" label={t('training.heldOn')} rules={[{ required: true, message: t('common.select', { field: t('training.heldOn') }) }]}>
                <DatePicker style={{ width: '100%' }} />
              </Form.Item>
            </Col>
            <Col span={9}>
              <Form.Item
                name="hours"
                label={t('training.hours')}
                rules={[
                  { required: true, message: t('common.required', { field: t('training.hours') }) },
                  // The server accepts 0.5-hour steps from 0.5 to 1000 (personnel.schema.ts).
                  { validator: (_, v: number | null) => (v == null || (v >= 0.5 && v <= 1000 && Number.isInteger(v * 2)) ? Promise.resolve() : Promise.reject(new Error(t('training.hoursRule')))) },
                ]}
              >
                <InputNumber min={0.5} max={1000} step={0.5} style={{ width: '100%' }} />
              </Form.Item>
            </Col>
          </Row>
          <Form.Item name="subject" label={t('training.subject')} rules={textRules(t, t('training.subject'), 200)}>
            <Input placeholder="执法记录仪使用规范" />
          </Form.Item>
          <Button icon={<PlusOutlined />} onClick={add} loading={saving}>
            {t('training.add')}
          </Button>
        </Form>
      )}
      <Table<TrainingRecord>
        rowKey="id"
        size="small"
        loading={records === undefined}
        dataSource={records ?? []}
        pagination={false}
        locale={{ emptyText: t('training.empty') }}
        columns={[
          { title: t('training.heldOn'), dataIndex: 'heldOn', width: 120 },
          { title: t('training.subject'), dataIndex: 'subject' },
          { title: t('training.hours'), dataIndex: 'hours', width: 80, align: 'right' },
        ]}
      />
    </>
  );
}
