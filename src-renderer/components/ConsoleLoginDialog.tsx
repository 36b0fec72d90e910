import { Button, Card, Descriptions, Form, Input, Modal } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { formatRocDateTime } from '../../src-shared/common/roc-date';
import type { ConsoleLoginRequestView } from '../../src-shared/common/ipc/outputs';
import { call, sentenceOf } from '../bridge';
import { Notice } from './Notice';

/**
 * 主控台登入 (settings): approve, with this PC's card, the login of the admin console page that shows
 * a code. First the code (the dialog shows where that request came from, and warns when not from
 * this PC), then the PIN: the main process signs the service's challenge with the card.
 */
export function ConsoleLoginDialog() {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const [request, setRequest] = useState<ConsoleLoginRequestView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [codeForm] = Form.useForm<{ userCode: string }>();
  const [pinForm] = Form.useForm<{ pin: string }>();

  const close = () => {
    setOpen(false);
    setRequest(null);
    setError(null);
    codeForm.resetFields();
    pinForm.resetFields();
  };
  const run = async (step: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await step();
    } catch (e) {
      setError(sentenceOf(e));
    } finally {
      setBusy(false);
    }
  };
  const lookUp = (values: { userCode: string }) => run(async () => setRequest(await call('consoleLogin:lookup', { userCode: values.userCode })));
  const approve = (values: { pin: string }) =>
    run(async () => {
      const approved = await call('consoleLogin:approve', { userCode: request!.userCode, pin: values.pin });
      setDone(t('consoleLogin.approved', { address: approved.fromAddress }));
      close();
    });

  return (
    <Card title={<h2 style={{ fontSize: 16, margin: 0 }}>{t('consoleLogin.title')}</h2>}>
      <p>{t('consoleLogin.help')}</p>
      <Button
        onClick={() => {
          setDone(null);
          setOpen(true);
        }}
      >
        {t('consoleLogin.open')}
      </Button>
      {done && <Notice kind="news" type="success" title={done} />}
      <Modal open={open} title={t('consoleLogin.title')} onCancel={close} footer={null} destroyOnHidden>
        {error && <Notice kind="problem" title={error} />}
        {!request ? (
          <Form form={codeForm} name="consoleLoginCode" layout="vertical" onFinish={lookUp}>
            <Form.Item
              label={t('consoleLogin.code')}
              name="userCode"
              rules={[{ required: true }, { pattern: /^[A-Za-z\s-]{8,12}$/, message: t('consoleLogin.codeForm') }]}
            >
              <Input autoComplete="off" style={{ maxWidth: 200, textTransform: 'uppercase' }} />
            </Form.Item>
            <Button type="primary" htmlType="submit" loading={busy}>
              {t('consoleLogin.lookUp')}
            </Button>
          </Form>
        ) : (
          <>
            <Descriptions column={1} size="small" bordered style={{ marginBottom: 16 }}>
              <Descriptions.Item label={t('consoleLogin.code')}>{request.userCode}</Descriptions.Item>
              <Descriptions.Item label={t('consoleLogin.from')}>{request.fromAddress}</Descriptions.Item>
              <Descriptions.Item label={t('consoleLogin.browser')}>{request.fromAgent || '—'}</Descriptions.Item>
              <Descriptions.Item label={t('consoleLogin.requestedAt')}>{formatRocDateTime(request.requestedAt)}</Descriptions.Item>
            </Descriptions>
            {!request.sameAddress && <Notice kind="problem" title={t('consoleLogin.otherPlace')} />}
            <Form form={pinForm} name="consoleLoginApproval" layout="vertical" onFinish={approve}>
              <Form.Item
                label={t('consoleLogin.pin')}
                name="pin"
                rules={[{ required: true }, { pattern: /^[0-9A-Za-z]{4,16}$/, message: 'PIN 碼為 4 到 16 碼' }]}
              >
                <Input.Password autoComplete="off" style={{ maxWidth: 240 }} />
              </Form.Item>
              <Button type="primary" htmlType="submit" loading={busy}>
                {t('consoleLogin.approve')}
              </Button>
            </Form>
          </>
        )}
      </Modal>
    </Card>
  );
}
