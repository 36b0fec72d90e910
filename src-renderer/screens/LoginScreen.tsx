import { Alert, Button, Card, Form, Input, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { DesktopSettings, SessionState } from '../../src-shared/ipc/outputs';
import { call, sentenceOf } from '../bridge';

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
        <Typography.Title level={3}>{t('login.title')}</Typography.Title>
        <Form layout="vertical" onFinish={submit} initialValues={{ serviceUrl: settings.serviceUrl }}>
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
          {error && <Alert type="error" showIcon role="alert" title={error} style={{ marginBottom: 16 }} />}
          <Button type="primary" htmlType="submit" block loading={busy}>
            {t('login.submit')}
          </Button>
        </Form>
      </Card>
    </div>
  );
}
