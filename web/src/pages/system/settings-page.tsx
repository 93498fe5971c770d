import { Button, Card, Table, Tag, Typography } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { client, unwrap } from '../../api/client.ts';
import type { Setting } from '../../api/shapes.ts';
import { useI18n } from '../../i18n/i18n-context.tsx';
import { notifyError } from '../../lib/notify.ts';
import { formatTime } from '../../lib/time.ts';
import { useSession } from '../../session/session-context.tsx';
import { SettingEditModal } from './setting-edit-modal.tsx';

/** 系统设置: every setting with its value; admins edit them (each change is audited by the server). */
export default function SettingsPage() {
  const { t, maybe } = useI18n();
  const { can } = useSession();
  const [settings, setSettings] = useState<Setting[]>();
  const [editing, setEditing] = useState<Setting>();
  const label = (key: string) => maybe(`setting.${key}`) ?? key;

  const load = useCallback(() => {
    unwrap(client.GET('/api/settings')).then((r) => setSettings(r.items), notifyError);
  }, []);
  useEffect(load, [load]);

  const show = (v: unknown) => (v === '' || v === null || v === undefined ? <Typography.Text type="secondary">—</Typography.Text> : typeof v === 'object' ? JSON.stringify(v) : String(v));

  return (
    <>
      <Typography.Title level={3} style={{ marginTop: 0 }}>
        {t('settings.title')}
      </Typography.Title>
      <Card>
        <Table<Setting>
          rowKey="key"
          loading={settings === undefined}
          dataSource={settings ?? []}
          pagination={false}
          columns={[
            {
              title: t('settings.key'),
              dataIndex: 'key',
              render: (key: string) => (
                <>
                  <div>{label(key)}</div>
                  <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                    {maybe(`settingHelp.${key}`) ?? key}
                  </Typography.Text>
                </>
              ),
            },
            {
              title: t('settings.value'),
              dataIndex: 'value',
              render: (v: unknown, s) => (
                <>
                  {show(v)} {s.isDefault && <Tag style={{ marginInlineStart: 8 }}>{t('common.default')}</Tag>}
                </>
              ),
            },
            { title: t('settings.updatedAt'), dataIndex: 'updatedAt', width: 180, render: (v: string | null) => formatTime(v, false) },
            ...(can('settings:write')
              ? [{ title: t('common.actions'), key: 'a', width: 100, render: (_: unknown, s: Setting) => <Button size="small" onClick={() => setEditing(s)}>{t('common.edit')}</Button> }]
              : []),
          ]}
        />
      </Card>
      <SettingEditModal
        setting={editing}
        label={editing ? label(editing.key) : ''}
        onClose={() => setEditing(undefined)}
        onSaved={() => {
          setEditing(undefined);
          load();
        }}
      />
    </>
  );
}
