import { Button, Card, Checkbox, Flex, Form, Input, Space, Switch, Table, Tag, Typography } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import { client, unwrap } from '../../api/client.ts';
import { useI18n } from '../../i18n/i18n-context.tsx';
import { notifyError } from '../../lib/notify.ts';
import { formatTime } from '../../lib/time.ts';
import { useSession } from '../../session/session-context.tsx';
import { RepairTable } from './device-repair-table.tsx';
import type { Fault, Finding, Repair, Repairer } from './devices-api.ts';

/**
 * 故障与维修 (第十九条): faults (out of service at once), repair tickets with authorised / not-on-the-list
 * repairers and reimbursement, the authorised repairer list (the admin keeps it) and supervision findings.
 */
export default function DeviceFaultsPage() {
  const { t } = useI18n();
  const { can } = useSession();
  const [openOnly, setOpenOnly] = useState(true);
  const [faults, setFaults] = useState<Fault[]>();
  const [repairs, setRepairs] = useState<Repair[]>([]);
  const [repairers, setRepairers] = useState<Repairer[]>([]);
  const [findings, setFindings] = useState<Finding[]>([]);
  const [form] = Form.useForm<{ name: string; contact?: string }>();

  const load = useCallback(() => {
    void unwrap(client.GET('/api/device-faults', { params: { query: { open: openOnly ? 'true' : 'false' } } })).then((r) => setFaults(r.items), notifyError);
    void unwrap(client.GET('/api/device-repairs')).then((r) => setRepairs(r.items), notifyError);
    void unwrap(client.GET('/api/device-repairers')).then((r) => setRepairers(r.items), notifyError);
    void unwrap(client.GET('/api/devices/findings')).then((r) => setFindings(r.items), notifyError);
  }, [openOnly]);
  useEffect(load, [load]);

  const addRepairer = (v: { name: string; contact?: string }) =>
    void unwrap(client.POST('/api/device-repairers', { body: { name: v.name, contact: v.contact || null } })).then(() => (form.resetFields(), load()), notifyError);
  const toggle = (r: Repairer, active: boolean) =>
    void unwrap(client.PATCH('/api/device-repairers/{id}', { params: { path: { id: r.id } }, body: { active } })).then(load, notifyError);

  return (
    <>
      <Typography.Title level={3} style={{ marginTop: 0 }}>
        {t('dev.fr.title')}
      </Typography.Title>
      <Typography.Paragraph type="secondary">{t('dev.fr.intro')}</Typography.Paragraph>
      <Card title={t('dev.fr.faults')} style={{ marginBottom: 24 }} extra={<Checkbox checked={openOnly} onChange={(e) => setOpenOnly(e.target.checked)}>{t('dev.fr.openOnly')}</Checkbox>}>
        <Table<Fault>
          rowKey="id"
          size="small"
          loading={!faults}
          dataSource={faults ?? []}
          pagination={{ pageSize: 50, hideOnSinglePage: true }}
          columns={[
            { title: t('dev.col.number'), key: 'n', render: (_, f) => <Link to={`/devices/${f.deviceId}`}>{f.deviceNumber}</Link> },
            { title: t('dev.col.department'), dataIndex: 'departmentName' },
            { title: t('dev.col.when'), dataIndex: 'reportedAt', render: (v: string) => formatTime(v, false) },
            { title: t('dev.fr.description'), dataIndex: 'description' },
            { title: t('dev.fr.reportedBy'), dataIndex: 'reportedBy' },
            {
              title: '',
              key: 'flags',
              render: (_, f) => (
                <Space size={4}>
                  {f.duringCheckout && <Tag color="volcano">{t('dev.fr.duringUse')}</Tag>}
                  {f.fromCheck && <Tag>{t('dev.fr.fromCheck')}</Tag>}
                  {f.resolvedAt && <Tag color="success">{t('dev.fr.resolved')}</Tag>}
                </Space>
              ),
            },
          ]}
        />
      </Card>
      <Card title={t('dev.fr.repairs')} style={{ marginBottom: 24 }}>
        <RepairTable repairs={repairs} onChanged={load} showDevice />
      </Card>
      <Card title={t('dev.fr.findings')} style={{ marginBottom: 24 }}>
        <Table<Finding>
          rowKey="id"
          size="small"
          dataSource={findings}
          pagination={false}
          data-testid="findings"
          columns={[
            { title: t('dev.col.number'), key: 'n', render: (_, f) => <Link to={`/devices/${f.deviceId}`}>{f.deviceNumber}</Link> },
            { title: t('dev.col.when'), dataIndex: 'foundAt', render: (v: string) => formatTime(v, false) },
            { title: t('dev.col.what'), key: 'w', render: (_, f) => t('dev.fr.finding.unauthorised_repair', { repairer: String(f.details.repairer ?? '') }) },
            { title: t('dev.fr.cost'), key: 'c', render: (_, f) => (f.details.costYuan as number | null) ?? '—' },
          ]}
        />
      </Card>
      <Card title={t('dev.fr.repairers')}>
        {can('devices:configure') && (
          <Form form={form} layout="inline" onFinish={addRepairer} style={{ marginBottom: 16 }}>
            <Form.Item name="name" rules={[{ required: true }]}>
              <Input placeholder={t('dev.fr.repairerName')} maxLength={100} />
            </Form.Item>
            <Form.Item name="contact">
              <Input placeholder={t('dev.fr.contact')} maxLength={100} />
            </Form.Item>
            <Button htmlType="submit" type="primary">
              {t('dev.fr.addRepairer')}
            </Button>
          </Form>
        )}
        <Flex vertical>
          <Table<Repairer>
            rowKey="id"
            size="small"
            dataSource={repairers}
            pagination={false}
            columns={[
              { title: t('dev.fr.repairerName'), dataIndex: 'name' },
              { title: t('dev.fr.contact'), dataIndex: 'contact', render: (v: string | null) => v ?? '—' },
              {
                title: t('dev.fr.active'),
                dataIndex: 'active',
                render: (v: boolean, r) => (can('devices:configure') ? <Switch checked={v} onChange={(on) => toggle(r, on)} /> : v ? '✓' : '—'),
              },
            ]}
          />
        </Flex>
      </Card>
    </>
  );
}
