import { Button, Card, Form, Input, Modal, Select, Table } from 'antd';
import { useCallback, useEffect, useRef, useState } from 'react';
import { Link } from 'react-router-dom';
import { client, unwrap } from '../../api/client.ts';
import { useI18n } from '../../i18n/i18n-context.tsx';
import { notifyError, notifySuccess, showFormError } from '../../lib/notify.ts';
import { formatTime } from '../../lib/time.ts';
import { useSession } from '../../session/session-context.tsx';
import { STAGES, type CaseListItem, type CaseStage, type RecordingCase } from './cases-api.ts';
import { StageTag } from './case-tags.tsx';

/** On the recording page: the cases it serves (those the user may read), and linking it to a case stage. */
export function RecordingCasesCard({ recordingId }: { recordingId: string }) {
  const { t } = useI18n();
  const { can } = useSession();
  const [items, setItems] = useState<RecordingCase[]>();
  const [open, setOpen] = useState(false);
  const [cases, setCases] = useState<CaseListItem[]>([]);
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  const [form] = Form.useForm<{ caseId: string; stage: CaseStage; note?: string }>();

  const load = useCallback(() => unwrap(client.GET('/api/recordings/{id}/cases', { params: { path: { id: recordingId } } })).then((r) => setItems(r.items), notifyError), [recordingId]);
  useEffect(() => {
    if (can('cases:read')) void load();
  }, [load, can]);
  if (!can('cases:read')) return null;

  const searchCases = (q?: string) =>
    unwrap(client.GET('/api/cases', { params: { query: { limit: 50, ...(q && { q }) } } })).then((r) => setCases(r.items.filter((c) => c.status !== 'closed')), notifyError);

  const submit = async (v: { caseId: string; stage: CaseStage; note?: string }) => {
    try {
      await unwrap(client.POST('/api/recordings/{id}/cases', { params: { path: { id: recordingId } }, body: { caseId: v.caseId, stage: v.stage, note: v.note?.trim() || null } }));
      notifySuccess(t('cases.saved'));
      setOpen(false);
      form.resetFields();
      void load();
    } catch (e) {
      showFormError(form, e, ['caseId', 'stage', 'note']);
    }
  };

  return (
    <Card
      title={t('cases.recording.title')}
      style={{ marginBottom: 16 }}
      data-testid="recording-cases"
      extra={
        can('cases:write') && (
          <Button size="small" onClick={() => { void searchCases(); setOpen(true); }}>
            {t('cases.recording.link')}
          </Button>
        )
      }
    >
      <Table<RecordingCase>
        rowKey="linkId"
        size="small"
        pagination={false}
        loading={items === undefined}
        dataSource={items ?? []}
        locale={{ emptyText: t('cases.recording.empty') }}
        columns={[
          { title: t('cases.col.caseNumber'), render: (_, r) => <Link to={`/cases/${r.caseId}`}>{r.caseNumber}</Link> },
          { title: t('cases.links.stage'), render: (_, r) => t(`cases.stage.${r.stage}`) },
          { title: t('cases.stage.current'), render: (_, r) => <StageTag stage={r.status} /> },
          { title: '', render: (_, r) => `${r.linkedBy} · ${formatTime(r.linkedAt, false)}` },
        ]}
      />
      <Modal title={t('cases.recording.link')} open={open} onCancel={() => setOpen(false)} onOk={() => form.submit()} destroyOnHidden>
        <Form form={form} layout="vertical" onFinish={submit}>
          <Form.Item name="caseId" label={t('cases.recording.case')} rules={[{ required: true, message: t('common.select', { field: t('cases.recording.case') }) }]}>
            <Select
              showSearch
              filterOption={false}
              onSearch={(q) => {
                clearTimeout(timer.current);
                timer.current = setTimeout(() => void searchCases(q.trim()), 300);
              }}
              options={cases.map((c) => ({ value: c.id, label: `${c.caseNumber} · ${c.cause}` }))}
            />
          </Form.Item>
          <Form.Item name="stage" label={t('cases.links.stage')} rules={[{ required: true }]}>
            <Select options={STAGES.map((s) => ({ value: s, label: t(`cases.stage.${s}`) }))} />
          </Form.Item>
          <Form.Item name="note" label={t('cases.links.note')}>
            <Input maxLength={300} />
          </Form.Item>
        </Form>
      </Modal>
    </Card>
  );
}
