import { Alert, App, Button, Card, Descriptions, Flex, InputNumber, Select, Space, Table, Tag, Typography } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { client, unwrap } from '../../api/client.ts';
import { ROLES, type ResponseOf, type Role } from '../../api/shapes.ts';
import { useI18n, type DictKey } from '../../i18n/i18n-context.tsx';
import { notifyError, notifySuccess } from '../../lib/notify.ts';
import { formatTime } from '../../lib/time.ts';
import { useSession } from '../../session/session-context.tsx';

type Policy = ResponseOf<'/api/access-policy', 'get'>;
type Row = Policy['rows'][number];
type WithoutGrant = Row['withoutGrant'];

/**
 * What 第十四条 makes the default for each role (migration 0009 seeds the same): the uploader and the recording
 * officer (and the custodian who uploads for them) see their own fresh footage while tagging; nobody else sees
 * pictures or sound without a grant. Shown beside each row so a deviation stands out.
 */
const REGULATION_DEFAULT: Record<Role, WithoutGrant> = {
  officer: 'own_recent',
  custodian: 'own_recent',
  leader: 'none',
  supervisor: 'none',
  admin: 'none',
  auditor: 'none',
};
const HOURS_DEFAULT = { 'access.ownMediaHours': 24, 'access.breakGlassHours': 2 } as const;
type HoursKey = keyof typeof HOURS_DEFAULT;

/**
 * 调阅策略: who sees a recording's thumbnail and proxy without a grant (the media policy table), the tagging window
 * and the break-glass period, with what the regulation requires written above. Admins edit; every change is
 * checked and audited by the server.
 */
