import { Alert, Button, Drawer, Form, Input, Space } from 'antd';
import { useEffect, useState } from 'react';
import { client, unwrap, ApiError } from '../../api/client.ts';
import type { Department, RecordingDetail } from '../../api/shapes.ts';
import { useI18n } from '../../i18n/i18n-context.tsx';
import { localizeFieldMessage, notifySuccess, showFormError } from '../../lib/notify.ts';
import { diffPatch, metadataFormFields, toFormValues, type MetadataFormValues } from '../../lib/recording-metadata.ts';
import { RecordingMetadataFields } from './recording-metadata-fields.tsx';
import { validFormValues } from '../../lib/validation.ts';

interface Props {
  recording: RecordingDetail;
  departments: Department[] | undefined;
  open: boolean;
  onClose(): void;
  onSaved(r: RecordingDetail): void;
}

/** Did the form move the recording's start or end? (Incomplete values while typing count as no.) */
function movesTimes(r: RecordingDetail, v: MetadataFormValues): boolean {
  try {
    const p = diffPatch(r, v);
    return 'recordedStart' in p || 'recordedEnd' in p;
  } catch {
    return false;
  }
}

/**
 * Edits the descriptive metadata with PATCH (only what changed). The server re-checks officer
 * qualification and department scope; its field errors appear under the fields. Changing the start or
 * end is a correction (第十条): a reason is asked for and the server keeps it on the recording.
 */
export function RecordingEditDrawer({ recording, departments, open, onClose, onSaved }: Props) {
  const { t } = useI18n();
  const [form] = Form.useForm<MetadataFormValues>();
  const [saving, setSaving] = useState(false);
  const timesMoved = Form.useWatch((v: MetadataFormValues) => !!v && movesTimes(recording, v), form);
  const [reason, setReason] = useState('');
  const [reasonError, setReasonError] = useState<string>();

  useEffect(() => {
    if (!open) return;
    form.resetFields();
    form.setFieldsValue(toFormValues(recording));
    setReason('');
    setReasonError(undefined);
  }, [open, recording, form]);

  const save = async () => {
    const values = await validFormValues(form);
    if (!values) return;
    const patch: ReturnType<typeof diffPatch> & { reason?: string } = diffPatch(recording, values);
    if (Object.keys(patch).length === 0) {
      notifySuccess(t('recDetail.noChange'));
      onClose();
      return;
    }
    if ('recordedStart' in patch || 'recordedEnd' in patch) {
      if (!reason.trim()) {
        setReasonError(t('recDetail.reasonRequired'));
        return;
      }
      patch.reason = reason.trim();
    }
    setSaving(true);
    try {
      const saved = await unwrap(client.PATCH('/api/recordings/{id}', { params: { path: { id: recording.id } }, body: patch }));
      notifySuccess(t('common.saved'));
      onSaved(saved);
    } catch (e) {
      if (e instanceof ApiError && e.fields.reason) {
        setReasonError(localizeFieldMessage(e.fields.reason));
        return;
      }
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
      {timesMoved && (
        <Form layout="vertical" component="div">
          <Form.Item label={t('recDetail.reason')} required validateStatus={reasonError ? 'error' : undefined} help={reasonError ?? t('recDetail.reasonHint')}>
            <Input.TextArea
              data-testid="time-correction-reason"
              value={reason}
              maxLength={500}
              autoSize={{ minRows: 2 }}
              placeholder={t('recDetail.reasonPlaceholder')}
              onChange={(e) => {
                setReason(e.target.value);
                setReasonError(undefined);
              }}
            />
          </Form.Item>
        </Form>
      )}
    </Drawer>
  );
}
