import { Alert, Form, Input, Modal } from 'antd';
import { useState } from 'react';
import { client, unwrap } from '../api/client.ts';
import { useI18n } from '../i18n/i18n-context.tsx';
import { notifySuccess, showFormError } from '../lib/notify.ts';
import { passwordRules, validFormValues } from '../lib/validation.ts';

interface Values {
  currentPassword: string;
  newPassword: string;
  confirm: string;
}

/** POST /api/auth/password: the user proves the current password and picks a new one. */
export function ChangePasswordModal({ open, onClose }: { open: boolean; onClose(): void }) {
  const { t } = useI18n();
  const [form] = Form.useForm<Values>();
  const [saving, setSaving] = useState(false);

  const submit = async () => {
    const v = await validFormValues(form);
    if (!v) return;
    setSaving(true);
    try {
      const r = await unwrap(client.POST('/api/auth/password', { body: { currentPassword: v.currentPassword, newPassword: v.newPassword } }));
      notifySuccess(t('pwd.changedEnded', { sessions: r.sessionsEnded, tokens: r.tokensRevoked }));
      form.resetFields();
      onClose();
    } catch (e) {
      showFormError(form, e, ['currentPassword', 'newPassword']);
    } finally {
      setSaving(false);
    }
  };

  return (
    <Modal title={t('pwd.title')} open={open} onOk={submit} onCancel={onClose} confirmLoading={saving} okText={t('common.save')} cancelText={t('common.cancel')} destroyOnHidden>
      {/* Said before the change, as the server will do it (issue 6 item 9). */}
      <Alert type="info" showIcon title={t('pwd.endsOthers')} style={{ marginBottom: 16 }} data-testid="pwd-ends-others" />
      <Form form={form} layout="vertical" autoComplete="off" preserve={false}>
        <Form.Item name="currentPassword" label={t('pwd.current')} rules={[{ required: true, message: t('common.required', { field: t('pwd.current') }) }]}>
          <Input.Password autoComplete="current-password" />
        </Form.Item>
        <Form.Item name="newPassword" label={t('pwd.new')} rules={passwordRules(t, t('pwd.new'))} hasFeedback>
          <Input.Password autoComplete="new-password" />
        </Form.Item>
        <Form.Item
          name="confirm"
          label={t('pwd.confirm')}
          dependencies={['newPassword']}
          hasFeedback
          rules={[
            { required: true, message: t('common.required', { field: t('pwd.confirm') }) },
            ({ getFieldValue }) => ({
              validator: (_, value) => (!value || getFieldValue('newPassword') === value ? Promise.resolve() : Promise.reject(new Error(t('pwd.mismatch')))),
            }),
          ]}
        >
          <Input.Password autoComplete="new-password" />
        </Form.Item>
      </Form>
    </Modal>
  );
}
