import { Alert, Button, Card, Descriptions, Form, Input, Popconfirm, Space, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { TempCertView } from '../../src-shared/ipc/outputs';
import { formatRocDateTime } from '../../src-shared/roc-date';
import { call, sentenceOf } from '../bridge';
import { useLoad } from '../use-call';

/** IFT930 臨時憑證申請發放啟用作業: apply, enable and download on this PC, delete. */
export function TempCertScreen() {
  const { t } = useTranslation();
  const view = useLoad(() => call('tempCert:view', {}), []);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // Asked again for apply, enable and delete, and forgotten after each: a borrowed session is not enough.
  const [loginPassword, setLoginPassword] = useState('');
  const run = async (work: () => Promise<TempCertView>, done?: string) => {
    if (!loginPassword) {
      setNotice(null);
      setError(t('ift930.loginPasswordWhy'));
      return;
    }
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      view.setData(await work());
      if (done) setNotice(done);
    } catch (e) {
      setError(sentenceOf(e));
    } finally {
      setLoginPassword('');
      setBusy(false);
    }
  };
  const state = view.data?.state;
  return (
    <Space orientation="vertical" style={{ width: '100%', maxWidth: 720 }} size="middle">
      <Typography.Title level={4}>{t('menu.ift930')}</Typography.Title>
      {view.error && <Alert type="error" showIcon role="alert" title={view.error} />}
      {view.data && (
        <Descriptions bordered size="small" column={1}>
          <Descriptions.Item label={t('ift930.state')}>
            <span data-testid="temp-cert-state">{t(`ift930.states.${view.data.state}`)}</span>
          </Descriptions.Item>
          {view.data.reason && <Descriptions.Item label={t('ift930.reason')}>{view.data.reason}</Descriptions.Item>}
          {view.data.local && <Descriptions.Item label="PC">{t('ift930.pc', { pc: view.data.local.pcLabel, until: formatRocDateTime(view.data.local.notAfter) })}</Descriptions.Item>}
        </Descriptions>
      )}
      <label htmlFor="ift930-login-password">{t('ift930.loginPassword')}</label>
      <Input.Password id="ift930-login-password" autoComplete="current-password" value={loginPassword} onChange={(e) => setLoginPassword(e.target.value)} placeholder={t('ift930.loginPasswordWhy')} />
      {notice && <Alert type="success" showIcon title={notice} />}
      {error && <Alert type="error" showIcon role="alert" title={error} />}
      {state === 'none' && (
        <Card>
          <Form layout="vertical" onFinish={(v: { password: string; reason: string }) => run(() => call('tempCert:apply', { ...v, loginPassword }), t('ift930.applied'))}>
            <Form.Item label={t('ift930.password')} name="password" rules={[{ required: true, min: 8 }]}>
              <Input.Password autoComplete="new-password" />
            </Form.Item>
            <Form.Item label={t('ift930.reason')} name="reason" rules={[{ required: true }]}>
              <Input.TextArea rows={2} maxLength={500} />
            </Form.Item>
            <Button type="primary" htmlType="submit" loading={busy}>
              {t('ift930.apply')}
            </Button>
          </Form>
        </Card>
      )}
      {(state === 'applied' || state === 'disabled') && (
        <Card>
          <Form layout="vertical" onFinish={(v: { password: string }) => run(() => call('tempCert:enable', { ...v, loginPassword }), t('ift930.enabled'))}>
            <Form.Item label={t('ift930.enablePassword')} name="password" rules={[{ required: true }]}>
              <Input.Password autoComplete="off" />
            </Form.Item>
            <Button type="primary" htmlType="submit" loading={busy}>
              {t('ift930.enable')}
            </Button>
          </Form>
        </Card>
      )}
      {state && state !== 'none' && (
        <Popconfirm title={t('ift930.deleteWarn')} okText={t('common.confirm')} cancelText={t('common.cancel')} onConfirm={() => run(() => call('tempCert:delete', { loginPassword }))}>
          <Button danger disabled={busy}>
            {t('ift930.delete')}
          </Button>
        </Popconfirm>
      )}
    </Space>
  );
}
