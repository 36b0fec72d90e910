import { Button, ConfigProvider, Layout, Menu, Space, Spin, Typography } from 'antd';
import enUS from 'antd/locale/en_US';
import zhTW from 'antd/locale/zh_TW';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { DesktopSettings, SessionState } from '../src-shared/common/ipc/outputs';
import { formatRocDate, formatRocDateTime } from '../src-shared/common/roc-date';
import { call, subscribe } from './bridge';
import { CardIndicator } from './components/CardIndicator';
import { Notice } from './components/Notice';
import { DocumentScreen } from './screens/DocumentScreen';
import { InboxScreen } from './screens/InboxScreen';
import { LoginScreen } from './screens/LoginScreen';
import { ResignScreen } from './screens/ResignScreen';
import { SettingsScreen } from './screens/SettingsScreen';
import { TempCertScreen } from './screens/TempCertScreen';
import { themeForSystem } from './theme';
import { useLoad } from './use-call';

// Read once at start: the system setting is not expected to change while the app runs.
const theme = themeForSystem();

type Screen = { name: 'inbox' | 'involved' | 'ift930' | 'ift940' | 'settings' } | { name: 'document'; id: string; from: 'inbox' | 'involved' };

export function App() {
  const { t, i18n } = useTranslation();
  const [settings, setSettings] = useState<DesktopSettings | null>(null);
  const [session, setSession] = useState<SessionState | null>(null);
  const [screen, setScreen] = useState<Screen>({ name: 'inbox' });
  useEffect(() => {
    void Promise.all([call('settings:get', {}), call('session:state', {})]).then(([s, state]) => {
      setSettings(s);
      setSession(state);
    });
  }, []);
  useEffect(() => {
    if (!settings) return;
    void i18n.changeLanguage(settings.language);
    // A screen reader picks its voice from the page's language: it must follow the setting.
    document.documentElement.lang = settings.language === 'en' ? 'en' : 'zh-Hant-TW';
  }, [settings, i18n]);

  const locale = settings?.language === 'en' ? enUS : zhTW;
  if (!settings || !session) return <Spin fullscreen tip={t('common.loading')} />;
  if (!session.user) {
    return (
      <ConfigProvider locale={locale} theme={theme} button={{ autoInsertSpace: false }}>
        <LoginScreen settings={settings} onLoggedIn={setSession} />
      </ConfigProvider>
    );
  }
  const refreshSession = () => void call('session:state', {}).then(setSession);
  const selected = screen.name === 'document' ? screen.from : screen.name;
  return (
    <ConfigProvider locale={locale} theme={theme} button={{ autoInsertSpace: false }}>
      <Layout style={{ minHeight: '100vh' }}>
        <Layout.Header style={{ display: 'flex', alignItems: 'center', gap: 24, background: '#fff', borderBottom: '1px solid #eee' }}>
          <Typography.Text strong style={{ fontSize: 18 }}>
            {t('app.product')} {t('app.title')}
          </Typography.Text>
          <div style={{ flex: 1 }} />
          <CardIndicator live />
          <Typography.Text>
            {session.user.name}（{session.user.unit}）
          </Typography.Text>
          <Button
            onClick={async () => {
              setSession(await call('session:logout', {}));
              setScreen({ name: 'inbox' });
            }}
          >
            {t('menu.logout')}
          </Button>
        </Layout.Header>
        <Layout>
          <Layout.Sider width={300} theme="light">
            <nav aria-label={t('menu.label')}>
              <Menu
                mode="inline"
                selectedKeys={[selected]}
                onClick={(e) => setScreen({ name: e.key as 'inbox' })}
                items={[
                  { key: 'inbox', label: t('menu.inbox') },
                  { key: 'involved', label: t('menu.involved') },
                  { key: 'ift930', label: t('menu.ift930') },
                  { key: 'ift940', label: t('menu.ift940') },
                  { key: 'settings', label: t('menu.settings') },
                ]}
              />
            </nav>
          </Layout.Sider>
          <Layout.Content style={{ padding: 24 }}>
            <TempCertChangeNotice changes={session.tempCertChanges ?? []} />
            <ResignReminder screen={screen.name} initial={session.reminders} onResign={() => setScreen({ name: 'ift940' })} />
            <OutboxNotice />
            {(screen.name === 'inbox' || screen.name === 'involved') && (
              <InboxScreen key={screen.name} box={screen.name} onOpen={(id) => setScreen({ name: 'document', id, from: screen.name as 'inbox' })} />
            )}
            {screen.name === 'document' && (
              <DocumentScreen
                id={screen.id}
                me={session.user.account}
                tempCertTicked={session.tempCertTicked}
                onBack={() => setScreen({ name: screen.from })}
                onSent={refreshSession}
              />
            )}
            {screen.name === 'ift930' && <TempCertScreen />}
            {screen.name === 'ift940' && <ResignScreen />}
            {screen.name === 'settings' && <SettingsScreen settings={settings} onSaved={setSettings} me={session.user.account} />}
          </Layout.Content>
        </Layout>
      </Layout>
    </ConfigProvider>
  );
}

