import { Button, Card, Form, Input, Select, Space } from 'antd';
import { Fragment, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { CardDiagnostics } from '../../src-shared/common/card-status';
import type { DesktopSettings } from '../../src-shared/common/ipc/outputs';
import { call, sentenceOf } from '../bridge';
import { CardRegistry } from '../components/CardRegistry';
import { ConsoleLoginDialog } from '../components/ConsoleLoginDialog';
import { DeputiesCard } from '../components/DeputiesCard';
import { Notice } from '../components/Notice';
import { ScreenHeading } from '../components/ScreenHeading';

/** Settings: service URL (unless an administrator fixed it), PKCS#11 module, language; deputies (職務代理人); card diagnostics. */
export function SettingsScreen({ settings, onSaved, me }: { settings: DesktopSettings; onSaved(next: DesktopSettings): void; me: string }) {
  const { t } = useTranslation();
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [diagnostics, setDiagnostics] = useState<CardDiagnostics | null>(null);
  const save = async (values: { serviceUrl?: string; modulePath: string; language: 'zh-TW' | 'en'; agencyCaPath?: string }) => {
    setError(null);
    try {
      // The agency CA is sent only when changed: the main process reads and checks the file named.
      const agencyCaChanged = !settings.agencyCaLocked && values.agencyCaPath !== settings.agencyCaPath;
      const next = await call('settings:set', {
        ...values,
        ...(settings.serviceUrlLocked ? { serviceUrl: undefined } : {}),
        agencyCaPath: agencyCaChanged ? (values.agencyCaPath ?? '') : undefined,
      });
      setNotice(t('settings.saved'));
      onSaved(next);
    } catch (e) {
      setError(sentenceOf(e));
    }
  };
  return (
    <Space orientation="vertical" style={{ width: '100%', maxWidth: 760 }} size="middle">
      <ScreenHeading>{t('menu.settings')}</ScreenHeading>
      <Card>
        <Form layout="vertical" initialValues={settings} onFinish={save} scrollToFirstError={{ focus: true }}>
          <Form.Item label={`${t('settings.service')}${settings.serviceUrlLocked ? t('settings.serviceLocked') : ''}`} name="serviceUrl">
            <Input disabled={settings.serviceUrlLocked} />
          </Form.Item>
          <Form.Item label={t('settings.module')} name="modulePath" extra={t('settings.moduleHelp')}>
            <Input />
          </Form.Item>
          <Form.Item
            label={`${t('settings.agencyCa')}${settings.agencyCaLocked ? t('settings.serviceLocked') : ''}`}
            name="agencyCaPath"
            extra={t('settings.agencyCaHelp')}
          >
            <Input disabled={settings.agencyCaLocked} />
          </Form.Item>
          <Form.Item label={t('settings.language')} name="language">
            <Select
              options={[
                { value: 'zh-TW', label: '中文（台灣）' },
                { value: 'en', label: 'English' },
              ]}
            />
          </Form.Item>
          <Button type="primary" htmlType="submit">
            {t('settings.save')}
          </Button>
        </Form>
      </Card>
      {notice && <Notice kind="news" type="success" title={notice} />}
      {error && <Notice kind="problem" title={error} />}
      <CardRegistry />
      <ConsoleLoginDialog />
      <DeputiesCard me={me} />
      <Card title={<h2 style={{ fontSize: 16, margin: 0 }}>{t('settings.diagnostics')}</h2>}>
        <Button onClick={async () => setDiagnostics(await call('card:diagnostics', {}).catch(() => null))}>{t('settings.runDiagnostics')}</Button>
        {diagnostics && <DiagnosticsSummary diagnostics={diagnostics} />}
        {/* A Tab stop with a name, so the arrow keys scroll it without a mouse. */}
        {diagnostics && (
          <pre
            data-testid="diagnostics"
            tabIndex={0}
            role="region"
            aria-label={t('settings.diagnostics')}
            style={{ marginTop: 12, maxHeight: 320, overflow: 'auto' }}
          >
            {JSON.stringify(diagnostics, null, 2)}
          </pre>
        )}
      </Card>
    </Space>
  );
}

/**
 * What IT staff ask first, above the full report: which module is used and where it was looked
 * for, which card is in use and why, and which certificate signs on each card and why.
 */
function DiagnosticsSummary({ diagnostics }: { diagnostics: CardDiagnostics }) {
  const { t } = useTranslation();
  const search = diagnostics.moduleSearch;
  const chosen = diagnostics.chosen;
  return (
    <dl data-testid="diagnostics-summary" style={{ marginTop: 12 }}>
      <dt>{t('settings.moduleUsed')}</dt>
      <dd>
        {diagnostics.modulePath || '—'}
        {search && t(`settings.moduleSource.${search.source}`)}
      </dd>
      {search && (
        <>
          <dt>{t('settings.modulePaths')}</dt>
          <dd>
            <ul style={{ margin: 0, paddingInlineStart: 20 }}>
              {search.tried.map((p) => (
                <li key={p.path}>
                  <code>{p.path}</code>：{p.exists ? t('settings.pathExists') : t('settings.pathMissing')}
                </li>
              ))}
            </ul>
          </dd>
        </>
      )}
      <dt>{t('settings.cardInUse')}</dt>
      <dd>
        {chosen?.serial
          ? `${chosen.serial}${'by' in chosen ? t(`settings.chosenBy.${chosen.by}`) : ''}`
          : `${t('settings.noCardInUse')}${chosen && 'why' in chosen ? `：${chosen.why}` : ''}`}
      </dd>
      {diagnostics.slots
        .filter((slot) => slot.signing)
        .map((slot) => (
          <Fragment key={slot.id}>
            <dt>{t('settings.signingChoice', { reader: slot.description })}</dt>
            <dd>{slot.signing!.reason}</dd>
          </Fragment>
        ))}
    </dl>
  );
}
