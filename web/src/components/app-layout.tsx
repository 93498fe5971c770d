import { Layout, Menu, type MenuProps } from 'antd';
import { Suspense, useMemo, useState } from 'react';
import { Outlet, useLocation, useNavigate } from 'react-router-dom';
import { useI18n } from '../i18n/i18n-context.tsx';
import { useSession } from '../session/session-context.tsx';
import { FullPageSpin } from './full-page-spin.tsx';
import { isGroup, navigation } from './navigation.tsx';
import { UserMenu } from './user-menu.tsx';

const { Sider, Header, Content } = Layout;

/** The frame of every screen after login: left navigation by permission, header with the user menu. */
export function AppLayout() {
  const { t } = useI18n();
  const { can } = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const [collapsed, setCollapsed] = useState(false);

  const items = useMemo<MenuProps['items']>(() => {
    const out: NonNullable<MenuProps['items']> = [];
    for (const n of navigation) {
      if (isGroup(n)) {
        const children = n.children.filter((c) => !c.permission || can(c.permission));
        // A group with nothing the user may open is not shown at all.
        if (children.length) out.push({ key: n.key, label: t(n.label), icon: n.icon, children: children.map((c) => ({ key: c.path, label: c.extra ? <>{t(c.label)}{c.extra}</> : t(c.label), icon: c.icon })) });
      } else if (!n.permission || can(n.permission)) {
        out.push({ key: n.path, label: t(n.label), icon: n.icon });
      }
    }
    return out;
  }, [t, can]);

  // A detail page (/recordings/<id>) highlights the menu entry it belongs to: the longest matching prefix.
  const path = location.pathname === '/' ? '/' : location.pathname.replace(/\/$/, '');
  const leaves = navigation.flatMap((n) => (isGroup(n) ? n.children : [n])).map((n) => n.path);
  const selected = leaves.includes(path) ? path : (leaves.filter((p) => p !== '/' && path.startsWith(`${p}/`)).sort((a, b) => b.length - a.length)[0] ?? path);
  const openGroups = navigation.filter(isGroup).map((g) => g.key);

  return (
    <Layout style={{ minHeight: '100vh' }}>
      <Sider theme="dark" width={216} collapsible collapsed={collapsed} onCollapse={setCollapsed} breakpoint="lg">
        <div style={{ padding: collapsed ? '18px 0' : '18px 20px', color: '#fff', textAlign: collapsed ? 'center' : 'left' }}>
          <div style={{ fontSize: 20, fontWeight: 600, letterSpacing: 2 }}>{t('app.name')}</div>
          {!collapsed && <div style={{ fontSize: 12, opacity: 0.65, marginTop: 2 }}>{t('app.subtitle')}</div>}
        </div>
        <Menu
          theme="dark"
          mode="inline"
          items={items}
          selectedKeys={[selected]}
          defaultOpenKeys={openGroups}
          onClick={({ key }) => navigate(key)}
          data-testid="main-nav"
          // The collapse trigger is fixed at the bottom: room so the last entries can scroll out from under it.
          style={{ paddingBottom: 48 }}
        />
      </Sider>
      <Layout>
        <Header style={{ background: '#fff', padding: '0 24px', display: 'flex', justifyContent: 'flex-end', alignItems: 'center', borderBottom: '1px solid #f0f0f0' }}>
          <UserMenu />
        </Header>
        <Content style={{ padding: 24 }}>
          <Suspense fallback={<FullPageSpin />}>
            <Outlet />
          </Suspense>
        </Content>
      </Layout>
    </Layout>
  );
}