/** Changes to the temp cert since the previous login, from whichever PC: one the clerk did not make must not go unnoticed. */
function TempCertChangeNotice({ changes }: { changes: NonNullable<SessionState['tempCertChanges']> }) {
  const { t } = useTranslation();
  if (changes.length === 0) return null;
  const lines = changes.map((c) =>
    t('ift930.change', {
      action: t(`ift930.actions.${c.action}`),
      at: formatRocDateTime(c.at),
      pc: [c.pcLabel, c.address].filter(Boolean).join(', ') || t('ift930.unknownPc'),
    }),
  );
  return (
    <Notice
      kind="news"
      type="warning"
      closable
      data-testid="temp-cert-changes"
      style={{ marginBottom: 16 }}
      title={t('ift930.changes')}
      description={lines.join('；')}
    />
  );
}

/**
 * 您有 N 件公文待補簽（最早 103/05/27）, with the way to IFT940; a unit head also sees their people's
 * overdue steps. From the login answer first, then asked again on each change of screen (a batch
 * just done, a colleague's step re-signed on their behalf), so it never goes stale for long.
 */
function ResignReminder({ screen, initial, onResign }: { screen: Screen['name']; initial: SessionState['reminders']; onResign(): void }) {
  const { t } = useTranslation();
  const [reminders, setReminders] = useState(initial);
  const shownScreen = useRef(screen);
  useEffect(() => {
    // Asked again when the screen changes, not on the first render (the login answer has it).
    if (shownScreen.current === screen) return;
    shownScreen.current = screen;
    void call('reminders:get', {}).then(setReminders, () => undefined);
  }, [screen]);
  // A 補簽 batch that ends changes the count at once.
  useEffect(
    () =>
      subscribe('resign:progress', (p) => {
        if (p.done === p.total) void call('reminders:get', {}).then(setReminders, () => undefined);
      }),
    [],
  );
  if (!reminders) return null;
  const pending = reminders.pendingResign > 0 && reminders.earliestPendingAt;
  const overdue = (reminders.unitOverdue ?? 0) > 0;
  if (!pending && !overdue) return null;
  return (
    <Space orientation="vertical" style={{ width: '100%', marginBottom: 16 }}>
      {pending && (
        <Notice
          kind="reminder"
          type="warning"
          data-testid="resign-reminder"
          title={t('reminders.pending', { count: reminders.pendingResign, earliest: formatRocDate(reminders.earliestPendingAt!) })}
          action={
            screen !== 'ift940' && (
              <Button size="small" onClick={onResign}>
                {t('reminders.goResign')}
              </Button>
            )
          }
        />
      )}
      {overdue && <Notice kind="reminder" type="warning" data-testid="unit-overdue" title={t('reminders.unitOverdue', { count: reminders.unitOverdue })} />}
    </Space>
  );
}

/** Signed steps waiting for the service, and steps it refused, stay visible until dealt with. */
function OutboxNotice() {
  const { t } = useTranslation();
  const outbox = useLoad(() => call('outbox:state', {}), []);
  const { reload } = outbox;
  useEffect(() => subscribe('outbox:changed', reload), [reload]);
  const data = outbox.data;
  if (!data || (data.pending.length === 0 && data.refused.length === 0)) return null;
  return (
    <Space orientation="vertical" style={{ width: '100%', marginBottom: 16 }}>
      {data.pending.length > 0 && (
        <Notice
          kind="reminder"
          type="warning"
          data-testid="outbox-pending"
          title={t('outbox.pending', { count: data.pending.length })}
          action={
            <Button size="small" onClick={async () => outbox.setData(await call('outbox:retry', {}).catch(() => data))}>
              {t('outbox.retry')}
            </Button>
          }
        />
      )}
      {data.refused.map((r) => (
        <Notice
          key={r.key}
          kind="problem"
          title={t('outbox.refused', { number: r.documentNumber, message: r.refused?.message ?? '' })}
          action={
            <Button size="small" onClick={async () => outbox.setData(await call('outbox:dismiss', { key: r.key }))}>
              {t('outbox.dismiss')}
            </Button>
          }
        />
      ))}
    </Space>
  );
}
