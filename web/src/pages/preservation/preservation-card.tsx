import { SafetyCertificateOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Form, Input, List, Modal, Radio, Space, Tag, Typography } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { client, unwrap } from '../../api/client.ts';
import { useI18n } from '../../i18n/i18n-context.tsx';
import { notifyError, notifySuccess, showFormError } from '../../lib/notify.ts';
import { formatTime } from '../../lib/time.ts';
import { useSession } from '../../session/session-context.tsx';
import { GROUNDS, groundKey, MARK_STATE_COLORS, markStateKey, type Ground, type Mark } from './preservation-api.ts';

/** The recording page's 长期保存 card (第十二条): its marks, and a button to propose one with a ground. */
export function PreservationCard({ recordingId }: { recordingId: string }) {
  const { t } = useI18n();
  const { can } = useSession();
  const [marks, setMarks] = useState<Mark[]>();
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [form] = Form.useForm<{ ground: Ground; description?: string }>();
  const ground = Form.useWatch('ground', form);

  const load = useCallback(() => {
    unwrap(client.GET('/api/preservation-marks', { params: { query: { recordingId } } })).then((r) => setMarks(r.items), notifyError);
  }, [recordingId]);
  useEffect(load, [load]);

  const submit = async () => {
    const v = await form.validateFields();
    setBusy(true);
    try {
      await unwrap(client.POST('/api/preservation-marks', { body: { recordingIds: [recordingId], ground: v.ground, ...(v.description && { description: v.description }) } }));
      notifySuccess(t('pres.proposed'));
      setOpen(false);
      form.resetFields();
      load();
    } catch (e) {
      showFormError(form, e, ['ground', 'description']);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card
      title={
        <Space>
          <SafetyCertificateOutlined />
          {t('pres.card.title')}
        </Space>
      }
      style={{ marginBottom: 16 }}
      data-testid="preservation-card"
      extra={
        can('preservation:propose') && (
          <Button size="small" type="primary" onClick={() => setOpen(true)} data-testid="pres-mark-open">
            {t('pres.card.mark')}
          </Button>
        )
      }
    >
      {marks && !marks.length && <Typography.Text type="secondary">{t('pres.card.none')}</Typography.Text>}
      {!!marks?.length && (
        <List
          size="small"
          dataSource={marks}
          renderItem={(m) => (
            <List.Item>
              <Space direction="vertical" size={0}>
                <Space wrap>
                  <Tag color={MARK_STATE_COLORS[m.state]}>{t(markStateKey(m.state))}</Tag>
                  <span>{t(groundKey(m.ground))}</span>
                </Space>
                {m.description && <Typography.Text type="secondary">{m.description}</Typography.Text>}
                <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                  {m.proposedBy?.username} · {formatTime(m.proposedAt)}
                  {m.decidedBy && ` → ${m.decidedBy.username} · ${formatTime(m.decidedAt)}`}
                </Typography.Text>
              </Space>
            </List.Item>
          )}
        />
      )}
      <Modal title={t('pres.modal.title')} open={open} onCancel={() => setOpen(false)} onOk={submit} okText={t('pres.modal.submit')} confirmLoading={busy} destroyOnHidden width={640}>
        <Alert type="info" showIcon message={t('pres.modal.hint')} style={{ marginBottom: 16 }} />
        <Form form={form} layout="vertical" initialValues={{ ground: 'objection' }}>
          <Form.Item name="ground" label={t('pres.modal.ground')} rules={[{ required: true }]}>
            <Radio.Group>
              <Space direction="vertical">
                {GROUNDS.map((g) => (
                  <Radio key={g} value={g} data-testid={`pres-ground-${g}`}>
                    {t(groundKey(g))}
                  </Radio>
                ))}
              </Space>
            </Radio.Group>
          </Form.Item>
          <Form.Item name="description" label={t('pres.modal.description')} rules={[{ required: ground === 'other', whitespace: true, message: t('pres.modal.descriptionRequired') }]}>
            <Input.TextArea rows={3} maxLength={2000} data-testid="pres-description" />
          </Form.Item>
        </Form>
      </Modal>
    </Card>
  );
}
