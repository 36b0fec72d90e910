import { Button, Form, Input, Space, Table, Tag, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { OnBehalfListed, ResignProgress, ResignReport } from '../../src-shared/common/ipc/outputs';
import { formatRocDateTime } from '../../src-shared/common/roc-date';
import { call, sentenceOf, subscribe } from '../bridge';
import { Notice } from '../components/Notice';
import { ResignBatchOutcome, ResignCancelButton } from '../components/ResignBatch';
import { focusHeadingIfLost } from '../components/ScreenHeading';
import { tagTone } from '../theme';
import { useLoad } from '../use-call';

/**
 * IFT940's second list, 代為補簽: the steps of people this user may re-sign for now (their unit's
 * people as head, or those they are deputy for today) that are overdue or whose signer left. Select
 * them, give the reason (原因) and the note, one PIN: the same batch as one's own, with its progress
 * and cancel (`resign:cancel`). Shown only to someone with such steps.
 */
export function ResignOnBehalfSection({ onDone }: { onDone: () => void }) {
  const { t } = useTranslation();
  const listed = useLoad(() => call('resign:onBehalfPending', {}), []);
  const [selected, setSelected] = useState<string[]>([]);
  const [progress, setProgress] = useState<ResignProgress | null>(null);
  const [report, setReport] = useState<ResignReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [running, setRunning] = useState(false);
  const [form] = Form.useForm<{ reason: string; note: string; pin: string }>();
  useEffect(() => subscribe('resign:progress', (p) => running && setProgress(p)), [running]);

  const steps = listed.data ?? [];
  if (steps.length === 0 && !report) return null;
  const start = async (values: { reason: string; note: string; pin: string }) => {
    setRunning(true);
    setError(null);
    setReport(null);
    setProgress(null);
    try {
      setReport(await call('resign:onBehalfStart', { ...values, stepIds: selected }));
    } catch (e) {
      setError(sentenceOf(e));
    } finally {
      form.setFieldValue('pin', '');
      setRunning(false);
      setSelected([]);
      listed.reload();
      onDone();
      focusHeadingIfLost();
    }
  };
  return (
    <section data-testid="resign-on-behalf" aria-labelledby="resign-on-behalf-title">
      <Space orientation="vertical" style={{ width: '100%' }} size="middle">
        <Typography.Title level={2} id="resign-on-behalf-title" style={{ fontSize: 16, margin: 0 }}>
          {t('ift940.onBehalf.title')}
        </Typography.Title>
        <Typography.Text>{t('ift940.onBehalf.intro')}</Typography.Text>
        {listed.error && <Notice kind="problem" title={listed.error} />}
        <Table<OnBehalfListed>
          data-testid="resign-on-behalf-pending"
          rowKey="stepId"
          size="small"
          caption={<span className="gw-visually-hidden">{t('ift940.onBehalf.title')}</span>}
          pagination={{ pageSize: 20, hideOnSinglePage: true, showSizeChanger: false }}
          loading={listed.loading}
          dataSource={steps}
          rowSelection={{
            selectedRowKeys: selected,
            onChange: (keys) => setSelected(keys.map(String)),
            getCheckboxProps: (s) => ({ disabled: s.checked === 'refused', 'aria-label': `${s.documentNumber} ${s.holderName}` }),
          }}
          columns={[
            { title: t('ift940.number'), dataIndex: 'documentNumber', width: 120 },
            { title: t('ift940.subject'), dataIndex: 'subject', ellipsis: true },
            { title: t('ift940.seq'), dataIndex: 'seq', width: 50 },
            { title: t('ift940.onBehalf.holder'), dataIndex: 'holderName', width: 120 },
            {
              title: t('ift940.onBehalf.right'),
              dataIndex: 'right',
              width: 90,
              render: (v: OnBehalfListed['right']) => t(v === 'deputy' ? 'flow.rightDeputy' : 'flow.rightHead'),
            },
            {
              title: t('ift940.onBehalf.due'),
              dataIndex: 'due',
              width: 120,
              render: (v: OnBehalfListed['due']) => (
                <Tag style={tagTone.pending}>{t(v === 'separated' ? 'ift940.onBehalf.separated' : 'ift940.onBehalf.overdue')}</Tag>
              ),
            },
            { title: t('ift940.sentAt'), dataIndex: 'sentAt', width: 140, render: (v: string) => formatRocDateTime(v) },
            {
              title: t('ift940.onBehalf.signed'),
              key: 'signed',
              render: (_: unknown, s: OnBehalfListed) =>
                s.checked === 'refused' ? (
                  <Space size={4} wrap>
                    <Tag style={tagTone.refused}>{t('ift940.refusedTag')}</Tag>
                    {s.refusal && <Typography.Text>{s.refusal.message}</Typography.Text>}
                  </Space>
                ) : (
                  s.signed && <Typography.Text>{`${s.signed.action} ${s.signed.recipient ?? ''} ${s.signed.opinion}`}</Typography.Text>
                ),
            },
          ]}
        />
        <Form form={form} name="resignOnBehalf" layout="inline" onFinish={start} scrollToFirstError={{ focus: true }}>
          <Form.Item label={t('ift940.onBehalf.reason')} name="reason" rules={[{ required: true, whitespace: true }]}>
            <Input style={{ width: 260 }} maxLength={500} data-testid="resign-on-behalf-reason" />
          </Form.Item>
          <Form.Item label={t('ift940.note')} name="note" rules={[{ required: true, whitespace: true }]}>
            <Input style={{ width: 220 }} maxLength={500} data-testid="resign-on-behalf-note" />
          </Form.Item>
          <Form.Item label={t('ift940.pin')} name="pin" rules={[{ required: true, min: 4 }]}>
            <Input.Password style={{ width: 140 }} autoComplete="off" inputMode="numeric" data-testid="resign-on-behalf-pin" />
          </Form.Item>
          <Button type="primary" htmlType="submit" loading={running} disabled={selected.length === 0}>
            {t('ift940.onBehalf.resign')}
          </Button>
          <Typography.Text style={{ marginLeft: 8 }}>{t('ift940.onBehalf.selected', { count: selected.length })}</Typography.Text>
          <ResignCancelButton running={running} />
        </Form>
        <ResignBatchOutcome progress={progress} report={report} testId="resign-on-behalf" />
        {error && <Notice kind="problem" title={error} />}
      </Space>
    </section>
  );
}
