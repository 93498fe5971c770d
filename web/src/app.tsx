import { App as AntApp, ConfigProvider } from 'antd';
import enUS from 'antd/locale/en_US';
import zhCN from 'antd/locale/zh_CN';
import { useEffect } from 'react';
import { BrowserRouter } from 'react-router-dom';
import { AppRoutes } from './app-routes.tsx';
import { I18nProvider, useI18n } from './i18n/i18n-context.tsx';
import { setMessageApi } from './lib/notify.ts';
import { usePrefersReducedMotion } from './lib/reduced-motion.ts';
import { setDayjsLanguage } from './lib/time.ts';
import { SessionProvider } from './session/session-context.tsx';

/** Chinese fonts first so that a machine with only Noto CJK still shows Chinese, never boxes. */
const FONT_FAMILY =
  "-apple-system, BlinkMacSystemFont, 'Segoe UI', 'PingFang SC', 'Hiragino Sans GB', 'Microsoft YaHei', 'Noto Sans CJK SC', 'Noto Sans SC', 'WenQuanYi Zen Hei', 'Helvetica Neue', Arial, sans-serif";

/** Hands antd's context-aware message API to plain functions (see lib/notify.ts). */
function MessageBridge() {
  const { message } = AntApp.useApp();
  useEffect(() => {
    setMessageApi(message);
    return () => setMessageApi(undefined);
  }, [message]);
  return null;
}

function LocalizedApp() {
  const { language, t } = useI18n();
  const reducedMotion = usePrefersReducedMotion();
  useEffect(() => {
    document.title = `${t('app.name')} · ${t('app.subtitle')}`;
  }, [t]);
  // Date pickers read dayjs' global locale while rendering, so switch it before they render.
  setDayjsLanguage(language);
  return (
    <ConfigProvider
      locale={language === 'en' ? enUS : zhCN}
      // motion: false when the system asks for reduced motion (accessibility; also the test browser).
      theme={{ token: { fontFamily: FONT_FAMILY, colorPrimary: '#1f5fae', borderRadius: 6, motion: !reducedMotion } }}
    >
      {/* antd reads the motion switch from the theme of the ConfigProvider ABOVE the one that
          turns components' motion on or off, so an inner provider applies the outer theme's switch. */}
      <ConfigProvider>
        <AntApp>
          <MessageBridge />
          <SessionProvider>
            <BrowserRouter>
              <AppRoutes />
            </BrowserRouter>
          </SessionProvider>
        </AntApp>
      </ConfigProvider>
    </ConfigProvider>
  );
}

/** Root: language, antd theme and locale, session, routes. */
export function App() {
  return (
    <I18nProvider>
      <LocalizedApp />
    </I18nProvider>
  );
}
