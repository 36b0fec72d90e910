import { Button, Card, Descriptions, Input, Space } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { TempCertApplicationForHead } from '../../src-shared/common/api/temp-cert';
import { formatRocDateTime } from '../../src-shared/common/roc-date';
import { call, sentenceOf } from '../bridge';
import { useLoad } from '../use-call';
import { Notice } from './Notice';

/**
 * The unit head's part of IFT930 (policy `approval: unit-head`): their units' applications
 * awaiting a decision (who, reason, the period asked), each approved or rejected with a comment
 * the applicant sees. Shown only when there is something to decide.
 */
export function TempCertApprovals({ onDecided }: { onDecided?: () => void }) {
  const { t } = useTranslation();
  const list = useLoad(() => call('tempCert:approvals', {}), []);
  const [comments, setComments] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  if (!list.data || list.data.length === 0) return done ? <Notice kind="news" type="success" title={done} /> : null;
  const decide = async (application: TempCertApplicationForHead, approve: boolean) => {
    setBusy(application.account);
    setError(null);
    try {
      list.setData(await call('tempCert:decide', { account: application.account, approve, comment: comments[application.account] ?? '' }));
      setDone(t(approve ? 'ift930.head.approvedDone' : 'ift930.head.rejectedDone', { name: application.name }));
      onDecided?.();
    } catch (e) {
      setError(sentenceOf(e));
    } finally {
      setBusy(null);
    }
  };
  return (
    <Card title={<h2 style={{ margin: 0, fontSize: 16 }}>{t('ift930.head.title')}</h2>} data-testid="temp-cert-approvals">
      <Space orientation="vertical" style={{ width: '100%' }} size="middle">
        {done && <Notice kind="news" type="success" title={done} />}
        {error && <Notice kind="problem" title={error} />}
        {list.data.map((a) => (
          <Card key={a.account} size="small" data-testid={`approval-${a.account}`}>
            <Descriptions size="small" column={1}>
              <Descriptions.Item label={t('ift930.head.who')}>{`${a.name}（${a.unit}，${a.account}）`}</Descriptions.Item>
              <Descriptions.Item label={t('ift930.reason')}>{a.reason}</Descriptions.Item>
              <Descriptions.Item label={t('ift930.head.appliedAt')}>{formatRocDateTime(a.appliedAt)}</Descriptions.Item>
              <Descriptions.Item label={t('ift930.head.period')}>
                {a.periodEnd ? t('ift930.head.until', { end: formatRocDateTime(a.periodEnd) }) : t('ift930.head.noLimit')}
              </Descriptions.Item>
            </Descriptions>
            <label htmlFor={`decision-comment-${a.account}`}>{t('ift930.head.comment')}</label>
            <Input.TextArea
              id={`decision-comment-${a.account}`}
              rows={2}
              maxLength={500}
              value={comments[a.account] ?? ''}
              onChange={(e) => setComments((c) => ({ ...c, [a.account]: e.target.value }))}
            />
            <Space style={{ marginTop: 8 }}>
              <Button type="primary" loading={busy === a.account} onClick={() => void decide(a, true)}>
                {t('ift930.head.approve')}
              </Button>
              <Button danger disabled={busy === a.account} onClick={() => void decide(a, false)}>
                {t('ift930.head.reject')}
              </Button>
            </Space>
          </Card>
        ))}
      </Space>
    </Card>
  );
}
