import { Button, Card, Divider, Form, Input, Layout, Typography } from 'antd';
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { ADMIN_API, AdminMe } from '../../src-shared/common/api/admin';
import { ConsoleError, type AdminApi } from '../api';
import { CardLoginPanel } from '../components/CardLoginPanel';
import { OutcomeNotice } from '../components/Outcome';
import { PageHeading } from '../components/PageHeading';

/** 登入: account and login password, or the card approved in GongwenDesk; a refusal (a clerk without a console role among them) says why. */
export function LoginPage({ api, onLoggedIn, languageSwitch }: { api: AdminApi; onLoggedIn: (me: AdminMe) => void; languageSwitch: ReactNode }) {
  const { t } = useTranslation();
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (values: { account: string; password: string }) => {
    setBusy(true);
    setProblem(null);
    try {
      onLoggedIn(await api.change('POST', ADMIN_API.login, AdminMe, { account: values.account.trim(), password: values.password }));
    } catch (e) {
      setProblem(e instanceof ConsoleError ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Layout style={{ minHeight: '100vh', alignItems: 'center', justifyContent: 'center', background: '#f5f5f5' }}>
      <main>
        <Card style={{ width: 420 }}>
          <div style={{ textAlign: 'right' }}>{languageSwitch}</div>
          <PageHeading>{t('login.title')}</PageHeading>
          <Typography.Paragraph>{t('login.help')}</Typography.Paragraph>
          <OutcomeNotice outcome={problem ? { kind: 'problem', text: problem } : null} />
          <Form layout="vertical" onFinish={(v: { account: string; password: string }) => void submit(v)} requiredMark={false}>
            <Form.Item label={t('login.account')} name="account" rules={[{ required: true, message: t('login.account') }]}>
              <Input autoComplete="username" />
            </Form.Item>
            <Form.Item label={t('login.password')} name="password" rules={[{ required: true, message: t('login.password') }]}>
              <Input.Password autoComplete="current-password" />
            </Form.Item>
            <Button type="primary" htmlType="submit" loading={busy} block>
              {t('login.submit')}
            </Button>
          </Form>
          <Divider />
          <CardLoginPanel api={api} onLoggedIn={onLoggedIn} />
        </Card>
      </main>
    </Layout>
  );
}
