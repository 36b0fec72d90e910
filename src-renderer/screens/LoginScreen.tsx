import { Button, Card, Form, Input, Radio } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { DesktopSettings, SessionState } from '../../src-shared/common/ipc/outputs';
import { call, sentenceOf } from '../bridge';
import { Notice } from '../components/Notice';
import { ScreenHeading } from '../components/ScreenHeading';

type Method = 'password' | 'card';

/** 登入: by account and password, or 憑證卡登入 (account and the card's PIN; the card signs the service's challenge). */
export function LoginScreen({ settings, onLoggedIn }: { settings: DesktopSettings; onLoggedIn(state: SessionState): void }) {
  const { t } = useTranslation();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [method, setMethod] = useState<Method>('password');
  const submit = async (values: { account: string; password?: string; pin?: string; serviceUrl?: string }) => {
    setBusy(true);
    setError(null);
    try {
      if (values.serviceUrl && values.serviceUrl !== settings.serviceUrl) await call('settings:set', { serviceUrl: values.serviceUrl });
      const account = values.account.trim();
      onLoggedIn(
        method === 'card'
          ? await call('session:cardLogin', { account, pin: values.pin ?? '' })
          : await call('session:login', { account, password: values.password ?? '' }),
      );
    } catch (e) {
      setError(sentenceOf(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div style={{ display: 'flex', justifyContent: 'center', paddingTop: 96 }}>
      <Card style={{ width: 420 }}>
        {/* The account field has focus here (autoFocus), so the heading does not take it. */}
        <ScreenHeading focus={false}>{t('login.title')}</ScreenHeading>
        <Radio.Group
          aria-label={t('cardLogin.method')}
          optionType="button"
          buttonStyle="solid"
          value={method}
          onChange={(e) => {
            setMethod(e.target.value as Method);
            setError(null);
          }}
          options={[
            { value: 'password', label: t('cardLogin.byPassword') },
            { value: 'card', label: t('cardLogin.byCard') },
          ]}
          style={{ marginTop: 16 }}
        />
        <Form
          key={method}
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
          {method === 'password' ? (
            <Form.Item label={t('login.password')} name="password" rules={[{ required: true }]}>
              <Input.Password autoComplete="current-password" />
            </Form.Item>
          ) : (
            <>
              <Form.Item
                label={t('cardLogin.pin')}
                name="pin"
                extra={t('cardLogin.help')}
                rules={[{ required: true }, { pattern: /^[0-9A-Za-z]{4,16}$/, message: 'PIN 碼為 4 到 16 碼' }]}
              >
                <Input.Password autoComplete="off" />
              </Form.Item>
              {busy && <Notice kind="news" title={t('cardLogin.signing')} style={{ marginBottom: 16 }} />}
            </>
          )}
          {error && <Notice kind="problem" title={error} style={{ marginBottom: 16 }} />}
          <Button type="primary" htmlType="submit" block loading={busy}>
            {method === 'card' ? t('cardLogin.submit') : t('login.submit')}
          </Button>
        </Form>
      </Card>
    </div>
  );
}
