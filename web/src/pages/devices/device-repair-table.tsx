import { Button, Space, Table, Tag } from 'antd';
import { Link } from 'react-router-dom';
import { client, unwrap } from '../../api/client.ts';
import { useI18n, type DictKey } from '../../i18n/i18n-context.tsx';
import { notifyError } from '../../lib/notify.ts';
import { formatTime } from '../../lib/time.ts';
import { useSession } from '../../session/session-context.tsx';
import type { Repair } from './devices-api.ts';

/** Repair tickets (第十九条): repairer (authorised or not), reimbursable, diagnosis, cost, approval, back in service. */
export function RepairTable({ repairs, onChanged, showDevice = false }: { repairs: Repair[]; onChanged(): void; showDevice?: boolean }) {
  const { t } = useI18n();
  const { can } = useSession();
  const act = (p: Promise<unknown>) => void p.then(onChanged, notifyError);
  return (
    <Table<Repair>
      rowKey="id"
      size="small"
      dataSource={repairs}
      pagination={false}
      data-testid="repair-table"
      columns={[
        ...(showDevice ? [{ title: t('dev.col.number'), key: 'd', render: (_: unknown, r: Repair) => <Link to={`/devices/${r.deviceId}`}>{r.deviceNumber}</Link> }] : []),
        { title: t('dev.col.when'), dataIndex: 'openedAt', render: (v: string) => formatTime(v, false) },
        {
          title: t('dev.fr.repairer'),
          key: 'rep',
          render: (_, r) => (
            <Space size={4}>
              {r.repairerName}
              <Tag color={r.authorised ? 'success' : 'error'}>{r.authorised ? t('dev.fr.authorised') : t('dev.fr.unauthorised')}</Tag>
            </Space>
          ),
        },
        { title: t('dev.fr.diagnosis'), dataIndex: 'diagnosis', render: (v: string | null) => v ?? '—' },
        {
          title: t('dev.fr.cost'),
          key: 'cost',
          render: (_, r) => (
            <Space size={4}>
              {r.costYuan ?? '—'}
              <Tag color={r.reimbursable ? 'default' : 'red'}>{r.reimbursable ? t('dev.fr.reimbursable') : t('dev.fr.notReimbursable')}</Tag>
            </Space>
          ),
        },
        { title: t('dev.col.status'), dataIndex: 'status', render: (s: Repair['status']) => t(`dev.fr.state.${s}` as DictKey) },
        {
          title: '',
          key: 'actions',
          render: (_, r) => (
            <Space>
              {r.status === 'open' && can('devices:approve') && (
                <Button size="small" onClick={() => act(unwrap(client.POST('/api/device-repairs/{id}/approve', { params: { path: { id: r.id } } })))}>
                  {t('dev.fr.approve')}
                </Button>
              )}
              {r.status === 'approved' && can('devices:manage') && (
                <Button size="small" type="primary" onClick={() => act(unwrap(client.POST('/api/device-repairs/{id}/return-to-service', { params: { path: { id: r.id } } })))}>
                  {t('dev.fr.backInService')}
                </Button>
              )}
            </Space>
          ),
        },
      ]}
    />
  );
}
