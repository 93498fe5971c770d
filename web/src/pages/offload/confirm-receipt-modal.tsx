import { Form, Input, Modal, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { client, unwrap, ApiError } from '../../api/client.ts';
import type { Handover } from '../../api/shapes.ts';
import { useI18n } from '../../i18n/i18n-context.tsx';
import { notifyError, notifySuccess } from '../../lib/notify.ts';
import { formatBytes } from '../../lib/format.ts';
import { validFormValues } from '../../lib/validation.ts';

interface Props {
  day: string;
  /** The officer's hand-over to confirm; undefined = closed. */
  handover: Handover | undefined;
  onClose(): void;
  onConfirmed(): void;
}

/** 确认交接: the custodian confirms one officer's hand-over of one day, with an optional note. */
export function ConfirmReceiptModal({ day, handover, onClose, onConfirmed }: Props) {
  const { t } = useI18n();
  const [form] = Form.useForm<{ note?: string }>();
  const [saving, setSaving] = useState(false);

  useEffect(() => {
    if (handover) form.resetFields();
  }, [handover, form]);

  const confirm = async () => {
    if (!handover) return;
    const valid = await validFormValues(form);
    if (!valid) return;
    const { note } = valid;
    setSaving(true);
    try {
      await unwrap(client.POST('/api/offload/receipts', { body: { personId: handover.personId, day, note: note?.trim() || undefined } }));
      notifySuccess(t('offload.confirmedOk'));
      onConfirmed();
    } catch (e) {
      notifyError(e);
      // Already confirmed by someone else meanwhile: close, and the refreshed table shows who.
      if (e instanceof ApiError && e.status === 409) onConfirmed();
    } finally {
      setSaving(false);
    }
  };

  return (
    <Modal
      open={!!handover}
      title={handover ? t('offload.confirmTitle', { name: handover.personName }) : ''}
      okText={t('offload.confirm')}
      onOk={() => void confirm()}
      confirmLoading={saving}
      onCancel={onClose}
      destroyOnHidden
    >
      {handover && (
        <Typography.Paragraph>{t('offload.confirmText', { day, count: handover.count, size: formatBytes(handover.totalBytes) })}</Typography.Paragraph>
      )}
      <Form form={form} layout="vertical">
        <Form.Item name="note" label={t('offload.note')} rules={[{ max: 500, message: t('common.maxLength', { field: t('offload.note'), max: 500 }) }]}>
          <Input.TextArea autoSize={{ minRows: 2, maxRows: 4 }} />
        </Form.Item>
      </Form>
    </Modal>
  );
}
