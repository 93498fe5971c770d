import { EyeOutlined, PlusOutlined } from '@ant-design/icons';
import { Button, Card, Form, Input, Modal, Select, Space, Table, Tag, Tooltip, Typography } from 'antd';
import { useState } from 'react';
import { ApiError, client, unwrap } from '../../api/client.ts';
import { useI18n } from '../../i18n/i18n-context.tsx';
import { notifyError, showFormError } from '../../lib/notify.ts';
import type { CaseView } from './cases-api.ts';

type PartyInput = { kind: Party['kind']; name: string; idType: Party['idType']; idNumber: string; representative?: string; address?: string };

type Party = CaseView['parties'][number];

/**
 * 当事人: ID numbers masked; with the reveal permission a button asks for a reason and shows the full number
 * (the server audits each reveal). The full number stays on this page only until it is left.
 */
export function CasePartiesCard({ c, onChange }: { c: CaseView; onChange(v: CaseView): void }) {
  const { t } = useI18n();
  const [revealed, setRevealed] = useState<Record<string, string>>({});
  // Parties whose full number the server could not decrypt (key file mismatch or damaged ciphertext): the
  // server's explanation stays next to the masked number instead of only a passing toast.
  const [unreadable, setUnreadable] = useState<Record<string, string>>({});
  const [asking, setAsking] = useState<Party>();
  const [form] = Form.useForm<{ reason: string }>();
  const [adding, setAdding] = useState(false);
  const [addForm] = Form.useForm<PartyInput>();

  const add = async (v: PartyInput) => {
    try {
      const saved = await unwrap(
        client.POST('/api/cases/{id}/parties', {
          params: { path: { id: c.id } },
          body: { kind: v.kind, name: v.name, idType: v.idType, idNumber: v.idNumber, representative: v.representative || null, address: v.address || null },
        }),
      );
      setAdding(false);
      addForm.resetFields();
      onChange(saved);
    } catch (e) {
      showFormError(addForm, e, ['kind', 'name', 'idType', 'idNumber', 'representative', 'address']);
    }
  };

  const reveal = async (v: { reason: string }) => {
    if (!asking) return;
    try {
      const r = await unwrap(client.POST('/api/cases/{id}/parties/{partyId}/reveal', { params: { path: { id: c.id, partyId: asking.id } }, body: { reason: v.reason } }));
      setRevealed((m) => ({ ...m, [r.partyId]: r.idNumber }));
      setAsking(undefined);
      form.resetFields();
    } catch (e) {
      if (e instanceof ApiError && (e.code === 'PARTY_KEY_UNAVAILABLE' || e.code === 'PARTY_ID_UNREADABLE')) {
        setUnreadable((m) => ({ ...m, [asking.id]: e.message }));
        setAsking(undefined);
        form.resetFields();
      }
      notifyError(e);
    }
  };

  return (
    <Card
      title={t('cases.parties')}
      style={{ marginBottom: 16 }}
      extra={
        c.canEdit && (
          <Button size="small" icon={<PlusOutlined />} onClick={() => { addForm.setFieldsValue({ kind: 'person', idType: 'resident_id' }); setAdding(true); }}>
            {t('cases.party.add')}
          </Button>
        )
      }
    >
      <Typography.Paragraph type="secondary" style={{ fontSize: 12 }}>{t('cases.party.encrypted')}</Typography.Paragraph>
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
                  {unreadable[p.id] && (
                    <Tooltip title={unreadable[p.id]}>
                      <Tag color="red" data-testid="party-id-unreadable" style={{ marginLeft: 8 }}>{t('cases.party.unreadable')}</Tag>
                    </Tooltip>
                  )}
                  {c.canReveal && !unreadable[p.id] && (
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
      <Modal title={t('cases.party.add')} open={adding} onCancel={() => setAdding(false)} onOk={() => addForm.submit()} destroyOnHidden>
        <Form form={addForm} layout="vertical" onFinish={add}>
          <Space wrap>
            <Form.Item name="kind" label={t('cases.party.kind')}>
              <Select style={{ width: 160 }} options={(['person', 'organisation'] as const).map((k) => ({ value: k, label: t(`cases.party.kind.${k}`) }))} />
            </Form.Item>
            <Form.Item name="idType" label={t('cases.party.idType')}>
              <Select style={{ width: 180 }} options={(['resident_id', 'credit_code', 'passport', 'other'] as const).map((k) => ({ value: k, label: t(`cases.party.idType.${k}`) }))} />
            </Form.Item>
          </Space>
          <Form.Item name="name" label={t('cases.party.name')} rules={[{ required: true, message: t('common.required', { field: t('cases.party.name') }) }]}>
            <Input maxLength={200} />
          </Form.Item>
          <Form.Item name="idNumber" label={t('cases.party.idNumber')} rules={[{ required: true, message: t('common.required', { field: t('cases.party.idNumber') }) }]}>
            <Input maxLength={40} autoComplete="off" />
          </Form.Item>
          <Form.Item name="representative" label={t('cases.party.representative')}>
            <Input maxLength={100} />
          </Form.Item>
          <Form.Item name="address" label={t('cases.party.address')}>
            <Input maxLength={300} />
          </Form.Item>
        </Form>
      </Modal>
    </Card>
  );
}
