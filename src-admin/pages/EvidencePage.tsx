import { Button, Descriptions, Form, Input, Space, Table, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ADMIN_API, AdminDocument, adminPath, type AdminFlowStep, type AdminTimeStamp } from '../../src-shared/common/api/admin';
import { formatRocDateTime } from '../../src-shared/common/roc-date';
import { ConsoleError } from '../api';
import { OutcomeNotice } from '../components/Outcome';
import { PageHeading } from '../components/PageHeading';
import { SectionHeading } from '../components/SectionHeading';
import { useConsole } from '../console-context';

const RESIGN = { self: 'evidence.resignSelf', 'on-behalf': 'evidence.resignOnBehalf', paper: 'evidence.resignPaper' } as const;
/** Which mode the evidence checks a signature in, as the README and the verifier say it. */
const CHECKED = { 'time-stamp': 'evidence.checkedTimeStamp', pending: 'evidence.checkedPending', claimed: 'evidence.checkedClaimed' } as const;

/** 公文證據: a document found by its number, its flow with each step's signature and 補簽, and its evidence as one ZIP. */
export function EvidencePage() {
  const { t } = useTranslation();
  const { api } = useConsole();
  const [document, setDocument] = useState<AdminDocument | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const find = async (number: string) => {
    setProblem(null);
    setDocument(null);
    try {
      setDocument(await api.get(adminPath(ADMIN_API.document, { number }), AdminDocument));
    } catch (e) {
      setProblem(e instanceof ConsoleError ? e.message : String(e));
    }
  };
  const signature = (s: AdminFlowStep) => {
    if (!s.signature) return t('evidence.unsigned');
    const sig = s.signature;
    const resign = sig.resign
      ? t(RESIGN[sig.resign.kind], { by: sig.resign.by?.name ?? '', at: formatRocDateTime(sig.resign.at) })
      : sig.kind === 'temp'
        ? t('evidence.notResigned')
        : '';
    const checked = (stamp: AdminTimeStamp) => (
      <Typography.Text type="secondary" data-testid="checked-mode">
        {t(CHECKED[stamp.mode], { at: stamp.at ? formatRocDateTime(stamp.at) : '' })}
      </Typography.Text>
    );
    return (
      <Space direction="vertical" size={0}>
        <span>{sig.kind === 'card' ? t('evidence.card') : t('evidence.temp')}</span>
        {sig.certificateSubject && <Typography.Text type="secondary">{sig.certificateSubject}</Typography.Text>}
        {checked(sig.timeStamp)}
        {resign && <span>{resign}</span>}
        {sig.resign && checked(sig.resign.timeStamp)}
      </Space>
    );
  };
  return (
    <>
      <PageHeading>{t('menu.evidence')}</PageHeading>
      <OutcomeNotice outcome={problem ? { kind: 'problem', text: problem } : null} />
      <Form
        layout="inline"
        role="search"
        aria-label={t('menu.evidence')}
        onFinish={(v: { number: string }) => void find(v.number.trim())}
        style={{ marginBottom: 16 }}
      >
        <Form.Item label={t('evidence.number')} name="number" rules={[{ required: true, message: t('evidence.numberHelp') }]}>
          <Input placeholder={t('evidence.numberHelp')} style={{ width: 200 }} />
        </Form.Item>
        <Button type="primary" htmlType="submit">
          {t('evidence.find')}
        </Button>
      </Form>
      {document && (
        <>
          <Descriptions
            bordered
            size="small"
            column={1}
            style={{ marginBottom: 16 }}
            items={[
              { key: 'number', label: t('evidence.number'), children: document.number },
              { key: 'subject', label: t('evidence.subject'), children: document.subject },
              { key: 'status', label: t('evidence.status'), children: document.status },
              { key: 'created', label: t('evidence.createdAt'), children: formatRocDateTime(document.createdAt) },
            ]}
          />
          <Button type="primary" href={adminPath(ADMIN_API.documentEvidence, { number: document.number })} download style={{ marginBottom: 16 }}>
            {t('evidence.download')}
          </Button>
          <SectionHeading>{t('evidence.flow')}</SectionHeading>
          <Table<AdminFlowStep>
            rowKey="seq"
            size="small"
            pagination={false}
            data-testid="evidence-flow"
            dataSource={document.flow}
            columns={[
              { title: t('evidence.seq'), dataIndex: 'seq' },
              { title: t('evidence.status'), dataIndex: 'status' },
              { title: t('evidence.unit'), dataIndex: 'unit' },
              { title: t('evidence.holder'), render: (_, s) => s.holder.name },
              { title: t('evidence.action'), dataIndex: 'action' },
              { title: t('evidence.received'), render: (_, s) => formatRocDateTime(s.receivedAt) },
              { title: t('evidence.sent'), render: (_, s) => formatRocDateTime(s.sentAt) },
              { title: t('evidence.signature'), render: (_, s) => signature(s) },
            ]}
          />
        </>
      )}
    </>
  );
}
