import { PlusOutlined, UnlockOutlined } from '@ant-design/icons';
import { Button, Card, Flex, Popconfirm, Space, Table, Tag, Typography } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { client, unwrap } from '../../api/client.ts';
import type { User } from '../../api/shapes.ts';
import { RoleTags } from '../../components/role-tags.tsx';
import { useI18n } from '../../i18n/i18n-context.tsx';
import { notifyError, notifySuccess } from '../../lib/notify.ts';
import { formatTime } from '../../lib/time.ts';
import { useDepartments } from '../../lib/use-departments.ts';
import { useSession } from '../../session/session-context.tsx';
import { UserFormModal } from './user-form-modal.tsx';

/** 账户: login accounts with their roles, department, disabled and lock state. */
export default function UsersPage() {
  const { t } = useI18n();
  const { can } = useSession();
  const mayWrite = can('users:write');
  const { departments, byId } = useDepartments(can('departments:read'));
  const [users, setUsers] = useState<User[]>();
  // undefined = closed; null = creating.
  const [dialog, setDialog] = useState<User | null>();

  const load = useCallback(() => {
    unwrap(client.GET('/api/users')).then((r) => setUsers(r.items), notifyError);
  }, []);
  useEffect(load, [load]);

  const unlock = async (u: User) => {
    try {
      await unwrap(client.POST('/api/users/{id}/unlock', { params: { path: { id: u.id } } }));
      notifySuccess(t('users.unlocked'));
      load();
    } catch (e) {
      notifyError(e);
    }
  };

  return (
    <>
      <Flex justify="space-between" align="center" style={{ marginBottom: 16 }}>
        <Typography.Title level={3} style={{ margin: 0 }}>
          {t('users.title')}
        </Typography.Title>
        {mayWrite && (
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setDialog(null)}>
            {t('users.create')}
          </Button>
        )}
      </Flex>
      <Card>
        <Table<User>
          rowKey="id"
          loading={users === undefined}
          dataSource={users ?? []}
          pagination={{ pageSize: 50, hideOnSinglePage: true }}
          scroll={{ x: 1000 }}
          columns={[
            { title: t('users.username'), dataIndex: 'username', render: (v: string) => <Typography.Text code>{v}</Typography.Text> },
            { title: t('users.displayName'), dataIndex: 'displayName' },
            { title: t('users.roles'), dataIndex: 'roles', render: (_, u) => <RoleTags roles={u.roles} /> },
            { title: t('users.department'), dataIndex: 'departmentId', render: (id: string | null) => (id ? (byId.get(id)?.name ?? '…') : '—') },
            {
              title: t('users.status'),
              key: 'status',
              render: (_, u) => (
                <Space size={4} wrap>
                  {u.disabled ? <Tag color="default">{t('users.disabled')}</Tag> : <Tag color="green">{t('users.active')}</Tag>}
                  {u.lockedUntil && <Tag color="orange">{`${t('users.lockedUntil')} ${formatTime(u.lockedUntil, false)}`}</Tag>}
                </Space>
              ),
            },
            { title: t('users.lastLogin'), dataIndex: 'lastLoginAt', render: (v: string | null) => formatTime(v, false) },
            ...(mayWrite
              ? [
                  {
                    title: t('common.actions'),
                    key: 'actions',
                    render: (_: unknown, u: User) => (
                      <Space>
                        <Button size="small" onClick={() => setDialog(u)}>
                          {t('common.edit')}
                        </Button>
                        {u.lockedUntil && (
                          <Popconfirm title={t('users.unlockConfirm')} onConfirm={() => unlock(u)} okText={t('users.unlock')} cancelText={t('common.cancel')}>
                            <Button size="small" icon={<UnlockOutlined />}>
                              {t('users.unlock')}
                            </Button>
                          </Popconfirm>
                        )}
                      </Space>
                    ),
                  },
                ]
              : []),
          ]}
        />
      </Card>
      <UserFormModal
        open={dialog !== undefined}
        editing={dialog ?? undefined}
        departments={departments}
        onClose={() => setDialog(undefined)}
        onSaved={() => {
          setDialog(undefined);
          load();
        }}
      />
    </>
  );
}
