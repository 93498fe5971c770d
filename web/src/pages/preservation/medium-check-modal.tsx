import { UploadOutlined } from '@ant-design/icons';
import { Alert, Button, Divider, Form, Input, Modal, Select, Space, Table, Tag, Typography } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { ApiError, client, csrfToken, unwrap } from '../../api/client.ts';
import { useI18n } from '../../i18n/i18n-context.tsx';
import { currentLanguage } from '../../i18n/language-store.ts';
import { notifyError, notifySuccess } from '../../lib/notify.ts';
import { formatTime } from '../../lib/time.ts';
import { MEDIUM_STATUS_COLORS, mediumStatusKey, type Medium, type MediumDetail, type MediumStatus } from './preservation-api.ts';

type Result = Exclude<MediumStatus, 'unchecked'>;

/**
 * 介质复检: the operator reads the physical medium on a computer, then either uploads the image read from it (the
 * server compares every file with the manifest written) or records what they found (missing, unreadable, or the
 * offline verifier's answer). The medium's check history is below.
 */
export function MediumCheckModal({ medium, onClose, onChecked }: { medium: Medium; onClose: () => void; onChecked: () => void }) {
  const { t } = useI18n();
  const [detail, setDetail] = useState<MediumDetail>();
  const [busy, setBusy] = useState(false);
  const [form] = Form.useForm<{ result: Result; detail: string }>();

  const load = useCallback(() => {
    unwrap(client.GET('/api/media/{id}', { params: { path: { id: medium.id } } })).then(setDetail, notifyError);
  }, [medium.id]);
  useEffect(load, [load]);

  const done = (d: MediumDetail) => {
    setDetail(d);
    notifySuccess(t('media.check.done', { result: t(mediumStatusKey(d.status)) }));
    onChecked();
  };

  const sendImage = async (file: File) => {
    setBusy(true);
    try {
      const res = await fetch(`/api/media/${medium.id}/checks/image`, {
        method: 'POST',
        body: file,
        headers: { 'content-type': 'application/octet-stream', 'x-csrf-token': csrfToken() ?? '', 'accept-language': currentLanguage() === 'en' ? 'en' : 'zh-CN' },
      });
      const body = await res.json();
      if (!res.ok) throw new ApiError(res.status, body, res.statusText);
      done(body as MediumDetail);
    } catch (e) {
      notifyError(e);
    } finally {
      setBusy(false);
    }
  };

  const report = async () => {
    const v = await form.validateFields();
    setBusy(true);
    try {
      done(await unwrap(client.POST('/api/media/{id}/checks', { params: { path: { id: medium.id } }, body: v })));
      form.resetFields();
    } catch (e) {
      notifyError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal open title={t('media.check.title', { label: medium.label })} onCancel={onClose} footer={null} width={760} destroyOnHidden>
      <Alert type="info" showIcon message={t('media.check.howTo')} style={{ marginBottom: 16 }} />
      <Typography.Title level={5}>{t('media.check.image')}</Typography.Title>
      <label>
        <input
          type="file"
          accept=".iso,application/octet-stream"
          style={{ display: 'none' }}
          data-testid="check-image-input"
          onChange={(e) => {
            const f = e.target.files?.[0];
            if (f) void sendImage(f);
            e.target.value = '';
          }}
        />
        <Button icon={<UploadOutlined />} loading={busy} onClick={(e) => (e.currentTarget.parentElement?.querySelector('input') as HTMLInputElement | null)?.click()}>
          {t('media.check.imagePick')}
        </Button>
      </label>
      <Divider />
      <Typography.Title level={5}>{t('media.check.report')}</Typography.Title>
      <Form form={form} layout="inline" initialValues={{ result: 'missing' }}>
        <Form.Item name="result" label={t('media.check.result')}>
          <Select<Result> style={{ width: 160 }} options={(['ok', 'unreadable', 'missing', 'mismatch'] as const).map((r) => ({ value: r, label: t(mediumStatusKey(r)) }))} />
        </Form.Item>
        <Form.Item name="detail" label={t('media.check.detail')} rules={[{ required: true, min: 2, whitespace: true }]}>
          <Input style={{ width: 300 }} maxLength={1000} />
        </Form.Item>
        <Button type="primary" loading={busy} onClick={report}>
          {t('media.check.report')}
        </Button>
      </Form>
      <Divider />
      <Typography.Title level={5}>{t('media.check.history')}</Typography.Title>
      <Table
        rowKey="id"
        size="small"
        loading={!detail}
        dataSource={detail?.checks}
        pagination={false}
        showHeader={false}
        columns={[
          { key: 'at', render: (_, c) => formatTime(c.checkedAt) },
          { key: 'by', render: (_, c) => c.checkedBy },
          { key: 'method', render: (_, c) => t(`media.check.method.${c.method}`) },
          { key: 'result', render: (_, c) => <Tag color={MEDIUM_STATUS_COLORS[c.result]}>{t(mediumStatusKey(c.result))}</Tag> },
          { key: 'detail', render: (_, c) => <Space style={{ wordBreak: 'break-all' }}>{c.detail}</Space> },
        ]}
      />
    </Modal>
  );
}
