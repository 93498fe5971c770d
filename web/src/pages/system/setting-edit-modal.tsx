import { Form, Input, InputNumber, Modal, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { client, unwrap } from '../../api/client.ts';
import type { Setting } from '../../api/shapes.ts';
import { useI18n } from '../../i18n/i18n-context.tsx';
import { notifySuccess, showFormError } from '../../lib/notify.ts';
import { validFormValues } from '../../lib/validation.ts';

/**
 * Edits one setting. The API does not describe each setting's type, so the editor follows the
 * current value: numbers get a number box, everything else a text box; the server validates.
 */
export function SettingEditModal({ setting, label, onClose, onSaved }: { setting?: Setting; label: string; onClose(): void; onSaved(s: Setting): void }) {
  const { t } = useI18n();
  const [form] = Form.useForm<{ value: string | number }>();
  const [saving, setSaving] = useState(false);
  const numeric = typeof setting?.value === 'number';

  useEffect(() => {
    if (setting) form.setFieldsValue({ value: setting.value as string | number });
  }, [setting, form]);

  const submit = async () => {
    if (!setting) return;
    const v = await validFormValues(form);
    if (!v) return;
    setSaving(true);
    try {
      const saved = await unwrap(client.PUT('/api/settings/{key}', { params: { path: { key: setting.key } }, body: { value: numeric ? Number(v.value) : String(v.value ?? '').trim() } }));
      notifySuccess(t('common.saved'));
      onSaved(saved);
    } catch (e) {
      showFormError(form, e, ['value']);
    } finally {
      setSaving(false);
    }
  };

  return (
    <Modal
      title={t('settings.editTitle', { name: label })}
      open={setting !== undefined}
      onOk={submit}
      onCancel={onClose}
      confirmLoading={saving}
      okText={t('common.save')}
      cancelText={t('common.cancel')}
      forceRender
    >
      <Typography.Paragraph type="secondary">
        <Typography.Text code>{setting?.key}</Typography.Text>
      </Typography.Paragraph>
      <Form form={form} layout="vertical">
        <Form.Item
          name="value"
          label={t('settings.value')}
          rules={numeric ? [{ required: true, type: 'number', message: t('settings.notANumber') }] : [{ max: 100, message: t('common.maxLength', { field: t('settings.value'), max: 100 }) }]}
        >
          {numeric ? <InputNumber style={{ width: '100%' }} precision={0} /> : <Input />}
        </Form.Item>
      </Form>
    </Modal>
  );
}
