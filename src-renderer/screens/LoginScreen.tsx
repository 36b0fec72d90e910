import { Button, Card, Form, Input } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { DesktopSettings, SessionState } from '../../src-shared/common/ipc/outputs';
import { call, sentenceOf } from '../bridge';
import { Notice } from '../components/Notice';
import { ScreenHeading } from '../components/ScreenHeading';

export function LoginScreen({ settings, onLoggedIn }: { settings: DesktopSettings; onLoggedIn(state: SessionState): void }) {
  const { t } = useTranslation();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (values: { account: string; password: string; serviceUrl?: string }) => {
    setBusy(true);
    setError(null);
    try {
      if (values.serviceUrl && values.serviceUrl !== settings.serviceUrl) await call('settings:set', { serviceUrl: values.serviceUrl });
      onLoggedIn(await call('session:login', { account: values.account.trim(), password: values.password }));
    } catch (e) {
      setError(sentenceOf(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div style={{ display: 'flex', justifyContent: 'center', paddingTop: 96 }}>
      <Card style={{ width: 400 }}>
        {/* The account field has focus here (autoFocus), so the heading does not take it. */}
        <ScreenHeading focus={false}>{t('login.title')}</ScreenHeading>
        <Form
          layout="vertical"
          onFinish={submit}
          scrollToFirstError={{ focus: true }}
          style={{ marginTop: 16 }}
          initialValues={{ serviceUrl: settings.serviceUrl }}
        >
          {!settings.serviceUrlLocked && (
            <Form.Item label={t('login.service')} name="serviceUrl" rules={[{ required: true }]}>
              <Input autoComplete="url" />
            </Form.Item>
          )}
          <Form.Item label={t('login.account')} name="account" rules={[{ required: true }]}>
            <Input autoFocus autoComplete="username" />
          </Form.Item>
          <Form.Item label={t('login.password')} name="password" rules={[{ required: true }]}>
            <Input.Password autoComplete="current-password" />
          </Form.Item>
          {error && <Notice kind="problem" title={error} style={{ marginBottom: 16 }} />}
          <Button type="primary" htmlType="submit" block loading={busy}>
            {t('login.submit')}
          </Button>
        </Form>
      </Card>
    </div>
  );
}
