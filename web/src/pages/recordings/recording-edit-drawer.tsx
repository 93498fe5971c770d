import { Alert, Button, Drawer, Form, Space } from 'antd';
import { useEffect, useState } from 'react';
import { api } from '../../api/client.ts';
import type { Recording } from '../../api/recording-types.ts';
import type { Department } from '../../api/types.ts';
import { useI18n } from '../../i18n/i18n-context.tsx';
import { notifySuccess, showFormError } from '../../lib/notify.ts';
import { diffPatch, metadataFormFields, toFormValues, type MetadataFormValues } from '../../lib/recording-metadata.ts';
import { RecordingMetadataFields } from './recording-metadata-fields.tsx';

interface Props {
  recording: Recording;
  departments: Department[] | undefined;
  open: boolean;
  onClose(): void;
  onSaved(r: Recording): void;
}

/**
 * Edits the descriptive metadata with PATCH (only what changed). The server re-checks officer
 * qualification and department scope; its field errors appear under the fields.
 */
export function RecordingEditDrawer({ recording, departments, open, onClose, onSaved }: Props) {
  const { t } = useI18n();
  const [form] = Form.useForm<MetadataFormValues>();
  const [saving, setSaving] = useState(false);

  useEffect(() => {
    if (!open) return;
    form.resetFields();
    form.setFieldsValue(toFormValues(recording));
  }, [open, recording, form]);

  const save = async () => {
    const values = await form.validateFields();
    const patch = diffPatch(recording, values);
    if (Object.keys(patch).length === 0) {
      notifySuccess(t('recDetail.noChange'));
      onClose();
      return;
    }
    setSaving(true);
    try {
      const saved = await api.patch<Recording>(`/api/recordings/${recording.id}`, patch);
      notifySuccess(t('common.saved'));
      onSaved(saved);
    } catch (e) {
      showFormError(form, e, metadataFormFields);
    } finally {
      setSaving(false);
    }
  };

  return (
    <Drawer
      title={t('recDetail.editTitle')}
      open={open}
      onClose={onClose}
      size={560}
      forceRender
      extra={
        <Space>
          <Button onClick={onClose}>{t('common.cancel')}</Button>
          <Button type="primary" onClick={() => void save()} loading={saving}>
            {t('common.save')}
          </Button>
        </Space>
      }
    >
      <Alert type="info" showIcon title={t('recDetail.editHint')} style={{ marginBottom: 16 }} />
      <Form<MetadataFormValues> form={form} layout="vertical" autoComplete="off">
        <RecordingMetadataFields form={form} departments={departments} columns={1} />
      </Form>
    </Drawer>
  );
}
