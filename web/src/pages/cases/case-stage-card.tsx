import { Alert, Button, Card, DatePicker, Form, Input, Modal, Select, Steps, Timeline, Typography } from 'antd';
import type { Dayjs } from 'dayjs';
import { useState } from 'react';
import { client, unwrap } from '../../api/client.ts';
import { useI18n } from '../../i18n/i18n-context.tsx';
import { notifySuccess, showFormError } from '../../lib/notify.ts';
import { formatDate, formatTime } from '../../lib/time.ts';
import { stagesOf, type CaseStage, type CaseView } from './cases-api.ts';

/** 办案阶段: where the case stands among its procedure's stages, its history, and the move form. */
export function CaseStageCard({ c, onChange }: { c: CaseView; onChange(v: CaseView): void }) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  const [form] = Form.useForm<{ to: CaseStage; reason?: string; on?: Dayjs }>();
  const path = stagesOf(c.procedure);
  const current = path.indexOf(c.status);
  const entered = new Set(c.stages.map((s) => s.toStage));
  const next = path[current + 1];

  const submit = async (v: { to: CaseStage; reason?: string; on?: Dayjs }) => {
    try {
      const saved = await unwrap(
        client.POST('/api/cases/{id}/stage', { params: { path: { id: c.id } }, body: { to: v.to, ...(v.reason?.trim() && { reason: v.reason.trim() }), ...(v.on && { on: formatDate(v.on)! }) } }),
      );
      notifySuccess(t('cases.saved'));
      setOpen(false);
      form.resetFields();
      onChange(saved);
    } catch (e) {
      showFormError(form, e, ['to', 'reason', 'on']);
    }
  };

  return (
    <Card
      title={t('cases.stages')}
      style={{ marginBottom: 16 }}
      extra={
        c.canEdit && (
          <Button type="primary" data-testid="move-stage" onClick={() => { form.setFieldsValue({ to: next ?? path[0] }); setOpen(true); }}>
            {t('cases.stage.move')}
          </Button>
        )
      }
    >
      <Steps
        size="small"
        current={current}
        style={{ marginBottom: 24, overflowX: 'auto' }}
        items={path.map((s, i) => ({
          title: t(`cases.stage.${s}`),
          status: i === current ? 'process' : i < current ? (entered.has(s) ? 'finish' : 'wait') : 'wait',
          description: i < current && !entered.has(s) ? t('cases.stage.kind.skip') : undefined,
        }))}
      />
      <Timeline
        data-testid="stage-history"
        items={c.stages.map((e) => ({
          color: e.kind === 'back' ? 'red' : e.kind === 'skip' ? 'orange' : 'blue',
          children: (
            <div>
              <Typography.Text strong>
                {t(`cases.stage.kind.${e.kind}`)} → {t(`cases.stage.${e.toStage}`)}
              </Typography.Text>
              <Typography.Text type="secondary" style={{ marginLeft: 8 }}>
                {e.occurredOn} · {e.by} · {formatTime(e.at, false)}
              </Typography.Text>
              {e.skipped.length > 0 && <div>{t('cases.stage.skipped', { stages: e.skipped.map((s) => t(`cases.stage.${s}`)).join('、') })}</div>}
              {e.reason && <div style={{ whiteSpace: 'pre-wrap' }}>{t('cases.stage.reason')}：{e.reason}</div>}
            </div>
          ),
        }))}
      />
      <Modal title={t('cases.stage.move')} open={open} onCancel={() => setOpen(false)} onOk={() => form.submit()} destroyOnHidden>
        <Alert type="info" showIcon style={{ marginBottom: 16 }} message={t('cases.stage.reasonHint')} />
        <Form form={form} layout="vertical" onFinish={submit}>
          <Form.Item name="to" label={t('cases.stage.to')} rules={[{ required: true }]}>
            <Select options={path.filter((s) => s !== c.status).map((s) => ({ value: s, label: t(`cases.stage.${s}`) }))} />
          </Form.Item>
          <Form.Item name="reason" label={t('cases.stage.reason')}>
            <Input.TextArea rows={3} maxLength={1000} />
          </Form.Item>
          <Form.Item name="on" label={t('cases.stage.on')}>
            <DatePicker />
          </Form.Item>
        </Form>
      </Modal>
    </Card>
  );
}
