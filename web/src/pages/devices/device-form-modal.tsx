import { DatePicker, Form, Input, Modal, Select } from 'antd';
import { useState } from 'react';
import { client, unwrap } from '../../api/client.ts';
import { DepartmentSelect } from '../../components/department-select.tsx';
import { useI18n } from '../../i18n/i18n-context.tsx';
import { notifySuccess, showFormError } from '../../lib/notify.ts';
import { formatDate, type dayjs } from '../../lib/time.ts';
import { useDepartments } from '../../lib/use-departments.ts';
import { DEVICE_TYPES, typeKey, type DeviceType } from './devices-api.ts';

interface Values {
  deviceNumber: string;
  type: DeviceType;
  make?: string;
  model?: string;
  serial?: string;
  departmentId: string;
  purchasedOn?: dayjs.Dayjs;
}

const FIELDS = ['deviceNumber', 'type', 'make', 'model', 'serial', 'departmentId', 'purchasedOn'] as const;

/** 登记设备: one device into the register (第十五条). */
export function DeviceFormModal({ open, onClose, onSaved }: { open: boolean; onClose(): void; onSaved(): void }) {
  const { t } = useI18n();
  const [form] = Form.useForm<Values>();
  const [saving, setSaving] = useState(false);
  const { departments } = useDepartments(open);

  const submit = async () => {
    const v = await form.validateFields();
    setSaving(true);
    try {
      const d = await unwrap(
        client.POST('/api/devices', {
          body: {
            deviceNumber: v.deviceNumber,
            type: v.type,
            make: v.make || null,
            model: v.model || null,
            serial: v.serial || null,
            departmentId: v.departmentId,
            purchasedOn: formatDate(v.purchasedOn),
          },
        }),
      );
      notifySuccess(t('dev.created', { number: d.deviceNumber }));
      form.resetFields();
      onSaved();
    } catch (e) {
      showFormError(form, e, FIELDS);
    } finally {
      setSaving(false);
    }
  };

  return (
    <Modal title={t('dev.list.register')} open={open} onOk={() => void submit()} onCancel={onClose} confirmLoading={saving} destroyOnHidden>
      <Form form={form} layout="vertical" initialValues={{ type: 'body_camera' }}>
        <Form.Item name="deviceNumber" label={t('dev.form.number')} rules={[{ required: true }, { pattern: /^[A-Za-z0-9][A-Za-z0-9-]*$/ }]}>
          <Input maxLength={40} />
        </Form.Item>
        <Form.Item name="type" label={t('dev.form.type')} rules={[{ required: true }]}>
          <Select options={DEVICE_TYPES.map((x) => ({ value: x, label: t(typeKey(x)) }))} />
        </Form.Item>
        <Form.Item name="make" label={t('dev.form.make')}>
          <Input maxLength={60} />
        </Form.Item>
        <Form.Item name="model" label={t('dev.form.model')}>
          <Input maxLength={60} />
        </Form.Item>
        <Form.Item name="serial" label={t('dev.form.serial')}>
          <Input maxLength={40} />
        </Form.Item>
        <Form.Item name="departmentId" label={t('dev.form.department')} rules={[{ required: true }]}>
          <DepartmentSelect departments={departments} />
        </Form.Item>
        <Form.Item name="purchasedOn" label={t('dev.form.purchasedOn')}>
          <DatePicker style={{ width: '100%' }} />
        </Form.Item>
      </Form>
    </Modal>
  );
}
