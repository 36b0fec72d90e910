import { Button, Card, Form, Input, List, Popconfirm, Select, Space, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Deputy } from '../../src-shared/common/api/organisation';
import { formatRocDate, parseRocDateTime, taiwanDay } from '../../src-shared/common/roc-date';
import { call, sentenceOf } from '../bridge';
import { useLoad } from '../use-call';
import { Notice } from './Notice';

/** `2026-12-01` (the service's day) as the clerk reads it: `115/12/01`. */
export function rocDay(isoDay: string): string {
  return formatRocDate(new Date(`${isoDay}T00:00:00+08:00`));
}

/** `115/12/01` as the clerk types it, to the service's day; null when it is no such date. */
function isoDayOf(roc: string): string | null {
  if (!/^\d{2,3}\/\d{2}\/\d{2}$/.test(roc.trim())) return null;
  const at = parseRocDateTime(roc);
  return at ? taiwanDay(at) : null;
}

interface Values {
  deputy: string;
  startsOn: string;
  endsOn: string;
  for?: string;
  loginPassword: string;
}

/**
 * 職務代理人 in Settings: my deputies (with withdrawal), whom I act for, and a form to name one for
 * a range of days in ROC dates; a unit head may name one for a person of the unit who has none.
 */
export function DeputiesCard({ me }: { me: string }) {
  const { t } = useTranslation();
  const list = useLoad(() => call('deputies:list', {}), []);
  const users = useLoad(() => call('users:list', {}), []);
  const [form] = Form.useForm<Values>();
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const dateRule = { validator: async (_: unknown, v?: string) => (v && isoDayOf(v) ? undefined : Promise.reject(new Error(t('deputies.dateInvalid')))) };

  const name = async (values: Values) => {
    setError(null);
    setNotice(null);
    try {
      const named = await call('deputies:name', {
        deputy: values.deputy,
        startsOn: isoDayOf(values.startsOn)!,
        endsOn: isoDayOf(values.endsOn)!,
        ...(values.for && values.for !== me ? { for: values.for } : {}),
        loginPassword: values.loginPassword,
      });
      setNotice(t('deputies.added', { name: named.deputy.name, person: named.person.name, from: rocDay(named.startsOn), to: rocDay(named.endsOn) }));
      form.resetFields();
      list.reload();
    } catch (e) {
      setError(sentenceOf(e));
    }
  };
  const withdraw = async (d: Deputy) => {
    setError(null);
    setNotice(null);
    try {
      list.setData(await call('deputies:withdraw', { id: d.id }));
      setNotice(t('deputies.withdrawn', { name: d.deputy.name }));
    } catch (e) {
      setError(sentenceOf(e));
    }
  };
  const staff = list.data?.staffWithoutDeputy ?? [];
  const row = (d: Deputy, who: string, canWithdraw: boolean) => (
    <List.Item
      actions={
        canWithdraw
          ? [
              <Popconfirm
                key="w"
                title={t('deputies.withdrawConfirm')}
                okText={t('common.confirm')}
                cancelText={t('common.cancel')}
                onConfirm={() => withdraw(d)}
              >
                <Button size="small" danger>
                  {t('deputies.withdraw')}
                </Button>
              </Popconfirm>,
            ]
          : []
      }
    >
      {t('deputies.row', { who, from: rocDay(d.startsOn), to: rocDay(d.endsOn) })}
    </List.Item>
  );
  return (
    <Card title={<h2 style={{ fontSize: 16, margin: 0 }}>{t('deputies.title')}</h2>} data-testid="deputies">
      <Space orientation="vertical" style={{ width: '100%' }} size="middle">
        {list.error && <Notice kind="problem" title={list.error} />}
        <div>
          <h3 style={{ fontSize: 14 }}>{t('deputies.mine')}</h3>
          <List
            size="small"
            bordered
            data-testid="my-deputies"
            // The list's own grey empty text is too faint to read (WCAG contrast): plain text instead.
            locale={{ emptyText: <Typography.Text>{t('deputies.none')}</Typography.Text> }}
            dataSource={list.data?.mine ?? []}
            renderItem={(d) => row(d, `${d.deputy.name}（${d.deputy.title}）`, true)}
          />
        </div>
        {(list.data?.actingFor.length ?? 0) > 0 && (
          <div>
            <h3 style={{ fontSize: 14 }}>{t('deputies.actingFor')}</h3>
            <List size="small" bordered dataSource={list.data!.actingFor} renderItem={(d) => row(d, `${d.person.name}（${d.person.title}）`, false)} />
          </div>
        )}
        <Form form={form} layout="inline" onFinish={name} aria-label={t('deputies.add')}>
          {staff.length > 0 && (
            <Form.Item label={t('deputies.for')} name="for" initialValue={me}>
              <Select
                style={{ minWidth: 160 }}
                options={[{ value: me, label: t('deputies.forSelf') }, ...staff.map((p) => ({ value: p.account, label: `${p.name}（${p.title}）` }))]}
              />
            </Form.Item>
          )}
          <Form.Item label={t('deputies.deputy')} name="deputy" rules={[{ required: true, message: t('deputies.deputyRequired') }]}>
            <Select
              showSearch
              optionFilterProp="label"
              style={{ minWidth: 180 }}
              options={(users.data ?? []).filter((u) => u.account !== me).map((u) => ({ value: u.account, label: `${u.name}（${u.unit}）` }))}
            />
          </Form.Item>
          <Form.Item label={t('deputies.startsOn')} name="startsOn" rules={[dateRule]}>
            <Input placeholder={t('deputies.datePlaceholder')} style={{ width: 120 }} />
          </Form.Item>
          <Form.Item label={t('deputies.endsOn')} name="endsOn" rules={[dateRule]}>
            <Input placeholder={t('deputies.datePlaceholder')} style={{ width: 120 }} />
          </Form.Item>
          <Form.Item label={t('ift930.loginPassword')} name="loginPassword" rules={[{ required: true, message: t('deputies.passwordRequired') }]}>
            <Input.Password autoComplete="current-password" style={{ width: 160 }} />
          </Form.Item>
          <Button type="primary" htmlType="submit">
            {t('deputies.add')}
          </Button>
        </Form>
        {notice && <Notice kind="news" type="success" title={notice} />}
        {error && <Notice kind="problem" title={error} />}
      </Space>
    </Card>
  );
}
