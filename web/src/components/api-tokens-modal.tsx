import { Alert, Button, Form, Input, InputNumber, Modal, Popconfirm, Space, Table, Tag, Typography } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { client, unwrap } from '../api/client.ts';
import type { ApiToken, CreatedApiToken } from '../api/shapes.ts';
import { useI18n } from '../i18n/i18n-context.tsx';
import { notifyError, notifySuccess, showFormError } from '../lib/notify.ts';
import { formatTime } from '../lib/time.ts';
import { textRules, validFormValues } from '../lib/validation.ts';

interface NewToken {
  name: string;
  expiresInDays: number;
}

/** The user's personal API tokens (for the workstation CLI): list, create (secret shown once), revoke. */
export function ApiTokensModal({ open, onClose }: { open: boolean; onClose(): void }) {
  const { t } = useI18n();
  const [form] = Form.useForm<NewToken>();
  const [tokens, setTokens] = useState<ApiToken[]>();
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<CreatedApiToken>();

  const load = useCallback(() => {
    unwrap(client.GET('/api/api-tokens')).then((r) => setTokens(r.items), notifyError);
  }, []);
  useEffect(() => {
    if (open) load();
    else setCreated(undefined);
  }, [open, load]);

  const create = async () => {
    const v = await validFormValues(form);
    if (!v) return;
    setCreating(true);
    try {
      const tok = await unwrap(client.POST('/api/api-tokens', { body: v }));
      setCreated(tok);
      form.resetFields();
      load();
    } catch (e) {
      showFormError(form, e, ['name', 'expiresInDays']);
    } finally {
      setCreating(false);
    }
  };

  const revoke = async (id: string) => {
    try {
      await unwrap(client.POST('/api/api-tokens/{id}/revoke', { params: { path: { id } } }));
      notifySuccess(t('tokens.revoked'));
      load();
    } catch (e) {
      notifyError(e);
    }
  };

  const statusOf = (tok: ApiToken) =>
    tok.revokedAt ? <Tag>{t('tokens.revoked')}</Tag> : new Date(tok.expiresAt) < new Date() ? <Tag color="orange">{t('tokens.expired')}</Tag> : <Tag color="green">{t('tokens.active')}</Tag>;

  return (
    <Modal title={t('tokens.title')} open={open} onCancel={onClose} footer={<Button onClick={onClose}>{t('common.close')}</Button>} width={820} destroyOnHidden>
      <Typography.Paragraph type="secondary">{t('tokens.hint')}</Typography.Paragraph>
      {created && (
        <Alert
          type="warning"
          showIcon
          style={{ marginBottom: 16 }}
          title={t('tokens.createdTitle')}
          description={
            <>
              <div>{t('tokens.showOnce')}</div>
              <Typography.Paragraph code copyable={{ text: created.token, tooltips: [t('common.copy'), t('common.copied')] }} style={{ marginTop: 8, marginBottom: 0, wordBreak: 'break-all' }} data-testid="new-token">
                {created.token}
              </Typography.Paragraph>
            </>
          }
        />
      )}
      <Form form={form} layout="inline" initialValues={{ expiresInDays: 90 }} style={{ marginBottom: 16 }}>
        <Form.Item name="name" label={t('tokens.name')} rules={textRules(t, t('tokens.name'), 80)}>
          <Input placeholder={t('tokens.namePlaceholder')} style={{ width: 220 }} />
        </Form.Item>
        <Form.Item name="expiresInDays" label={t('tokens.expiresInDays')} rules={[{ required: true, type: 'integer', min: 1, max: 365, message: '1–365' }]}>
          <InputNumber min={1} max={365} precision={0} />
        </Form.Item>
        <Form.Item>
          <Button type="primary" onClick={create} loading={creating}>
            {t('tokens.create')}
          </Button>
        </Form.Item>
      </Form>
      <Table<ApiToken>
        rowKey="id"
        size="small"
        loading={tokens === undefined}
        dataSource={tokens ?? []}
        pagination={false}
        locale={{ emptyText: t('tokens.empty') }}
        columns={[
          { title: t('tokens.name'), dataIndex: 'name' },
          { title: t('tokens.prefix'), dataIndex: 'prefix', render: (p: string) => <Typography.Text code>{p}…</Typography.Text> },
          { title: t('tokens.expiresAt'), dataIndex: 'expiresAt', render: (v: string) => formatTime(v, false) },
          { title: t('tokens.lastUsed'), dataIndex: 'lastUsedAt', render: (v: string | null) => formatTime(v, false) },
          { title: t('users.status'), key: 'status', render: (_, tok) => statusOf(tok) },
          {
            title: t('common.actions'),
            key: 'actions',
            render: (_, tok) =>
              tok.revokedAt ? null : (
                <Space>
                  <Popconfirm title={t('tokens.revokeConfirm')} onConfirm={() => revoke(tok.id)} okText={t('tokens.revoke')} cancelText={t('common.cancel')}>
                    <Button size="small" danger>
                      {t('tokens.revoke')}
                    </Button>
                  </Popconfirm>
                </Space>
              ),
          },
        ]}
      />
    </Modal>
  );
}
