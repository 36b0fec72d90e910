import { Form, Input, Select, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ADMIN_API, PeoplePage as PeoplePageSchema, type AdminPerson, type AdminUnit } from '../../src-shared/common/api/admin';
import { FormDialog } from '../components/FormDialog';
import { useConsole } from '../console-context';

export interface UnitForm {
  name: string;
  head?: string;
}

/** 編輯單位: its name and its head (權責主管), chosen from the people by account or name. */
export function UnitDialog(props: { unit: AdminUnit; busy: boolean; onCancel: () => void; onSave: (values: UnitForm) => Promise<void> }) {
  const { t } = useTranslation();
  const [form] = Form.useForm<UnitForm>();
  const { unit } = props;
  const candidates = useHeadCandidates();
  const current = unit.head ? [{ value: unit.head.account, label: `${unit.head.name}（${unit.head.account}）` }] : [];
  const options = [...current, ...candidates.options.filter((o) => o.value !== unit.head?.account)];
  return (
    <FormDialog
      title={t('people.editUnitTitle', { name: unit.name })}
      busy={props.busy}
      form={form}
      initialValues={{ name: unit.name, head: unit.head?.account }}
      onCancel={props.onCancel}
      onFinish={(values) => void props.onSave({ name: values.name.trim(), head: values.head })}
    >
      <Form.Item label={t('people.unitName')} name="name" rules={[{ required: true, whitespace: true, message: t('people.unitName') }]}>
        <Input />
      </Form.Item>
      <Form.Item label={t('people.head')} name="head" extra={t('people.headHelp')}>
        <Select
          showSearch
          filterOption={false}
          onSearch={candidates.search}
          options={options}
          placeholder={t('people.headSearch')}
          notFoundContent={t('common.none')}
        />
      </Form.Item>
    </FormDialog>
  );
}

/** People who may head a unit (those who have not left), found by part of the account or name as the clerk types. */
function useHeadCandidates() {
  const { api } = useConsole();
  const [text, setText] = useState('');
  const [people, setPeople] = useState<AdminPerson[]>([]);
  useEffect(() => {
    let current = true;
    api.get(ADMIN_API.people, PeoplePageSchema, { text: text.trim(), status: 'active', limit: 20 }).then(
      (page) => current && setPeople(page.items),
      () => current && setPeople([]),
    );
    return () => {
      current = false;
    };
  }, [api, text]);
  return { search: setText, options: people.map((p) => ({ value: p.account, label: `${p.name}（${p.account}）` })) };
}

interface PasswordForm {
  password: string;
  again: string;
}

/**
 * 重設密碼: the IT clerk types the new login password twice and hands it over in person; the
 * console never shows it back, and the service ends the person's sessions and lifts their lock.
 */
export function PasswordDialog(props: { person: AdminPerson; busy: boolean; onCancel: () => void; onSave: (password: string) => Promise<void> }) {
  const { t } = useTranslation();
  const [form] = Form.useForm<PasswordForm>();
  return (
    <FormDialog
      title={t('people.resetPasswordTitle', { name: props.person.name })}
      okText={t('people.resetPassword')}
      busy={props.busy}
      form={form}
      intro={<Typography.Paragraph>{t('people.resetPasswordHelp')}</Typography.Paragraph>}
      onCancel={props.onCancel}
      onFinish={(values) => void props.onSave(values.password)}
    >
      <Form.Item
        label={t('people.newPassword')}
        name="password"
        extra={t('people.passwordHelp')}
        rules={[{ required: true, message: t('people.newPassword') }]}
      >
        <Input.Password autoComplete="new-password" />
      </Form.Item>
      <Form.Item
        label={t('people.newPasswordAgain')}
        name="again"
        dependencies={['password']}
        rules={[
          { required: true, message: t('people.newPasswordAgain') },
          ({ getFieldValue }) => ({
            validator: (_, value) => (value === getFieldValue('password') ? Promise.resolve() : Promise.reject(new Error(t('people.passwordsDiffer')))),
          }),
        ]}
      >
        <Input.Password autoComplete="new-password" />
      </Form.Item>
    </FormDialog>
  );
}
