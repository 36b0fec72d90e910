import { Button, ConfigProvider, Layout, Menu, Space, Spin, Tag, Typography } from 'antd';
import enUS from 'antd/locale/en_US';
import zhTW from 'antd/locale/zh_TW';
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ADMIN_API, AdminMe } from '../src-shared/common/api/admin';
import { AdminApi, AnyAnswer } from './api';
import { areasFor, type Area } from './areas';
import { ConsoleContext } from './console-context';
import { AuditPage } from './pages/AuditPage';
import { EvidencePage } from './pages/EvidencePage';
import { LoginPage } from './pages/LoginPage';
import { PeoplePage } from './pages/PeoplePage';
import { ResignPage } from './pages/ResignPage';
import { StatisticsPage } from './pages/StatisticsPage';
import { TempCertsPage } from './pages/TempCertsPage';
import { theme } from './theme';

const PAGES: Record<Area, () => React.JSX.Element> = {
  people: PeoplePage,
  tempCerts: TempCertsPage,
  resign: ResignPage,
  statistics: StatisticsPage,
  audit: AuditPage,
  evidence: EvidencePage,
};

export function App({ nonce }: { nonce: string }) {
  const { t, i18n } = useTranslation();
  const language = i18n.language === 'en' ? 'en' : 'zh-TW';
  const [me, setMe] = useState<AdminMe | null | undefined>(undefined);
  const [area, setArea] = useState<Area | null>(null);
  const api = useMemo(
    () =>
      new AdminApi(
        () => (i18n.language === 'en' ? 'en' : 'zh-TW'),
        () => setMe(null),
      ),
    [i18n],
  );

  useEffect(() => {
    // A reload keeps the session (the cookie): ask who is logged in, if anyone.
    api.get(ADMIN_API.me, AdminMe).then(
      (who) => {
        api.setCsrfToken(who.csrfToken);
        setMe(who);
      },
      () => setMe(null),
    );
  }, [api]);
  useEffect(() => {
    // A screen reader picks its voice from the page's language.
    document.documentElement.lang = language === 'en' ? 'en' : 'zh-Hant-TW';
  }, [language]);

  const areas = me ? areasFor(me.roles) : [];
  const current = area && areas.includes(area) ? area : areas[0];
  const Page = current ? PAGES[current] : null;
  const switchLanguage = (
    <Button
      type="link"
      lang={language === 'en' ? 'zh-Hant-TW' : 'en'}
      aria-label={t('app.languageLabel')}
      onClick={() => void i18n.changeLanguage(language === 'en' ? 'zh-TW' : 'en')}
    >
      {t('app.language')}
    </Button>
  );

  let body: React.JSX.Element;
  if (me === undefined) body = <Spin fullscreen tip={t('common.loading')} />;
  else if (me === null)
    body = (
      <LoginPage
        api={api}
        languageSwitch={switchLanguage}
        onLoggedIn={(who) => {
          api.setCsrfToken(who.csrfToken);
          setArea(null);
          setMe(who);
        }}
      />
    );
  else
    body = (
      <ConsoleContext.Provider value={{ api, me }}>
        <Layout style={{ minHeight: '100vh' }}>
          <Layout.Header style={{ display: 'flex', alignItems: 'center', gap: 16, background: '#fff', borderBottom: '1px solid #d9d9d9' }}>
            <Typography.Text strong style={{ fontSize: 18 }}>
              {t('app.product')} {t('app.title')}
            </Typography.Text>
            <div style={{ flex: 1 }} />
            <Space>
              <Typography.Text data-testid="who">
                {me.name}（{me.account}）
              </Typography.Text>
              {me.roles.map((role) => (
                <Tag key={role}>{t(`role.${role}`)}</Tag>
              ))}
            </Space>
            {switchLanguage}
            <Button
              onClick={() => {
                void api.change('POST', ADMIN_API.logout, AnyAnswer).finally(() => setMe(null));
              }}
            >
              {t('menu.logout')}
            </Button>
          </Layout.Header>
          <Layout>
            <Layout.Sider width={220} theme="light">
              <nav aria-label={t('menu.label')}>
                <Menu
                  mode="inline"
                  selectedKeys={current ? [current] : []}
                  onClick={(e) => setArea(e.key as Area)}
                  items={areas.map((key) => ({ key, label: t(`menu.${key}`) }))}
                />
              </nav>
            </Layout.Sider>
            <Layout.Content style={{ padding: 24, background: '#fff' }}>
              <main>{Page && <Page key={current} />}</main>
            </Layout.Content>
          </Layout>
        </Layout>
      </ConsoleContext.Provider>
    );
  return (
    <ConfigProvider locale={language === 'en' ? enUS : zhTW} theme={theme} csp={{ nonce }} button={{ autoInsertSpace: false }}>
      {body}
    </ConfigProvider>
  );
}
