import { DatePicker, Form, Input, InputNumber, Modal, Select } from 'antd';
import { useEffect, useState } from 'react';
import { client, unwrap } from '../../api/client.ts';
import { useI18n } from '../../i18n/i18n-context.tsx';
import { showFormError } from '../../lib/notify.ts';
import { dayjs, formatDate } from '../../lib/time.ts';
import type { Repairer } from './devices-api.ts';

export type DeviceAction = 'fault' | 'maintenance' | 'repair' | 'retire';

interface Values {
  description?: string;
  performedOn?: dayjs.Dayjs;
  performedBy?: string;
  work?: string;
  repairerId?: string;
  repairerName?: string;
  diagnosis?: string;
  costYuan?: number;
  reason?: string;
}

/** The device detail page's actions: report a fault, log maintenance, send for repair, retire. */
export function DeviceActionModal({ deviceId, action, onClose, onDone }: { deviceId: string; action: DeviceAction | undefined; onClose(): void; onDone(): void }) {
  const { t } = useI18n();
  const [form] = Form.useForm<Values>();
  const [saving, setSaving] = useState(false);
  const [repairers, setRepairers] = useState<Repairer[]>([]);
  useEffect(() => {
    if (action === 'repair') void unwrap(client.GET('/api/device-repairers')).then((r) => setRepairers(r.items.filter((x) => x.active)), () => undefined);
    if (action) form.resetFields();
  }, [action, form]);

  const titles: Record<DeviceAction, string> = {
    fault: t('dev.detail.reportFault'),
    maintenance: t('dev.detail.addMaintenance'),
    repair: t('dev.detail.openRepair'),
    retire: t('dev.detail.retire'),
  };

  const submit = async () => {
    const v = await form.validateFields();
    setSaving(true);
    const path = { params: { path: { id: deviceId } } };
    try {
      if (action === 'fault') await unwrap(client.POST('/api/devices/{id}/faults', { ...path, body: { description: v.description! } }));
      if (action === 'maintenance') {
        await unwrap(client.POST('/api/devices/{id}/maintenance', { ...path, body: { performedOn: formatDate(v.performedOn)!, performedBy: v.performedBy!, work: v.work! } }));
      }
      if (action === 'repair') {
        await unwrap(
          client.POST('/api/devices/{id}/repairs', {
            ...path,
            body: { repairerId: v.repairerId ?? null, repairerName: v.repairerId ? null : (v.repairerName ?? null), diagnosis: v.diagnosis || null, costYuan: v.costYuan ?? null },
          }),
        );
      }
      if (action === 'retire') await unwrap(client.POST('/api/devices/{id}/retire', { ...path, body: { reason: v.reason! } }));
      onDone();
    } catch (e) {
      showFormError(form, e, ['description', 'performedOn', 'performedBy', 'work', 'repairerId', 'repairerName', 'diagnosis', 'costYuan', 'reason']);
    } finally {
      setSaving(false);
    }
  };

  return (
    <Modal title={action && titles[action]} open={!!action} onOk={() => void submit()} onCancel={onClose} confirmLoading={saving} destroyOnHidden>
      <Form form={form} layout="vertical" initialValues={{ performedOn: dayjs() }}>
        {action === 'fault' && (
          <Form.Item name="description" label={t('dev.fr.description')} rules={[{ required: true }]}>
            <Input.TextArea rows={3} maxLength={1000} />
          </Form.Item>
        )}
        {action === 'maintenance' && (
          <>
            <Form.Item name="performedOn" label={t('dev.mt.performedOn')} rules={[{ required: true }]}>
              <DatePicker style={{ width: '100%' }} />
            </Form.Item>
            <Form.Item name="performedBy" label={t('dev.mt.performedBy')} rules={[{ required: true }]}>
              <Input maxLength={60} />
            </Form.Item>
            <Form.Item name="work" label={t('dev.mt.work')} rules={[{ required: true }]}>
              <Input.TextArea rows={3} maxLength={1000} />
            </Form.Item>
          </>
        )}
        {action === 'repair' && (
          <>
            <Form.Item name="repairerId" label={t('dev.fr.repairer')} extra={t('dev.fr.chooseRepairer')}>
              <Select allowClear options={repairers.map((r) => ({ value: r.id, label: r.name }))} />
            </Form.Item>
            <Form.Item noStyle shouldUpdate>
              {() =>
                !form.getFieldValue('repairerId') && (
                  <Form.Item name="repairerName" label={t('dev.fr.unlistedRepairer')} rules={[{ required: true }]}>
                    <Input maxLength={100} />
                  </Form.Item>
                )
              }
            </Form.Item>
            <Form.Item name="diagnosis" label={t('dev.fr.diagnosis')}>
              <Input.TextArea rows={2} maxLength={1000} />
            </Form.Item>
            <Form.Item name="costYuan" label={t('dev.fr.cost')}>
              <InputNumber min={0} precision={2} style={{ width: '100%' }} />
            </Form.Item>
          </>
        )}
        {action === 'retire' && (
          <Form.Item name="reason" label={t('dev.detail.retireReason')} rules={[{ required: true }]}>
            <Input.TextArea rows={2} maxLength={500} />
          </Form.Item>
        )}
      </Form>
    </Modal>
  );
}