export default function AccessPolicyPage() {
  const { t } = useI18n();
  const { can } = useSession();
  const { modal } = App.useApp();
  const mayEdit = can('settings:write');
  const [policy, setPolicy] = useState<Policy>();
  const [saving, setSaving] = useState<string>();
  const [hours, setHours] = useState<Partial<Record<HoursKey, number | null>>>({});

  const load = useCallback(() => {
    unwrap(client.GET('/api/access-policy')).then(setPolicy, notifyError);
  }, []);
  useEffect(load, [load]);

  const valueText = (v: WithoutGrant) => t(`policy.value.${v}`, { hours: policy?.ownMediaHours ?? HOURS_DEFAULT['access.ownMediaHours'] });

  const put = async (role: string, withoutGrant: WithoutGrant) => {
    setSaving(role);
    try {
      setPolicy(await unwrap(client.PUT('/api/access-policy/{role}', { params: { path: { role } }, body: { withoutGrant } })));
      notifySuccess(t('policy.saved'));
    } catch (e) {
      notifyError(e);
    } finally {
      setSaving(undefined);
    }
  };

  /** A value looser than the regulation's default is confirmed first (第十四条). */
  const change = (row: Row, next: WithoutGrant) => {
    const def = REGULATION_DEFAULT[row.role as Role];
    const looser = next === 'reach' || (next === 'own_recent' && def === 'none');
    if (!looser) return void put(row.role, next);
    modal.confirm({
      title: t('policy.confirmDeviate.title'),
      content: t('policy.confirmDeviate.body', { role: t(`role.${row.role}` as DictKey), value: valueText(next) }),
      okText: t('common.save'),
      cancelText: t('common.cancel'),
      okButtonProps: { danger: true, 'data-testid': 'policy-confirm' },
      onOk: () => put(row.role, next),
    });
  };

  const saveHours = async (key: HoursKey) => {
    const value = hours[key];
    if (value === undefined || value === null) return;
    setSaving(key);
    try {
      await unwrap(client.PUT('/api/settings/{key}', { params: { path: { key } }, body: { value } }));
      setHours((h) => ({ ...h, [key]: undefined }));
      notifySuccess(t('policy.saved'));
      load();
    } catch (e) {
      notifyError(e);
    } finally {
      setSaving(undefined);
    }
  };

  const hoursItem = (key: HoursKey, label: DictKey, current: number | undefined, min: number, max: number) => ({
    key,
    label: t(label),
    children: (
      <Space wrap>
        {mayEdit ? (
          <>
            <InputNumber
              min={min}
              max={max}
              precision={0}
              value={hours[key] ?? current}
              onChange={(v) => setHours((h) => ({ ...h, [key]: v }))}
              data-testid={`policy-${key}`}
              aria-label={t(label)}
            />
            <Button size="small" loading={saving === key} disabled={hours[key] === undefined || hours[key] === current} onClick={() => void saveHours(key)} data-testid={`policy-${key}-save`}>
              {t('common.save')}
            </Button>
          </>
        ) : (
          <Typography.Text strong>{current}</Typography.Text>
        )}
        <Typography.Text type="secondary">{t('policy.hoursDefault', { n: HOURS_DEFAULT[key] })}</Typography.Text>
      </Space>
    ),
  });

  return (
    <Flex vertical gap={16}>
      <Typography.Title level={3} style={{ margin: 0 }}>
        {t('policy.title')}
      </Typography.Title>
      <Alert
        type="info"
        showIcon
        data-testid="policy-regulation"
        title={t('policy.regulation')}
        description={
          <>
            <Typography.Paragraph style={{ marginBottom: 4 }}>{t('policy.art14')}</Typography.Paragraph>
            <Typography.Paragraph style={{ marginBottom: 8 }}>{t('policy.art20')}</Typography.Paragraph>
            <Typography.Paragraph style={{ marginBottom: 4 }}>{t('policy.defaults')}</Typography.Paragraph>
            <Typography.Text type="secondary">{t('policy.serverNote')}</Typography.Text>
          </>
        }
      />
      <Card>
        <Table<Row>
          rowKey="role"
          size="middle"
          loading={policy === undefined}
          dataSource={[...(policy?.rows ?? [])].sort((a, b) => ROLES.indexOf(a.role as Role) - ROLES.indexOf(b.role as Role))}
          pagination={false}
          data-testid="policy-table"
          columns={[
            { title: t('policy.col.role'), dataIndex: 'role', width: 120, render: (r: string) => t(`role.${r}` as DictKey) },
            { title: t('policy.col.metadata'), dataIndex: 'role', key: 'meta', render: (r: string) => t(`policy.meta.${r}` as DictKey) },
            {
              title: t('policy.col.media'),
              dataIndex: 'withoutGrant',
              width: 340,
              render: (v: WithoutGrant, row) => {
                const def = REGULATION_DEFAULT[row.role as Role];
                return (
                  <Flex vertical gap={4}>
                    {mayEdit ? (
                      <Select<WithoutGrant>
                        value={v}
                        style={{ width: '100%' }}
                        loading={saving === row.role}
                        onChange={(next) => change(row, next)}
                        data-testid={`policy-select-${row.role}`}
                        options={(['none', 'own_recent', 'reach'] as const).map((o) => ({ value: o, label: valueText(o) }))}
                      />
                    ) : (
                      <span>{valueText(v)}</span>
                    )}
                    {v === def ? (
                      <Tag color="green" style={{ alignSelf: 'flex-start' }}>{t('policy.matchesDefault')}</Tag>
                    ) : (
                      <Tag color="red" style={{ alignSelf: 'flex-start' }} data-testid={`policy-deviates-${row.role}`}>{t('policy.deviates')}</Tag>
                    )}
                  </Flex>
                );
              },
            },
            { title: t('policy.col.copy'), key: 'copy', width: 170, render: () => <Typography.Text type="secondary">{t('policy.copyOnlyGrant')}</Typography.Text> },
            { title: t('policy.col.default'), key: 'default', width: 200, render: (_: unknown, row) => valueText(REGULATION_DEFAULT[row.role as Role]) },
            { title: t('policy.col.updatedAt'), dataIndex: 'updatedAt', width: 170, render: (v: string) => formatTime(v, false) },
          ]}
        />
      </Card>
      <Card title={t('policy.hours')}>
        <Descriptions
          column={1}
          bordered
          size="small"
          items={[
            hoursItem('access.ownMediaHours', 'policy.ownMediaHours', policy?.ownMediaHours, 0, 720),
            hoursItem('access.breakGlassHours', 'policy.breakGlassHours', policy?.breakGlassHours, 1, 24),
          ]}
        />
      </Card>
    </Flex>
  );
}
