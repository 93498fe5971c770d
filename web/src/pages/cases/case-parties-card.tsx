import { EyeOutlined } from '@ant-design/icons';
import { Button, Card, Form, Input, Modal, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { client, unwrap } from '../../api/client.ts';
import { useI18n } from '../../i18n/i18n-context.tsx';
import { notifyError } from '../../lib/notify.ts';
import type { CaseView } from './cases-api.ts';

type Party = CaseView['parties'][number];

/**
 * 当事人: ID numbers masked; with the reveal permission a button asks for a reason and shows the full number
 * (the server audits each reveal). The full number stays on this page only until it is left.
 */
export function CasePartiesCard({ c }: { c: CaseView }) {
  const { t } = useI18n();
  const [revealed, setRevealed] = useState<Record<string, string>>({});
  const [asking, setAsking] = useState<Party>();
  const [form] = Form.useForm<{ reason: string }>();

  const reveal = async (v: { reason: string }) => {
    if (!asking) return;
    try {
      const r = await unwrap(client.POST('/api/cases/{id}/parties/{partyId}/reveal', { params: { path: { id: c.id, partyId: asking.id } }, body: { reason: v.reason } }));
      setRevealed((m) => ({ ...m, [r.partyId]: r.idNumber }));
      setAsking(undefined);
      form.resetFields();
    } catch (e) {
      notifyError(e);
    }
  };

  return (
    <Card title={t('cases.parties')} style={{ marginBottom: 16 }} extra={<Typography.Text type="secondary" style={{ fontSize: 12 }}>{t('cases.party.encrypted')}</Typography.Text>}>
      <Table<Party>
        rowKey="id"
        size="small"
        pagination={false}
        dataSource={c.parties}
        columns={[
          { title: t('cases.party.name'), dataIndex: 'name' },
          { title: t('cases.party.kind'), render: (_, p) => t(`cases.party.kind.${p.kind}`) },
          { title: t('cases.party.idType'), render: (_, p) => t(`cases.party.idType.${p.idType}`) },
          {
            title: t('cases.party.idNumber'),
            render: (_, p) =>
              revealed[p.id] ? (
                <span>
                  <Typography.Text code data-testid="party-id-full">{revealed[p.id]}</Typography.Text> <Tag color="orange">{t('cases.party.revealed')}</Tag>
                </span>
              ) : (
                <span>
                  <Typography.Text code data-testid="party-id-masked">{p.idMasked}</Typography.Text>
                  {c.canReveal && (
                    <Button size="small" type="link" icon={<EyeOutlined />} data-testid="reveal-party" onClick={() => setAsking(p)}>
                      {t('cases.party.reveal')}
                    </Button>
                  )}
                </span>
              ),
          },
          { title: t('cases.party.representative'), render: (_, p) => p.representative ?? '—' },
          { title: t('cases.party.address'), render: (_, p) => p.address ?? '—' },
        ]}
      />
      <Modal title={t('cases.party.reveal')} open={!!asking} onCancel={() => setAsking(undefined)} onOk={() => form.submit()} destroyOnHidden>
        <Form form={form} layout="vertical" onFinish={reveal}>
          <Form.Item name="reason" label={t('cases.party.revealReason')} rules={[{ required: true, min: 2, message: t('common.required', { field: t('cases.party.revealReason') }) }]}>
            <Input maxLength={200} data-testid="reveal-reason" />
          </Form.Item>
        </Form>
      </Modal>
    </Card>
  );
}
