import { AimOutlined } from '@ant-design/icons';
import { Button, Form, Input, Modal, Select, Space } from 'antd';
import { useEffect, useState } from 'react';
import { ApiError, client, unwrap } from '../../api/client.ts';
import { useI18n } from '../../i18n/i18n-context.tsx';
import { notifySuccess, showFormError } from '../../lib/notify.ts';
import { clock, parseClock, type Annotation, type AnnotationKind, type AnnotationLayer } from './annotations-api.ts';

interface Values {
  kind?: AnnotationKind;
  speaker?: string;
  start: string;
  end: string;
  text: string;
}

/**
 * Adds a note / transcript segment, or edits one (a new version, sent with the version it was edited from: when
 * someone else changed it meanwhile the server answers 409 and the list is reloaded).
 */
export function AnnotationFormModal(props: {
  open: boolean;
  recordingId: string;
  layer: AnnotationLayer;
  /** The entry edited; absent to add one. */
  editing?: Annotation;
  durationSec: number | null;
  /** Where the player is now (seconds), for 取当前播放位置. */
  position(): number | undefined;
  onSaved(a: Annotation): void;
  onStale(): void;
  onClose(): void;
}) {
  const { t } = useI18n();
  const [form] = Form.useForm<Values>();
  const [saving, setSaving] = useState(false);
  const { open, editing, layer } = props;

  useEffect(() => {
    if (!open) return;
    form.resetFields();
    const here = props.position() ?? 0;
    form.setFieldsValue(
      editing
        ? { kind: editing.kind ?? undefined, speaker: editing.speaker ?? undefined, start: clock(editing.startSec, true), end: clock(editing.endSec, true), text: editing.text }
        : { kind: layer === 'note' ? 'key_content' : undefined, start: clock(here, true), end: clock(Math.min(here + 5, props.durationSec ?? here + 5), true), text: '' },
    );
    // Only when the dialog opens: later renders must not reset what is being typed.
  }, [open, editing]);

  const timeRule = (field: 'start' | 'end') => ({
    validator: async (_: unknown, v: string | undefined) => {
      const sec = parseClock(v ?? '');
      if (sec === undefined) throw new Error(t('annot.field.timeInvalid'));
      if (field === 'end') {
        const start = parseClock(form.getFieldValue('start') ?? '');
        if (start !== undefined && sec <= start) throw new Error(t('annot.field.endAfterStart'));
        if (props.durationSec !== null && sec > props.durationSec + 0.0005) throw new Error(t('annot.field.beyond', { d: clock(props.durationSec) }));
      }
    },
  });

  const save = async () => {
    const v = await form.validateFields();
    const startSec = parseClock(v.start)!;
    const endSec = parseClock(v.end)!;
    const speaker = v.speaker?.trim() || undefined;
    setSaving(true);
    try {
      const saved = editing
        ? await unwrap(
            client.PUT('/api/annotations/{id}', {
              params: { path: { id: editing.id } },
              body: { version: editing.version, startSec, endSec, text: v.text, ...(layer === 'note' ? { kind: v.kind } : { speaker: speaker ?? null }) },
            }),
          )
        : await unwrap(
            client.POST('/api/recordings/{id}/annotations', {
              params: { path: { id: props.recordingId } },
              body: { layer, startSec, endSec, text: v.text, ...(layer === 'note' ? { kind: v.kind } : speaker ? { speaker } : {}) },
            }),
          );
      notifySuccess(t('annot.saved', { n: saved.version }));
      props.onSaved(saved);
    } catch (e) {
      if (e instanceof ApiError && (e.code === 'ANNOTATION_STALE' || e.code === 'ANNOTATION_DELETED')) {
        showFormError(form, e, []);
        props.onStale();
        return;
      }
      showFormError(form, e, ['kind', 'speaker', 'text']);
      if (e instanceof ApiError && e.fields.startSec) form.setFields([{ name: 'start', errors: [e.fields.startSec] }]);
      if (e instanceof ApiError && e.fields.endSec) form.setFields([{ name: 'end', errors: [e.fields.endSec] }]);
    } finally {
      setSaving(false);
    }
  };

  const useCurrent = (field: 'start' | 'end') => {
    const here = props.position();
    if (here !== undefined) form.setFieldValue(field, clock(here, true));
  };
  const title = editing ? `${t('annot.edit')} · ${t('annot.version', { n: editing.version })}` : t(layer === 'note' ? 'annot.add.note' : 'annot.add.transcript');
  return (
    <Modal title={title} open={open} onCancel={props.onClose} onOk={() => void save()} confirmLoading={saving} okText={t('common.save')} cancelText={t('common.cancel')} destroyOnHidden>
      <Form form={form} layout="vertical" data-testid="annotation-form">
        {layer === 'note' ? (
          <Form.Item name="kind" label={t('annot.field.kind')} rules={[{ required: true }]}>
            <Select
              options={(['key_content', 'note'] as const).map((k) => ({ value: k, label: t(`annot.kind.${k}`) }))}
              data-testid="annotation-kind"
            />
          </Form.Item>
        ) : (
          <Form.Item name="speaker" label={t('annot.field.speaker')} extra={t('annot.field.speakerHint')}>
            <Input maxLength={100} />
          </Form.Item>
        )}
        <Space align="start" wrap>
          {(['start', 'end'] as const).map((f) => (
            <Form.Item key={f} label={t(`annot.field.${f}`)} extra={f === 'start' ? t('annot.field.timeHint') : undefined} required>
              <Space.Compact>
                <Form.Item name={f} noStyle rules={[timeRule(f)]} dependencies={f === 'end' ? ['start'] : []}>
                  <Input style={{ width: 130 }} data-testid={`annotation-${f}`} />
                </Form.Item>
                <Button icon={<AimOutlined />} title={t('annot.field.useCurrent')} aria-label={t('annot.field.useCurrent')} onClick={() => useCurrent(f)} />
              </Space.Compact>
            </Form.Item>
          ))}
        </Space>
        <Form.Item name="text" label={t(layer === 'note' ? 'annot.field.text.note' : 'annot.field.text.transcript')} rules={[{ required: true, whitespace: true, message: t('annot.field.textRequired') }]}>
          <Input.TextArea autoSize={{ minRows: 3, maxRows: 10 }} maxLength={4000} showCount data-testid="annotation-text" />
        </Form.Item>
      </Form>
    </Modal>
  );
}
