import { Button, Card, Form, Input, Modal, Select, Table, Tag, Typography } from 'antd';
import { useEffect, useRef, useState } from 'react';
import { Link } from 'react-router-dom';
import { client, unwrap } from '../../api/client.ts';
import type { Recording } from '../../api/shapes.ts';
import { useI18n } from '../../i18n/i18n-context.tsx';
import { notifyError, notifySuccess, showFormError } from '../../lib/notify.ts';
import { formatTime } from '../../lib/time.ts';
import { stagesOf, type CaseStage, type CaseView } from './cases-api.ts';

type LinkRow = CaseView['links'][number];

/** Picks a recording the user may read: recent ones first, the server's text search as the user types. */
function RecordingPicker({ value, onChange, departmentId }: { value?: string; onChange?(v: string): void; departmentId: string }) {
  const { t } = useI18n();
  const [options, setOptions] = useState<Recording[]>([]);
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  const search = (q?: string) =>
    unwrap(client.GET('/api/recordings', { params: { query: { limit: 50, ...(q && q.length >= 2 ? { q } : { departmentId }) } } })).then((r) => setOptions(r.items), notifyError);
  useEffect(() => {
    void search();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [departmentId]);
  return (
    <Select
      showSearch
      value={value}
      onChange={onChange}
      filterOption={false}
      placeholder={t('cases.links.pick')}
      data-testid="recording-picker"
      onSearch={(q) => {
        clearTimeout(timer.current);
        timer.current = setTimeout(() => void search(q.trim()), 300);
      }}
      options={options.map((r) => ({ value: r.id, label: `${r.fileName} · ${formatTime(r.recordedStart, false)}` }))}
    />
  );
}

/** 关联声像资料: the recordings linked to the case by stage; link one (from the user's reach) or end a link with a reason. */
export function CaseLinksCard({ c, onChanged }: { c: CaseView; onChanged(): void }) {
  const { t } = useI18n();
  const [adding, setAdding] = useState(false);
  const [unlinking, setUnlinking] = useState<LinkRow>();
  const [form] = Form.useForm<{ recordingId: string; stage: CaseStage; note?: string }>();
  const [unlinkForm] = Form.useForm<{ reason: string }>();

  const add = async (v: { recordingId: string; stage: CaseStage; note?: string }) => {
    try {
      await unwrap(client.POST('/api/cases/{id}/links', { params: { path: { id: c.id } }, body: { recordingId: v.recordingId, stage: v.stage, note: v.note?.trim() || null } }));
      notifySuccess(t('cases.saved'));
      setAdding(false);
      form.resetFields();
      onChanged();
    } catch (e) {
      showFormError(form, e, ['recordingId', 'stage', 'note']);
    }
  };
  const unlink = async (v: { reason: string }) => {
    if (!unlinking) return;
    try {
      await unwrap(client.POST('/api/cases/{id}/links/{linkId}/unlink', { params: { path: { id: c.id, linkId: unlinking.id } }, body: { reason: v.reason } }));
      setUnlinking(undefined);
      unlinkForm.resetFields();
      onChanged();
    } catch (e) {
      showFormError(unlinkForm, e, ['reason']);
    }
  };

  return (
    <Card
      title={t('cases.links')}
      style={{ marginBottom: 16 }}
      extra={
        c.canEdit && (
          <Button data-testid="add-link" onClick={() => { form.setFieldsValue({ stage: c.status === 'closed' ? 'execution' : c.status }); setAdding(true); }}>
            {t('cases.links.add')}
          </Button>
        )
      }
    >
      <Table<LinkRow>
        rowKey="id"
        size="small"
        pagination={false}
        dataSource={c.links}
        data-testid="case-links"
        locale={{ emptyText: t('cases.links.empty') }}
        columns={[
          { title: t('cases.links.stage'), render: (_, l) => t(`cases.stage.${l.stage}`) },
          { title: t('cases.links.recordingId'), render: (_, l) => <Link to={`/recordings/${l.recordingId}`}>{l.recording.fileName}</Link> },
          { title: t('rec.recordedStart'), render: (_, l) => formatTime(l.recording.recordedStart, false) },
          { title: t('cases.links.note'), render: (_, l) => l.note ?? '—' },
          { title: '', render: (_, l) => `${l.linkedBy} · ${formatTime(l.linkedAt, false)}` },
          {
            title: '',
            render: (_, l) =>
              l.unlinkedAt ? (
                <Tag title={l.unlinkReason ?? ''}>{t('cases.links.ended')}</Tag>
              ) : (
                c.canEdit && (
                  <Button size="small" type="link" danger onClick={() => setUnlinking(l)}>
                    {t('cases.links.unlink')}
                  </Button>
                )
              ),
          },
        ]}
      />
      {c.hiddenLinks > 0 && <Typography.Paragraph type="secondary" style={{ marginTop: 8 }}>{t('cases.links.hidden', { n: c.hiddenLinks })}</Typography.Paragraph>}
      <Modal title={t('cases.links.add')} open={adding} onCancel={() => setAdding(false)} onOk={() => form.submit()} destroyOnHidden>
        <Form form={form} layout="vertical" onFinish={add}>
          <Form.Item name="recordingId" label={t('cases.links.recordingId')} rules={[{ required: true, message: t('common.select', { field: t('cases.links.recordingId') }) }]}>
            <RecordingPicker departmentId={c.departmentId} />
          </Form.Item>
          <Form.Item name="stage" label={t('cases.links.stage')} rules={[{ required: true }]}>
            <Select data-testid="link-stage" options={stagesOf(c.procedure).map((s) => ({ value: s, label: t(`cases.stage.${s}`) }))} />
          </Form.Item>
          <Form.Item name="note" label={t('cases.links.note')}>
            <Input maxLength={300} />
          </Form.Item>
        </Form>
      </Modal>
      <Modal title={t('cases.links.unlink')} open={!!unlinking} onCancel={() => setUnlinking(undefined)} onOk={() => unlinkForm.submit()} destroyOnHidden>
        <Form form={unlinkForm} layout="vertical" onFinish={unlink}>
          <Form.Item name="reason" label={t('cases.links.unlinkReason')} rules={[{ required: true, min: 2 }]}>
            <Input.TextArea rows={2} maxLength={500} />
          </Form.Item>
        </Form>
      </Modal>
    </Card>
  );
}
