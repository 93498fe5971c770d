import { Button, Card, Form, Input, Modal, Popover, Space, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { client, unwrap } from '../../api/client.ts';
import { useI18n } from '../../i18n/i18n-context.tsx';
import { notifySuccess, showFormError } from '../../lib/notify.ts';
import type { CaseStage, CaseView } from './cases-api.ts';

type Row = CaseView['checklist'][number];

/**
 * 音像记录事项清单 (第十六条) for this case: per stage, what the checklist asks, the linked recordings or the
 * written reason, and the gaps (an entered AV stage with neither), each with a button to give the reason.
 */
export function CaseChecklistCard({ c, onChanged }: { c: CaseView; onChanged(): void }) {
  const { t } = useI18n();
  const [stage, setStage] = useState<CaseStage>();
  const [form] = Form.useForm<{ reason: string }>();

  const submit = async (v: { reason: string }) => {
    if (!stage) return;
    try {
      await unwrap(client.POST('/api/cases/{id}/written-reasons', { params: { path: { id: c.id } }, body: { stage, reason: v.reason } }));
      notifySuccess(t('cases.saved'));
      setStage(undefined);
      form.resetFields();
      onChanged();
    } catch (e) {
      showFormError(form, e, ['reason']);
    }
  };

  return (
    <Card
      title={
        <Space>
          {t('cases.checklist')}
          {c.gaps.length > 0 ? <Tag color="red" data-testid="gap-count">{t('cases.gaps')}：{c.gaps.length}</Tag> : <Tag color="green">{t('cases.gaps.none')}</Tag>}
        </Space>
      }
      extra={<Typography.Text type="secondary" style={{ fontSize: 12 }}>v{c.checklistVersion}</Typography.Text>}
      style={{ marginBottom: 16 }}
    >
      <Typography.Paragraph type="secondary" style={{ fontSize: 12 }}>{t('cases.checklist.hint')}</Typography.Paragraph>
      <Table<Row>
        rowKey="stage"
        size="small"
        pagination={false}
        dataSource={c.checklist}
        data-testid="case-checklist"
        rowClassName={(r) => (r.gap ? 'checklist-gap' : '')}
        columns={[
          { title: t('cases.links.stage'), render: (_, r) => t(`cases.stage.${r.stage}`) },
          {
            title: t('cases.checklist'),
            render: (_, r) =>
              r.items.length ? (
                <Space direction="vertical" size={0}>
                  {r.items.map((i) => (
                    <Popover
                      key={i.item}
                      content={
                        <div style={{ maxWidth: 360 }}>
                          {i.startsWhen && <div>{t('cases.checklist.starts')}：{i.startsWhen}</div>}
                          <div>{t('cases.checklist.covers')}：{i.covers}</div>
                          {i.endsWhen && <div>{t('cases.checklist.ends')}：{i.endsWhen}</div>}
                        </div>
                      }
                    >
                      <span>
                        {i.item} <Tag color={i.method === 'av' ? 'blue' : 'default'}>{t(`cases.checklist.required.${i.method}`)}</Tag>
                      </span>
                    </Popover>
                  ))}
                </Space>
              ) : (
                <Typography.Text type="secondary">{t('cases.checklist.required.none')}</Typography.Text>
              ),
          },
          {
            title: t('cases.links'),
            render: (_, r) => (
              <Space direction="vertical" size={0}>
                {r.linkedRecordings > 0 && <span>{t('cases.checklist.linked', { n: r.linkedRecordings })}</span>}
                {r.writtenReason && (
                  <span style={{ whiteSpace: 'pre-wrap' }}>
                    {t('cases.checklist.reason')}：{r.writtenReason.reason}
                  </span>
                )}
              </Space>
            ),
          },
          {
            title: '',
            render: (_, r) =>
              r.gap ? (
                <Space>
                  <Tag color="red" data-testid={`gap-${r.stage}`}>{t('cases.checklist.gap')}</Tag>
                  {c.canEdit && (
                    <Button size="small" onClick={() => setStage(r.stage)}>
                      {t('cases.checklist.addReason')}
                    </Button>
                  )}
                </Space>
              ) : !r.entered ? (
                <Tag>{t('cases.checklist.notReached')}</Tag>
              ) : r.required === 'av' ? (
                <Tag color="green">{t('cases.checklist.ok')}</Tag>
              ) : null,
          },
        ]}
      />
      <Modal title={t('cases.checklist.addReason')} open={!!stage} onCancel={() => setStage(undefined)} onOk={() => form.submit()} destroyOnHidden>
        <Form form={form} layout="vertical" onFinish={submit}>
          <Form.Item name="reason" label={t('cases.checklist.reason')} rules={[{ required: true, min: 4, message: t('common.required', { field: t('cases.checklist.reason') }) }]}>
            <Input.TextArea rows={3} maxLength={1000} />
          </Form.Item>
        </Form>
      </Modal>
    </Card>
  );
}
