import { Alert, Button, Checkbox, Form, Input, Popconfirm, Progress, Space, Table, Tag, Tooltip, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ResignListed, ResignProgress, ResignReport } from '../../src-shared/ipc/outputs';
import { formatRocDateTime } from '../../src-shared/roc-date';
import { call, sentenceOf, subscribe } from '../bridge';
import { CardIndicator } from '../components/CardIndicator';
import { useLoad } from '../use-call';

/** IFT940 臨時憑證公文補簽停用作業: the pending list, a note, one PIN, progress, cancel; disable. */
export function ResignScreen() {
  const { t } = useTranslation();
  const pending = useLoad(() => call('resign:pending', {}), []);
  const [progress, setProgress] = useState<ResignProgress | null>(null);
  const [report, setReport] = useState<ResignReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [running, setRunning] = useState(false);
  // Steps signed with a temp cert enabled on another PC are signed only when the clerk confirms them.
  const [otherPcConfirmed, setOtherPcConfirmed] = useState(false);
  const [form] = Form.useForm<{ note: string; pin: string }>();
  useEffect(() => subscribe('resign:progress', setProgress), []);

  const start = async (values: { note: string; pin: string }) => {
    setRunning(true);
    setError(null);
    setReport(null);
    setProgress(null);
    try {
      setReport(await call('resign:start', { ...values, confirmOtherPc: otherPcConfirmed ? otherPc.map((s) => s.stepId) : [] }));
    } catch (e) {
      setError(sentenceOf(e));
    } finally {
      form.setFieldValue('pin', '');
      setRunning(false);
      void pending.reload();
    }
  };
  const steps = pending.data ?? [];
  const otherPc = steps.filter((s) => s.signedWith === 'other-pc');
  const signedWith = (s: ResignListed) =>
    s.signedWith === 'this-pc' ? (
      <Tag color="green">{t('ift940.thisPc')}</Tag>
    ) : s.signedWith === 'other-pc' ? (
      <Tooltip title={s.signed ? `${s.signed.action} ${s.signed.recipient ?? ''} ${s.signed.opinion} ${formatRocDateTime(s.signed.signingTime)}` : ''}>
        <Tag color="orange">{t('ift940.otherPc')}</Tag>
      </Tooltip>
    ) : (
      <Tooltip title={s.refusal?.message ?? ''}>
        <Tag color="red">{t('ift940.refusedTag')}</Tag>
      </Tooltip>
    );
  return (
    <Space orientation="vertical" style={{ width: '100%' }} size="middle">
      <Typography.Title level={4}>{t('menu.ift940')}</Typography.Title>
      <Typography.Title level={5}>{t('ift940.pending')}</Typography.Title>
      {pending.error && <Alert type="error" showIcon role="alert" title={pending.error} />}
      <Table<ResignListed>
        data-testid="resign-pending"
        rowKey="stepId"
        size="small"
        pagination={false}
        scroll={{ y: 320 }}
        virtual
        loading={pending.loading}
        dataSource={steps}
        locale={{ emptyText: t('ift940.none') }}
        columns={[
          { title: t('ift940.number'), dataIndex: 'documentNumber', width: 130 },
          { title: t('ift940.subject'), dataIndex: 'subject', ellipsis: true },
          { title: t('ift940.seq'), dataIndex: 'seq', width: 60 },
          { title: t('ift940.change'), dataIndex: 'changeType', width: 100 },
          { title: t('ift940.sentAt'), dataIndex: 'sentAt', width: 150, render: (v: string) => formatRocDateTime(v) },
          { title: t('ift940.signedWith'), dataIndex: 'signedWith', width: 170, render: (_: unknown, s: ResignListed) => signedWith(s) },
        ]}
      />
      {otherPc.length > 0 && (
        <Checkbox data-testid="resign-confirm-other-pc" checked={otherPcConfirmed} onChange={(e) => setOtherPcConfirmed(e.target.checked)}>
          {t('ift940.confirmOtherPc', { count: otherPc.length })}
        </Checkbox>
      )}
      <CardIndicator />
      <Form form={form} layout="inline" onFinish={start}>
        <Form.Item label={t('ift940.note')} name="note" rules={[{ required: true }]}>
          <Input style={{ width: 320 }} maxLength={500} />
        </Form.Item>
        <Form.Item label={t('ift940.pin')} name="pin" rules={[{ required: true, min: 4 }]}>
          <Input.Password style={{ width: 160 }} autoComplete="off" inputMode="numeric" />
        </Form.Item>
        <Button type="primary" htmlType="submit" loading={running} disabled={steps.length === 0}>
          {t('ift940.resign')}
        </Button>
        {running && (
          <Button onClick={() => void call('resign:cancel', {})} style={{ marginLeft: 8 }}>
            {t('ift940.cancel')}
          </Button>
        )}
      </Form>
      {progress && (
        <div data-testid="resign-progress">
          <Progress percent={Math.round((progress.done / Math.max(progress.total, 1)) * 100)} />
          <Typography.Text>{t('ift940.progress', { done: progress.done, total: progress.total, current: progress.current?.documentNumber ?? '' })}</Typography.Text>
        </div>
      )}
      {report && (
        <Alert
          type={report.refused.length ? 'warning' : 'success'}
          showIcon
          data-testid="resign-report"
          title={[t('ift940.done', { resigned: report.resigned }), report.alreadyResigned ? t('ift940.already', { count: report.alreadyResigned }) : '', report.refused.length ? t('ift940.refused', { count: report.refused.length }) : ''].filter(Boolean).join(' ')}
          description={report.refused.length ? report.refused.map((r) => `${r.documentNumber}：${r.code}`).join('\n') : undefined}
        />
      )}
      {error && <Alert type="error" showIcon role="alert" title={error} />}
      {notice && <Alert type="success" showIcon title={notice} />}
      <Popconfirm
        title={t('ift940.disableWarn')}
        okText={t('common.confirm')}
        cancelText={t('common.cancel')}
        onConfirm={async () => {
          try {
            await call('tempCert:disable', {});
            setNotice(t('ift940.disabled'));
          } catch (e) {
            setError(sentenceOf(e));
          }
        }}
      >
        <Button danger>{t('ift940.disable')}</Button>
      </Popconfirm>
    </Space>
  );
}
