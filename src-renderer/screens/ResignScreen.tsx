import { Button, Checkbox, Form, Input, Popconfirm, Space, Table, Tag, Typography } from 'antd';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ResignListed, ResignProgress, ResignReport } from '../../src-shared/common/ipc/outputs';
import { formatRocDateTime } from '../../src-shared/common/roc-date';
import { call, sentenceOf, subscribe } from '../bridge';
import { progressQuarter } from '../calm-progress';
import { CardIndicator } from '../components/CardIndicator';
import { ResignOnBehalfSection } from './ResignOnBehalfSection';
import { Notice } from '../components/Notice';
import { ResignBatchOutcome, ResignCancelButton } from '../components/ResignBatch';
import { focusHeadingIfLost, ScreenHeading } from '../components/ScreenHeading';
import { tagTone } from '../theme';
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
  // What a screen reader hears of the progress: only when it reaches a new quarter (see calm-progress).
  const [spoken, setSpoken] = useState('');
  const disableButton = useRef<HTMLButtonElement>(null);
  const lastQuarter = useRef<number | null>(null);
  useEffect(
    () =>
      subscribe('resign:progress', (p) => {
        setProgress(p);
        // Only a new quarter is news for a screen reader; the steps in between are not.
        const quarter = progressQuarter(p.done, p.total);
        if (quarter === lastQuarter.current) return;
        lastQuarter.current = quarter;
        setSpoken(t('ift940.progressSpoken', { done: p.done, total: p.total }));
      }),
    [t],
  );

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
      pending.reload();
      // 取消補簽 goes away when the batch ends; if it had focus, focus returns to the screen's top.
      focusHeadingIfLost();
    }
  };
  const steps = pending.data ?? [];
  const otherPc = steps.filter((s) => s.signedWith === 'other-pc');
  // What the tag means is written beside it, not in a tooltip, so the keyboard and a screen reader get it too.
  const signedWith = (s: ResignListed) =>
    s.signedWith === 'this-pc' ? (
      <Tag style={tagTone.done}>{t('ift940.thisPc')}</Tag>
    ) : s.signedWith === 'other-pc' ? (
      <Space size={4} wrap>
        <Tag style={tagTone.pending}>{t('ift940.otherPc')}</Tag>
        {s.signed && (
          <Typography.Text>{`${s.signed.action} ${s.signed.recipient ?? ''} ${s.signed.opinion} ${formatRocDateTime(s.signed.signingTime)}`}</Typography.Text>
        )}
      </Space>
    ) : (
      <Space size={4} wrap>
        <Tag style={tagTone.refused}>{t('ift940.refusedTag')}</Tag>
        {s.refusal && <Typography.Text>{s.refusal.message}</Typography.Text>}
      </Space>
    );
  return (
    <Space orientation="vertical" style={{ width: '100%' }} size="middle">
      <ScreenHeading>{t('menu.ift940')}</ScreenHeading>
      <Typography.Title level={2} style={{ fontSize: 16, margin: 0 }}>
        {t('ift940.pending')}
      </Typography.Title>
      {pending.error && <Notice kind="problem" title={pending.error} />}
      <Table<ResignListed>
        data-testid="resign-pending"
        rowKey="stepId"
        size="small"
        caption={<span className="gw-visually-hidden">{t('ift940.pending')}</span>}
        pagination={{ pageSize: 20, hideOnSinglePage: true, showSizeChanger: false }}
        loading={pending.loading}
        dataSource={steps}
        locale={{ emptyText: t('ift940.none') }}
        columns={[
          { title: t('ift940.number'), dataIndex: 'documentNumber', width: 130 },
          { title: t('ift940.subject'), dataIndex: 'subject', ellipsis: true },
          { title: t('ift940.seq'), dataIndex: 'seq', width: 60 },
          { title: t('ift940.change'), dataIndex: 'action', width: 100 },
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
      <Form form={form} name="resignOwn" layout="inline" onFinish={start} scrollToFirstError={{ focus: true }}>
        <Form.Item label={t('ift940.note')} name="note" rules={[{ required: true }]}>
          <Input style={{ width: 320 }} maxLength={500} />
        </Form.Item>
        <Form.Item label={t('ift940.pin')} name="pin" rules={[{ required: true, min: 4 }]}>
          <Input.Password style={{ width: 160 }} autoComplete="off" inputMode="numeric" />
        </Form.Item>
        <Button type="primary" htmlType="submit" loading={running} disabled={steps.length === 0}>
          {t('ift940.resign')}
        </Button>
        <ResignCancelButton running={running} />
      </Form>
      <ResignBatchOutcome progress={progress} report={report} testId="resign" />
      <div role="status" className="gw-visually-hidden" data-testid="resign-progress-spoken">
        {running ? spoken : ''}
      </div>
      {error && <Notice kind="problem" title={error} />}
      {notice && <Notice kind="news" type="success" title={notice} />}
      <ResignOnBehalfSection onDone={pending.reload} />
      <Popconfirm
        title={t('ift940.disableWarn')}
        okText={t('common.confirm')}
        cancelText={t('common.cancel')}
        onCancel={() => setTimeout(() => disableButton.current?.focus())}
        onConfirm={async () => {
          try {
            await call('tempCert:disable', {});
            setNotice(t('ift940.disabled'));
          } catch (e) {
            setError(sentenceOf(e));
          }
          // The confirmation is gone: focus back on the button that asked for it.
          setTimeout(() => disableButton.current?.focus());
        }}
      >
        <Button danger ref={disableButton}>
          {t('ift940.disable')}
        </Button>
      </Popconfirm>
    </Space>
  );
}
