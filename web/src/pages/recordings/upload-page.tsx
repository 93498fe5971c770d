import { CloudUploadOutlined, InboxOutlined, UnorderedListOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Flex, Form, Space, Typography, Upload } from 'antd';
import { useEffect, useRef } from 'react';
import { Link } from 'react-router-dom';
import { useI18n } from '../../i18n/i18n-context.tsx';
import { localizeFieldMessage, notifyError } from '../../lib/notify.ts';
import { metadataFormFields, toMetadata, type MetadataFormValues } from '../../lib/recording-metadata.ts';
import { addFiles, clearFinished, hasActiveUploads, remove, retry, startWaiting, useUploadQueue } from '../../lib/upload-queue.ts';
import { useDepartments } from '../../lib/use-departments.ts';
import { useSession } from '../../session/session-context.tsx';
import { RecordingMetadataFields } from './recording-metadata-fields.tsx';
import { UploadFileList } from './upload-file-list.tsx';

/** What was typed last, so that coming back from another screen mid-batch keeps the form. */
let draft: Partial<MetadataFormValues> | undefined;

/**
 * 上传: one metadata form for the batch and a drop zone for many files; each file goes up with tus
 * on its own progress bar (第八、十条: footage reaches central storage the same day).
 */
export default function UploadPage() {
  const { t } = useI18n();
  const { me } = useSession();
  const { departments } = useDepartments();
  const [form] = Form.useForm<MetadataFormValues>();
  const items = useUploadQueue();
  const shownErrors = useRef(new Set<string>());

  // Chosen but not yet started (started ones wait for a free slot on their own).
  const waiting = items.filter((i) => i.state === 'waiting' && !i.queued).length;
  const count = (s: string) => items.filter((i) => i.state === s).length;
  const finished = count('stored') + count('duplicate') + count('failed');

  // The server checks the metadata before accepting any byte (officer qualification, department
  // scope): its field errors go onto the form, once per refused file.
  useEffect(() => {
    const refused = items.filter((i) => i.errorFields && Object.keys(i.errorFields).length && !shownErrors.current.has(i.key));
    if (!refused.length) return;
    refused.forEach((i) => shownErrors.current.add(i.key));
    const known = new Set<string>(metadataFormFields);
    const fields = Object.entries(refused.at(-1)!.errorFields!).filter(([k]) => known.has(k));
    form.setFields(fields.map(([k, v]) => ({ name: k as keyof MetadataFormValues, errors: [localizeFieldMessage(v)] })));
  }, [items, form]);

  /** The form as the server takes it, or undefined (with the errors shown) while it is incomplete. */
  const metadataJson = async () => {
    try {
      return JSON.stringify(toMetadata(await form.validateFields()));
    } catch {
      notifyError(new Error(t('upload.fixForm')));
      form.scrollToField(form.getFieldsError().find((f) => f.errors.length)?.name ?? 'departmentId', { behavior: 'smooth', block: 'center' });
      return undefined;
    }
  };

  const start = async () => {
    const json = await metadataJson();
    if (json) startWaiting(json);
  };

  const initialValues: Partial<MetadataFormValues> = draft ?? {
    departmentId: me?.departmentId ?? undefined,
    // An officer usually uploads their own footage.
    officerIds: me?.personId ? [me.personId] : [],
  };

  return (
    <>
      <Flex justify="space-between" align="center" style={{ marginBottom: 16 }}>
        <Typography.Title level={3} style={{ margin: 0 }}>
          {t('upload.title')}
        </Typography.Title>
        <Link to="/recordings">
          <Button icon={<UnorderedListOutlined />}>{t('nav.recordings')}</Button>
        </Link>
      </Flex>
      <Card title={t('upload.metaTitle')} style={{ marginBottom: 16 }}>
        <Typography.Paragraph type="secondary" style={{ marginTop: -4 }}>
          {t('upload.metaHint')}
        </Typography.Paragraph>
        <Form<MetadataFormValues>
          form={form}
          layout="vertical"
          autoComplete="off"
          initialValues={initialValues}
          onValuesChange={(_, all) => {
            draft = all;
          }}
          data-testid="upload-form"
        >
          <RecordingMetadataFields form={form} departments={departments} columns={3} />
        </Form>
      </Card>
      <Card title={t('upload.files')}>
        <div data-testid="upload-drop">
          <Upload.Dragger
            multiple
            fileList={[]}
            showUploadList={false}
            // The files go through the tus queue, not antd's uploader: take the whole batch once.
            beforeUpload={(file, batch) => {
              if (file === batch[0]) addFiles(batch);
              return Upload.LIST_IGNORE;
            }}
          >
            <p className="ant-upload-drag-icon">
              <InboxOutlined />
            </p>
            <p className="ant-upload-text">{t('upload.dropTitle')}</p>
            <p className="ant-upload-hint" style={{ padding: '0 24px' }}>
              {t('upload.dropHint')}
            </p>
          </Upload.Dragger>
        </div>
        <Alert type="info" showIcon title={t('upload.hashNote')} style={{ margin: '16px 0' }} />
        {hasActiveUploads(items) && <Alert type="warning" showIcon title={t('upload.leaveWarning')} style={{ marginBottom: 16 }} />}
        <Flex justify="space-between" align="center" wrap gap={8} style={{ marginBottom: 12 }}>
          <Space>
            <Button type="primary" icon={<CloudUploadOutlined />} disabled={!waiting} onClick={() => void start()} data-testid="upload-start">
              {waiting ? t('upload.start', { n: waiting }) : t('upload.startNone')}
            </Button>
            <Button onClick={clearFinished} disabled={!count('stored') && !count('duplicate')}>
              {t('upload.clearDone')}
            </Button>
          </Space>
          {finished > 0 && (
            <Typography.Text type="secondary" data-testid="upload-summary">
              {t('upload.summary', { total: items.length, stored: count('stored'), duplicate: count('duplicate'), failed: count('failed') })}
            </Typography.Text>
          )}
        </Flex>
        <UploadFileList
          items={items}
          onRemove={remove}
          onRetry={(key) => {
            void metadataJson().then((json) => json && retry(key, json));
          }}
        />
      </Card>
    </>
  );
}
