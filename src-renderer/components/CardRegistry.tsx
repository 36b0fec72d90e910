import { Button, Card, Form, Input, Popconfirm, Space, Table, Tag } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { CardRecord } from '../../src-shared/common/api/cards';
import { formatRocDate, formatRocDateTime } from '../../src-shared/common/roc-date';
import { call, sentenceOf } from '../bridge';
import { useLoad } from '../use-call';
import { tagTone } from '../theme';
import { Notice } from './Notice';

/** The theme's tag tones (4.5:1 and more): in use, retired (refused for new signatures), expired. */
const STATE_TONE = { active: tagTone.done, retired: tagTone.refused, expired: tagTone.pending } as const;

/** 我的憑證卡 and 註冊新憑證卡 (settings): the cards on record with their state, a replacement card registered with its PIN. */
export function CardRegistry() {
  const { t } = useTranslation();
  const cards = useLoad(() => call('cards:list', {}), []);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [form] = Form.useForm<{ pin: string }>();

  /** Runs a change, shows the list it answers with and a sentence for what happened. */
  const act = async (run: () => Promise<{ cards: CardRecord[]; done: string }>) => {
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      const { cards: next, done } = await run();
      cards.setData(next);
      setNotice(done);
    } catch (e) {
      setError(sentenceOf(e));
    } finally {
      setBusy(false);
    }
  };
  const register = (values: { pin: string }) =>
    act(async () => {
      const r = await call('cards:register', { pin: values.pin });
      form.resetFields();
      return { cards: r.cards, done: r.alreadyRegistered ? t('cards.alreadyRegistered') : t('cards.registered') };
    });
  const retire = (card: CardRecord) => act(async () => ({ cards: await call('cards:retire', { sha256: card.sha256 }), done: t('cards.retired_notice') }));

  return (
    <>
      <Card title={<h2 style={{ fontSize: 16, margin: 0 }}>{t('cards.title')}</h2>}>
        {cards.error && <Notice kind="problem" title={cards.error} />}
        {cards.data && cards.data.length === 0 && <Notice kind="news" title={t('cards.none')} />}
        {cards.data && cards.data.length > 0 && (
          <Table<CardRecord>
            data-testid="cards"
            rowKey="sha256"
            size="small"
            pagination={false}
            dataSource={cards.data}
            columns={[
              { title: t('cards.holder'), dataIndex: 'holder', render: (v: string) => <span style={{ whiteSpace: 'nowrap' }}>{v}</span> },
              { title: t('cards.serialNumber'), dataIndex: 'serialNumber', render: (v: string | null) => v ?? '—' },
              { title: t('cards.issuer'), dataIndex: 'issuer' },
              { title: t('cards.validity'), render: (_: unknown, c) => `${formatRocDate(c.notBefore)} – ${formatRocDate(c.notAfter)}` },
              { title: t('cards.registeredAt'), dataIndex: 'registeredAt', render: (v: string) => formatRocDateTime(v) },
              {
                title: t('cards.state'),
                render: (_: unknown, c) => (
                  <Space>
                    <Tag style={STATE_TONE[c.state]}>{t(`cards.${c.state}`)}</Tag>
                    {c.state !== 'retired' && (
                      <Popconfirm title={t('cards.retireConfirm')} okText={t('common.confirm')} cancelText={t('common.cancel')} onConfirm={() => retire(c)}>
                        <Button size="small" disabled={busy} aria-label={`${t('cards.retire')} ${c.holder} ${formatRocDate(c.notAfter)}`}>
                          {t('cards.retire')}
                        </Button>
                      </Popconfirm>
                    )}
                  </Space>
                ),
              },
            ]}
          />
        )}
      </Card>
      <Card title={<h2 style={{ fontSize: 16, margin: 0 }}>{t('cards.registerTitle')}</h2>}>
        <p>{t('cards.registerHelp')}</p>
        <Form form={form} name="cardRegistration" layout="vertical" onFinish={register} scrollToFirstError={{ focus: true }}>
          <Form.Item label={t('cards.registerPin')} name="pin" rules={[{ required: true }, { pattern: /^[0-9A-Za-z]{4,16}$/, message: 'PIN 碼為 4 到 16 碼' }]}>
            <Input.Password autoComplete="off" style={{ maxWidth: 240 }} />
          </Form.Item>
          <Button type="primary" htmlType="submit" loading={busy}>
            {t('cards.register')}
          </Button>
        </Form>
      </Card>
      {notice && <Notice kind="news" type="success" title={notice} />}
      {error && <Notice kind="problem" title={error} />}
    </>
  );
}
