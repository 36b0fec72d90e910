import { Alert, Button, Descriptions, Space, Typography, message } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { SendOutcome } from '../../src-shared/ipc/outputs';
import { call } from '../bridge';
import { FlowTable } from '../components/FlowTable';
import { SendDialog } from '../components/SendDialog';
import { useLoad } from '../use-call';

export function DocumentScreen({ id, me, tempCertTicked, onBack, onSent }: { id: string; me: string; tempCertTicked: boolean; onBack(): void; onSent(outcome: SendOutcome): void }) {
  const { t } = useTranslation();
  const [sending, setSending] = useState(false);
  // Signed and waiting in the outbox: the step is done from the clerk's side; do not offer it again.
  const [queued, setQueued] = useState(false);
  const doc = useLoad(() => call('documents:get', { id }), [id]);
  const extras = useLoad(() => Promise.all([call('users:list', {}), call('tempCert:view', {}).catch(() => null)]), [id, sending]);
  const [toast, holder] = message.useMessage();
  const view = doc.data;
  return (
    <Space orientation="vertical" style={{ width: '100%' }} size="middle">
      {holder}
      <Space>
        <Button onClick={onBack}>{t('doc.back')}</Button>
        {view?.stepToken && !queued && (
          <Button type="primary" onClick={() => setSending(true)} data-testid="open-send">
            {t('doc.send')}
          </Button>
        )}
      </Space>
      {doc.error && <Alert type="error" showIcon role="alert" title={doc.error} />}
      {queued && <Alert type="warning" showIcon title={t('send.queued')} />}
      {view && (
        <>
          <Descriptions bordered size="small" column={2}>
            <Descriptions.Item label={t('doc.number')}>{view.number}</Descriptions.Item>
            <Descriptions.Item label={t('doc.status')}>{view.status}</Descriptions.Item>
            <Descriptions.Item label={t('doc.subject')} span={2}>
              {view.subject}
            </Descriptions.Item>
            <Descriptions.Item label={t('doc.createdBy')}>{view.createdBy}</Descriptions.Item>
            <Descriptions.Item label={t('doc.attachments')}>{view.attachments.length ? view.attachments.map((a) => a.name).join('、') : t('doc.noAttachments')}</Descriptions.Item>
          </Descriptions>
          <Typography.Paragraph style={{ whiteSpace: 'pre-wrap' }}>{view.body}</Typography.Paragraph>
          {!view.stepToken && view.holder && <Alert type="info" showIcon title={t('doc.notHolder')} />}
          <Typography.Title level={5}>{t('doc.flow')}</Typography.Title>
          <FlowTable flow={view.flow} />
        </>
      )}
      {sending && view && extras.data && (
        <SendDialog
          doc={view}
          me={me}
          users={extras.data[0]}
          tempCert={extras.data[1]}
          tempCertTicked={tempCertTicked}
          onClose={() => setSending(false)}
          onSent={(outcome) => {
            setSending(false);
            void toast.success(outcome.status === 'delivered' ? t('send.delivered') : t('send.queued'));
            setQueued(outcome.status === 'queued');
            onSent(outcome);
            void doc.reload();
          }}
        />
      )}
    </Space>
  );
}
