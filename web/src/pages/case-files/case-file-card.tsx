import { FileAddOutlined, FilePdfOutlined, LockOutlined, SwapOutlined } from '@ant-design/icons';
import { Alert, Button, Card, DatePicker, Descriptions, Form, Input, Modal, Popconfirm, Progress, Select, Space, Switch, Table, Tag, Typography, Upload } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { useI18n } from '../../i18n/i18n-context.tsx';
import { notifyError, notifySuccess } from '../../lib/notify.ts';
import { formatDate, formatTime, todayInShanghai, dayjs } from '../../lib/time.ts';
import { useSession } from '../../session/session-context.tsx';
import {
  archiveCaseFile,
  buildCaseFile,
  buildPdfUrl,
  caseFileState,
  caseFileTemplate,
  documentContentUrl,
  listDocuments,
  supersedeDocument,
  uploadDocument,
  type CaseDocument,
  type CaseFileBuild,
  type CaseFileState,
  type CaseFileTemplate,
} from './case-files-api.ts';

const mono = { fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace', fontSize: 12 };

/**
 * 卷宗: a case's written records and its bound case file (第五、九条) — the documents with their hashes and an
 * upload form, the completeness review (案卷评查), 生成案卷 with progress and the built PDFs (viewed inline in a
 * new tab, each read audited, 第十四条), and 归档 (refused by the server while the review finds anything).
 * Used on the case detail page and on its own page /cases/:id/case-file.
 */
export function CaseFileCard({ caseId, refreshKey }: { caseId: string; /** Changes when the case page reloads the case (links, stages, reasons): the review is read again. */ refreshKey?: unknown }) {
  const { t, language } = useI18n();
  const { can } = useSession();
  const [docs, setDocs] = useState<CaseDocument[]>();
  const [state, setState] = useState<CaseFileState>();
  const [template, setTemplate] = useState<CaseFileTemplate>();
  const [uploadOpen, setUploadOpen] = useState(false);
  const [superseding, setSuperseding] = useState<CaseDocument>();
  const [building, setBuilding] = useState(false);
  const [archiving, setArchiving] = useState(false);

  const reload = useCallback(async () => {
    try {
      const [d, s] = await Promise.all([listDocuments(caseId), caseFileState(caseId)]);
      setDocs(d);
      setState(s);
    } catch (e) {
      notifyError(e);
    }
  }, [caseId]);
  useEffect(() => {
    void reload();
  }, [reload, refreshKey]);
  useEffect(() => {
    caseFileTemplate().then(setTemplate, notifyError);
  }, []);

  const archived = !!state?.archive;
  const mayWrite = can('casefiles:write') && !archived;
  const mayRead = can('casefiles:read');
  const name = (v: { zh: string; en: string }) => (language === 'en' ? v.en : v.zh);

  const build = async () => {
    setBuilding(true);
    try {
      const b = await buildCaseFile(caseId);
      notifySuccess(t('caseFile.built', { pages: b.totalPages, numbered: b.numberedPages }));
      await reload();
    } catch (e) {
      notifyError(e);
    } finally {
      setBuilding(false);
    }
  };
  const archive = async () => {
    setArchiving(true);
    try {
      const s = await archiveCaseFile(caseId);
      notifySuccess(t('caseFile.archiveDone', { number: s.archive?.archiveNumber ?? '' }));
      await reload();
    } catch (e) {
      notifyError(e);
      await reload();
    } finally {
      setArchiving(false);
    }
  };

  return (
    <Card
      title={
        <Space>
          {t('caseFile.title')}
          {archived && (
            <Tag color="green" icon={<LockOutlined />} data-testid="case-file-archived">
              {t('caseFile.archived')} {state!.archive!.archiveNumber}
            </Tag>
          )}
        </Space>
      }
      style={{ marginBottom: 16 }}
      data-testid="case-file-card"
      extra={
        <Space>
          {mayWrite && (
            <Button icon={<FileAddOutlined />} onClick={() => setUploadOpen(true)} data-testid="case-file-upload">
              {t('caseFile.upload')}
            </Button>
          )}
          {mayWrite && (
            <Button type="primary" icon={<FilePdfOutlined />} loading={building} onClick={() => void build()} data-testid="case-file-build">
              {t('caseFile.build')}
            </Button>
          )}
          {can('casefiles:archive') && !archived && (
            <Popconfirm title={t('caseFile.archiveConfirm')} onConfirm={() => void archive()} disabled={!state?.review.ok}>
              <Button danger icon={<LockOutlined />} loading={archiving} disabled={!state?.review.ok} data-testid="case-file-archive">
                {t('caseFile.archive')}
              </Button>
            </Popconfirm>
          )}
        </Space>
      }
    >
      {building && (
        <div style={{ marginBottom: 16 }} data-testid="case-file-progress">
          <Typography.Text>{t('caseFile.building')}</Typography.Text>
          <Progress percent={100} status="active" showInfo={false} />
        </div>
      )}
      {state?.archive && (
        <Descriptions
          size="small"
          bordered
          column={{ xs: 1, md: 2 }}
          style={{ marginBottom: 16 }}
          items={[
            { key: 'no', label: t('caseFile.archiveNumber'), children: <span data-testid="archive-number">{state.archive.archiveNumber}</span> },
            { key: 'code', label: t('caseFile.dossierCode'), children: state.archive.dossierCode },
            { key: 'ret', label: t('caseFile.retention'), children: name(state.archive.retention) },
            { key: 'until', label: t('caseFile.retainUntil'), children: state.archive.retainUntil ?? t('caseFile.permanent') },
            { key: 'at', label: t('caseFile.archivedAt'), children: formatTime(state.archive.archivedAt) },
            { key: 'by', label: t('caseFile.archivedBy'), children: state.archive.archivedBy },
          ]}
        />
      )}
      {state && !state.archive && (
        <Alert
          style={{ marginBottom: 16 }}
          type={state.review.ok ? 'success' : 'warning'}
          showIcon
          data-testid="case-file-review"
          message={`${t('caseFile.review')}：${state.review.ok ? t('caseFile.reviewOk') : t('caseFile.reviewProblems', { count: state.review.problems.length })}`}
          description={
            state.review.ok ? undefined : (
              <ul style={{ margin: 0, paddingInlineStart: 20 }}>
                {state.review.problems.map((p, i) => (
                  <li key={i}>{name(p)}</li>
                ))}
              </ul>
            )
          }
        />
      )}

      <Typography.Title level={5}>{t('caseFile.documents')}</Typography.Title>
      <Table<CaseDocument>
        rowKey="id"
        size="small"
        pagination={false}
        loading={!docs}
        dataSource={docs}
        locale={{ emptyText: t('caseFile.noDocuments') }}
        scroll={{ x: true }}
        data-testid="case-file-documents"
        columns={[
          { key: 'type', title: t('caseFile.col.type'), render: (_, d) => name(d.typeName) },
          { key: 'number', title: t('caseFile.col.number'), dataIndex: 'number' },
          {
            key: 'title',
            title: t('caseFile.col.title'),
            render: (_, d) => {
              const by = d.supersededBy;
              const replacement = by && docs?.find((x) => x.id === by.documentId);
              const replaced = d.supersedes && docs?.find((x) => x.id === d.supersedes);
              return (
                <Space direction="vertical" size={2}>
                  <Typography.Text delete={!!by} type={by ? 'secondary' : undefined}>
                    {d.title}
                  </Typography.Text>
                  {by && (
                    <Typography.Text type="secondary" style={{ fontSize: 12 }} data-testid="superseded-note">
                      <Tag color="orange">{t('caseFile.superseded')}</Tag>
                      {t('caseFile.supersededNote', { by: by.by, at: formatTime(by.at), reason: by.reason })}{' '}
                      <a href={`#doc-${by.documentId}`}>{t('caseFile.replacedBy', { title: replacement ? replacement.title : by.documentId.slice(0, 8) })}</a>
                    </Typography.Text>
                  )}
                  {d.supersedes && (
                    <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                      {t('caseFile.replaces', { title: replaced ? replaced.title : d.supersedes.slice(0, 8) })}
                    </Typography.Text>
                  )}
                </Space>
              );
            },
          },
          { key: 'responsible', title: t('caseFile.col.responsible'), dataIndex: 'responsible' },
          { key: 'date', title: t('caseFile.col.date'), dataIndex: 'date' },
          { key: 'pages', title: t('caseFile.col.pages'), dataIndex: 'pageCount', align: 'right' },
          {
            key: 'receipt',
            title: t('caseFile.col.receipt'),
            render: (_, d) => (d.receiptSigned === null ? '—' : d.receiptSigned ? <Tag color="green">{t('caseFile.receiptSigned')}</Tag> : <Tag color="red">{t('caseFile.receiptUnsigned')}</Tag>),
          },
          {
            key: 'hash',
            title: t('caseFile.col.hash'),
            render: (_, d) => (
              <Typography.Text style={mono} copyable={{ text: `SHA-256 ${d.sha256}\nSM3 ${d.sm3}` }}>
                {d.sha256.slice(0, 12)}… / {d.sm3.slice(0, 12)}…
              </Typography.Text>
            ),
          },
          ...(mayRead
            ? [
                {
                  key: 'view',
                  title: t('caseFile.col.view'),
                  render: (_: unknown, d: CaseDocument) => (
                    <a href={documentContentUrl(caseId, d.id)} target="_blank" rel="noreferrer">
                      {t('caseFile.col.view')}
                    </a>
                  ),
                },
              ]
            : []),
          ...(mayWrite
            ? [
                {
                  key: 'supersede',
                  title: t('caseFile.col.actions'),
                  render: (_: unknown, d: CaseDocument) =>
                    d.supersededBy ? null : (
                      <Button size="small" icon={<SwapOutlined />} onClick={() => setSuperseding(d)} data-testid={`supersede-${d.id}`}>
                        {t('caseFile.supersede')}
                      </Button>
                    ),
                },
              ]
            : []),
        ]}
        onRow={(d) => ({ id: `doc-${d.id}` })}
      />

      <Typography.Title level={5} style={{ marginTop: 24 }}>
        {t('caseFile.builds')}
      </Typography.Title>
      <Table<CaseFileBuild>
        rowKey="id"
        size="small"
        pagination={false}
        loading={!state}
        dataSource={state?.builds}
        locale={{ emptyText: t('caseFile.noBuilds') }}
        data-testid="case-file-builds"
        expandable={{
          expandedRowRender: (b) => (
            <Table
              rowKey="seq"
              size="small"
              pagination={false}
              dataSource={b.catalogue}
              columns={[
                { key: 'seq', title: t('caseFile.col.seq'), dataIndex: 'seq', width: 60 },
                { key: 'responsible', title: t('caseFile.col.responsible'), dataIndex: 'responsible' },
                { key: 'number', title: t('caseFile.col.number'), dataIndex: 'number' },
                { key: 'title', title: t('caseFile.col.title'), dataIndex: 'title' },
                { key: 'date', title: t('caseFile.col.date'), dataIndex: 'date' },
                { key: 'page', title: t('caseFile.col.startPage'), dataIndex: 'startPage', align: 'right' },
              ]}
            />
          ),
        }}
        columns={[
          { key: 'at', title: t('caseFile.col.builtAt'), render: (_, b) => formatTime(b.builtAt) },
          { key: 'by', title: t('caseFile.col.builtBy'), dataIndex: 'builtBy' },
          { key: 'kind', title: '', render: (_, b) => (b.final ? <Tag color="green">{t('caseFile.final')}</Tag> : <Tag>{t('caseFile.working')}</Tag>) },
          { key: 'pages', title: t('caseFile.col.totalPages'), dataIndex: 'totalPages', align: 'right' },
          { key: 'numbered', title: t('caseFile.col.numberedPages'), dataIndex: 'numberedPages', align: 'right' },
          {
            key: 'pdf',
            title: '',
            render: (_, b) =>
              mayRead ? (
                <a href={buildPdfUrl(caseId, b.id)} target="_blank" rel="noreferrer" data-testid="case-file-pdf-link">
                  <FilePdfOutlined /> {t('caseFile.viewPdf')}
                </a>
              ) : null,
          },
        ]}
      />
      <Typography.Paragraph type="secondary" style={{ margin: '12px 0 0', fontSize: 12 }}>
        {t('caseFile.hint')}
      </Typography.Paragraph>
      {superseding && docs && (
        <SupersedeModal
          caseId={caseId}
          document={superseding}
          candidates={docs.filter((d) => d.id !== superseding.id && !d.supersededBy)}
          onClose={() => setSuperseding(undefined)}
          onDone={async () => {
            setSuperseding(undefined);
            notifySuccess(t('caseFile.supersededDone', { title: superseding.title }));
            await reload();
          }}
        />
      )}
      {uploadOpen && template && (
        <UploadModal
          caseId={caseId}
          template={template}
          onClose={() => setUploadOpen(false)}
          onUploaded={async (d) => {
            setUploadOpen(false);
            notifySuccess(t('caseFile.uploaded', { title: d.title, pages: d.pageCount }));
            await reload();
          }}
        />
      )}
    </Card>
  );
}

interface UploadForm {
  type: string;
  title: string;
  responsible: string;
  number?: string;
  date: ReturnType<typeof dayjs>;
  receiptSigned?: boolean;
}

function UploadModal({ caseId, template, onClose, onUploaded }: { caseId: string; template: CaseFileTemplate; onClose(): void; onUploaded(d: CaseDocument): Promise<void> }) {
  const { t, language } = useI18n();
  const [form] = Form.useForm<UploadForm>();
  const [file, setFile] = useState<File>();
  const [busy, setBusy] = useState(false);
  const type = Form.useWatch('type', form);
  const isReceipt = template.documentTypes.find((d) => d.code === type)?.serviceReceipt ?? false;

  const submit = async () => {
    const v = await form.validateFields();
    if (!file) {
      notifyError(new Error(t('caseFile.fileRequired')));
      return;
    }
    setBusy(true);
    try {
      const d = await uploadDocument(caseId, file, {
        type: v.type,
        title: v.title,
        responsible: v.responsible,
        number: v.number,
        date: formatDate(v.date) ?? todayInShanghai(),
        ...(isReceipt && { receiptSigned: !!v.receiptSigned }),
      });
      await onUploaded(d);
    } catch (e) {
      notifyError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal open title={t('caseFile.uploadTitle')} onCancel={onClose} onOk={() => void submit()} confirmLoading={busy} destroyOnHidden width={560}>
      <Form form={form} layout="vertical" initialValues={{ date: dayjs(todayInShanghai()) }} data-testid="case-file-upload-form">
        <Form.Item name="type" label={t('caseFile.col.type')} rules={[{ required: true }]}>
          <Select
            showSearch
            optionFilterProp="label"
            data-testid="upload-type"
            options={template.documentTypes.map((d) => ({ value: d.code, label: language === 'en' ? d.en : d.zh }))}
          />
        </Form.Item>
        <Form.Item name="title" label={t('caseFile.col.title')} rules={[{ required: true, max: 200 }]}>
          <Input data-testid="upload-title" />
        </Form.Item>
        <Form.Item name="responsible" label={t('caseFile.col.responsible')} rules={[{ required: true, max: 100 }]}>
          <Input data-testid="upload-responsible" />
        </Form.Item>
        <Form.Item name="number" label={t('caseFile.col.number')} rules={[{ max: 100 }]}>
          <Input />
        </Form.Item>
        <Form.Item name="date" label={t('caseFile.col.date')} rules={[{ required: true }]}>
          <DatePicker style={{ width: '100%' }} />
        </Form.Item>
        {isReceipt && (
          <Form.Item name="receiptSigned" label={t('caseFile.receiptSigned')} valuePropName="checked">
            <Switch />
          </Form.Item>
        )}
        <Form.Item label={t('caseFile.file')} required>
          <Upload
            accept="application/pdf,image/jpeg,image/png"
            maxCount={1}
            beforeUpload={(f) => {
              setFile(f);
              return false;
            }}
            onRemove={() => setFile(undefined)}
          >
            <Button data-testid="upload-choose">{t('caseFile.chooseFile')}</Button>
          </Upload>
        </Form.Item>
      </Form>
    </Modal>
  );
}

/**
 * 替换: the document stays stored and listed (已被替换); the chosen one — already uploaded to this case — takes its
 * place in the bound case file and the review. A written reason is required (the server says so too).
 */
function SupersedeModal({ caseId, document, candidates, onClose, onDone }: { caseId: string; document: CaseDocument; candidates: CaseDocument[]; onClose(): void; onDone(): Promise<void> }) {
  const { t, language } = useI18n();
  const [form] = Form.useForm<{ replacementId: string; reason: string }>();
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    // An invalid form shows its messages in place (no reason, no replacement); nothing is sent.
    const v = await form.validateFields().catch(() => undefined);
    if (!v) return;
    setBusy(true);
    try {
      await supersedeDocument(caseId, document.id, v.replacementId, v.reason);
      await onDone();
    } catch (e) {
      notifyError(e);
    } finally {
      setBusy(false);
    }
  };
  const label = (d: CaseDocument) => `${language === 'en' ? d.typeName.en : d.typeName.zh} · ${d.title} · ${d.date}`;
  return (
    <Modal open title={t('caseFile.supersedeTitle', { title: document.title })} onCancel={onClose} onOk={() => void submit()} okText={t('caseFile.supersede')} confirmLoading={busy} destroyOnHidden width={560}>
      <Typography.Paragraph type="secondary">{t('caseFile.supersedeHint')}</Typography.Paragraph>
      <Form form={form} layout="vertical" data-testid="case-file-supersede-form">
        <Form.Item name="replacementId" label={t('caseFile.replacement')} rules={[{ required: true, message: t('caseFile.replacementRequired') }]}>
          <Select data-testid="supersede-replacement" options={candidates.map((d) => ({ value: d.id, label: label(d) }))} notFoundContent={t('caseFile.noReplacement')} />
        </Form.Item>
        <Form.Item name="reason" label={t('caseFile.supersedeReason')} rules={[{ required: true, whitespace: true, message: t('caseFile.supersedeReasonRequired') }, { max: 2000 }]}>
          <Input.TextArea rows={3} data-testid="supersede-reason" />
        </Form.Item>
      </Form>
    </Modal>
  );
}
