import { Alert, Button, Descriptions, Space, Typography } from 'antd';
import { useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { SendOutcome } from '../../src-shared/common/ipc/outputs';
import { call } from '../bridge';
import { FlowTable } from '../components/FlowTable';
import { Notice } from '../components/Notice';
import { ScreenHeading } from '../components/ScreenHeading';
import { SendDialog } from '../components/SendDialog';
import { useLoad } from '../use-call';

export function DocumentScreen({
  id,
  me,
  tempCertTicked,
  onBack,
  onSent,
}: {
  id: string;
  me: string;
  tempCertTicked: boolean;
  onBack(): void;
  onSent(outcome: SendOutcome): void;
}) {
  const { t } = useTranslation();
  const [sending, setSending] = useState(false);
  // What the last send came to: one message, spoken once (a queued send is a warning, not a success).
  const [outcome, setOutcome] = useState<SendOutcome['status'] | null>(null);
  const queued = outcome === 'queued';
  const backButton = useRef<HTMLButtonElement>(null);
  const sendButton = useRef<HTMLButtonElement>(null);
  const sent = useRef(false);
  const doc = useLoad(() => call('documents:get', { id }), [id]);
  const extras = useLoad(() => Promise.all([call('users:list', {}), call('tempCert:view', {}).catch(() => null)]), [id, sending]);
  const view = doc.data;
  return (
    <Space orientation="vertical" style={{ width: '100%' }} size="middle">
      <ScreenHeading>{view ? t('doc.title', { number: view.number }) : t('doc.loading')}</ScreenHeading>
      <Space>
        <Button ref={backButton} onClick={onBack}>
          {t('doc.back')}
        </Button>
        {view?.stepToken && !queued && (
          <Button ref={sendButton} type="primary" onClick={() => setSending(true)} data-testid="open-send">
            {t('doc.send')}
          </Button>
        )}
      </Space>
      {doc.error && <Alert type="error" showIcon role="alert" title={doc.error} />}
      <div data-testid="send-outcome">
        {outcome === 'queued' && <Notice kind="news" type="warning" title={t('send.queued')} />}
        {outcome === 'delivered' && <Notice kind="news" type="success" title={t('send.delivered')} />}
      </div>
      {view && (
        <>
          <Descriptions bordered size="small" column={2}>
            <Descriptions.Item label={t('doc.number')}>{view.number}</Descriptions.Item>
            <Descriptions.Item label={t('doc.status')}>{view.status}</Descriptions.Item>
            <Descriptions.Item label={t('doc.subject')} span={2}>
              {view.subject}
            </Descriptions.Item>
            <Descriptions.Item label={t('doc.createdBy')}>{view.createdBy}</Descriptions.Item>
            <Descriptions.Item label={t('doc.attachments')}>
              {view.attachments.length ? view.attachments.map((a) => a.name).join('、') : t('doc.noAttachments')}
            </Descriptions.Item>
          </Descriptions>
          <Typography.Title level={2} style={{ fontSize: 16 }}>
            {t('doc.body')}
          </Typography.Title>
          <Typography.Paragraph style={{ whiteSpace: 'pre-wrap' }}>{view.body}</Typography.Paragraph>
          {!view.stepToken && view.holderName && !outcome && <Notice kind="news" type="info" title={t('doc.notHolder')} />}
          <Typography.Title level={2} style={{ fontSize: 16 }}>
            {t('doc.flow')}
          </Typography.Title>
          <FlowTable flow={view.flow} />
        </>
      )}
      {view && extras.data && (
        <SendDialog
          open={sending}
          doc={view}
          me={me}
          users={extras.data[0]}
          tempCert={extras.data[1]}
          tempCertTicked={tempCertTicked}
          onClose={() => setSending(false)}
          // Cancelled: back to 傳送. Sent: 傳送 is gone; the clerk goes back to the list next.
          afterClose={() => (sent.current ? backButton : sendButton).current?.focus()}
          onSent={(result) => {
            sent.current = true;
            setSending(false);
            setOutcome(result.status);
            onSent(result);
            doc.reload();
          }}
        />
      )}
    </Space>
  );
}
