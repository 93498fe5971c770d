import { CheckOutlined, DownOutlined, KeyOutlined, LockOutlined, LogoutOutlined, UserOutlined } from '@ant-design/icons';
import { Button, Dropdown, Space, type MenuProps } from 'antd';
import { useState } from 'react';
import { useI18n, type Language } from '../i18n/i18n-context.tsx';
import { notifyError, notifySuccess } from '../lib/notify.ts';
import { useSession } from '../session/session-context.tsx';
import { ApiTokensModal } from './api-tokens-modal.tsx';
import { ChangePasswordModal } from './change-password-modal.tsx';

const LANGUAGES: { key: Language; label: string }[] = [
  // Each language is named in itself, so someone who cannot read the current one still finds theirs.
  { key: 'zh-CN', label: '中文' },
  { key: 'en', label: 'English' },
];

/** Header menu: language, password, personal API tokens, logout. */
export function UserMenu() {
  const { t, language, setLanguage } = useI18n();
  const { me, logout } = useSession();
  const [dialog, setDialog] = useState<'password' | 'tokens' | undefined>();

  const items: MenuProps['items'] = [
    {
      type: 'group',
      key: 'language',
      label: t('menu.language'),
      children: LANGUAGES.map((l) => ({
        key: `lang:${l.key}`,
        label: l.label,
        icon: l.key === language ? <CheckOutlined /> : <span style={{ display: 'inline-block', width: 14 }} />,
      })),
    },
    { type: 'divider' },
    { key: 'password', label: t('menu.changePassword'), icon: <LockOutlined /> },
    { key: 'tokens', label: t('menu.apiTokens'), icon: <KeyOutlined /> },
    { type: 'divider' },
    { key: 'logout', label: t('menu.logout'), icon: <LogoutOutlined />, danger: true },
  ];

  const onClick: MenuProps['onClick'] = ({ key }) => {
    if (key.startsWith('lang:')) setLanguage(key.slice(5) as Language);
    else if (key === 'password' || key === 'tokens') setDialog(key);
    else if (key === 'logout') {
      // Once logged out, the route guard sends the user to the login page.
      logout()
        .then(() => notifySuccess(t('menu.loggedOut')))
        .catch(notifyError);
    }
  };

  return (
    <>
      <Dropdown menu={{ items, onClick }} trigger={['click']} placement="bottomRight">
        <Button type="text" data-testid="user-menu">
          <Space>
            <UserOutlined />
            {me?.displayName ?? ''}
            <DownOutlined style={{ fontSize: 10 }} />
          </Space>
        </Button>
      </Dropdown>
      <ChangePasswordModal open={dialog === 'password'} onClose={() => setDialog(undefined)} />
      <ApiTokensModal open={dialog === 'tokens'} onClose={() => setDialog(undefined)} />
    </>
  );
}
