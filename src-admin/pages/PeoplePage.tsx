import { Button, Form, Input, Popconfirm, Select, Space, Table, Tag, Typography, Upload } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import {
  ADMIN_API,
  AdminRole,
  AdminUnit,
  PasswordReset,
  PeoplePage as PeoplePageSchema,
  Separation,
  adminPath,
  type AdminCard,
  type AdminPerson,
} from '../../src-shared/common/api/admin';
import { formatRocDate } from '../../src-shared/common/roc-date';
import { AnyAnswer } from '../api';
import { Dialog } from '../components/Dialog';
import { FormDialog } from '../components/FormDialog';
import { FilterBar } from '../components/FilterBar';
import { OutcomeNotice } from '../components/Outcome';
import { PageHeading } from '../components/PageHeading';
import { SectionHeading } from '../components/SectionHeading';
import { useConsole } from '../console-context';
import { useChange } from '../use-change';
import { useList } from '../use-list';
import { useUnits } from '../use-units';
import { PasswordDialog, UnitDialog } from './PeopleDialogs';

interface PersonForm {
  account: string;
  name: string;
  title: string;
  unitId: string;
  password: string;
  roles: AdminRole[];
}

/** 人員與單位: the units with their heads, and the people: add, edit, 離職, roles, cards. */
export function PeoplePage() {
  const { t } = useTranslation();
  const { api } = useConsole();
  const [generation, setGeneration] = useState(0);
  const units = useUnits(generation);
  const list = useList(ADMIN_API.people, PeoplePageSchema, { status: 'active' });
  const change = useChange();
  const [editing, setEditing] = useState<AdminPerson | 'new' | null>(null);
  const [carding, setCarding] = useState<AdminPerson | null>(null);
  const [editingUnit, setEditingUnit] = useState<AdminUnit | null>(null);
  const [resetting, setResetting] = useState<AdminPerson | null>(null);
  const refresh = () => {
    list.reload();
    setGeneration((g) => g + 1);
  };
  const done = async <T,>(work: () => Promise<T>, news: (answer: T) => string) => {
    const ok = await change.run(work, news);
    if (ok) refresh();
    return ok;
  };
  const unitOptions = units.map((u) => ({ value: u.id, label: u.name }));
  const roleOptions = AdminRole.options.map((role) => ({ value: role, label: t(`role.${role}`) }));

  return (
    <>
      <PageHeading>{t('menu.people')}</PageHeading>
      <OutcomeNotice outcome={change.outcome ?? (list.problem ? { kind: 'problem', text: list.problem } : null)} />
      <SectionHeading>{t('people.units')}</SectionHeading>
      <Table
        size="small"
        rowKey="id"
        dataSource={units}
        pagination={false}
        style={{ marginBottom: 24 }}
        data-testid="units"
        columns={[
          { title: t('people.unitName'), dataIndex: 'name' },
          { title: t('people.head'), render: (_, u) => (u.head ? `${u.head.name}（${u.head.account}）` : t('common.none')) },
          { title: t('people.headcount'), dataIndex: 'people' },
          {
            title: '',
            key: 'actions',
            render: (_, u) => (
              <Button size="small" onClick={() => setEditingUnit(u)} aria-label={`${t('people.editUnit')} ${u.name}`}>
                {t('people.editUnit')}
              </Button>
            ),
          },
        ]}
      />
      <SectionHeading>{t('people.people')}</SectionHeading>
      <FilterBar<{ text?: string; unit?: string; status?: string }>
        label={t('people.people')}
        onApply={(v) => list.applyFilter({ text: v.text?.trim(), unit: v.unit, status: v.status ?? 'active' })}
      >
        <Form.Item label={t('common.search')} name="text">
          <Input placeholder={t('people.search')} allowClear />
        </Form.Item>
        <Form.Item label={t('people.unit')} name="unit">
          <Select options={unitOptions} allowClear style={{ width: 160 }} placeholder={t('common.all')} />
        </Form.Item>
        <Form.Item label={t('people.status')} name="status" initialValue="active">
          <Select
            style={{ width: 120 }}
            options={[
              { value: 'active', label: t('people.active') },
              { value: 'separated', label: t('people.separated') },
              { value: 'all', label: t('common.all') },
            ]}
          />
        </Form.Item>
      </FilterBar>
      <Button type="primary" onClick={() => setEditing('new')} style={{ marginBottom: 12 }}>
        {t('people.add')}
      </Button>
      <Table<AdminPerson>
        rowKey="account"
        loading={list.loading}
        dataSource={list.page?.items ?? []}
        pagination={list.pagination}
        data-testid="people"
        columns={[
          { title: t('people.account'), dataIndex: 'account' },
          { title: t('people.name'), dataIndex: 'name' },
          { title: t('people.title'), dataIndex: 'title' },
          { title: t('people.unit'), render: (_, p) => p.unit.name },
          { title: t('people.deputies'), dataIndex: 'deputies' },
          {
            title: t('people.status'),
            render: (_, p) => (p.separatedAt ? t('people.separatedOn', { at: formatRocDate(p.separatedAt) }) : t('people.active')),
          },
          {
            title: t('people.roles'),
            render: (_, p) => (
              <Space wrap>
                {p.roles.map((role) =>
                  role === 'it-admin' && p.administratorByConfiguration ? (
                    <Tag key={role}>
                      {t(`role.${role}`)}
                      {t('people.byConfiguration')}
                    </Tag>
                  ) : (
                    <Button
                      key={role}
                      size="small"
                      onClick={() =>
                        void done(
                          () => api.change('DELETE', adminPath(ADMIN_API.personRole, { account: p.account, role }), AnyAnswer),
                          () => t('common.done'),
                        )
                      }
                    >
                      {t('people.revokeRole', { role: t(`role.${role}`) })}
                    </Button>
                  ),
                )}
                {!p.separatedAt && p.roles.length < AdminRole.options.length && (
                  <Select<AdminRole>
                    size="small"
                    aria-label={`${t('people.grant')} ${p.name}`}
                    placeholder={t('people.grant')}
                    style={{ width: 130 }}
                    value={null}
                    options={roleOptions.filter((o) => !p.roles.includes(o.value))}
                    onChange={(role) =>
                      void done(
                        () => api.change('POST', adminPath(ADMIN_API.personRoles, { account: p.account }), AnyAnswer, { role }),
                        () => t('common.done'),
                      )
                    }
                  />
                )}
              </Space>
            ),
          },
          {
            title: t('people.cards'),
            render: (_, p) => (
              <Space direction="vertical" size={4}>
                {p.cards.length === 0 && t('people.noCards')}
                {p.cards.map((card: AdminCard) => (
                  <Space key={card.sha256} size={4} wrap>
                    <span title={card.subject}>{card.serial}</span>
                    {card.retiredAt ? (
                      <Tag>{t('people.retired')}</Tag>
                    ) : (
                      <Popconfirm
                        title={t('people.retireCardConfirm')}
                        okText={t('people.retireCard')}
                        cancelText={t('common.cancel')}
                        onConfirm={() =>
                          done(
                            () => api.change('POST', adminPath(ADMIN_API.cardRetirement, { sha256: card.sha256 }), AnyAnswer, {}),
                            () => t('people.cardRetired'),
                          )
                        }
                      >
                        <Button size="small" danger>
                          {t('people.retireCard')}
                        </Button>
                      </Popconfirm>
                    )}
                  </Space>
                ))}
              </Space>
            ),
          },
          {
            title: '',
            key: 'actions',
            render: (_, p) =>
              p.separatedAt ? null : (
                <Space wrap>
                  <Button size="small" onClick={() => setEditing(p)} aria-label={`${t('people.edit')} ${p.name}`}>
                    {t('people.edit')}
                  </Button>
                  <Button size="small" onClick={() => setCarding(p)} aria-label={`${t('people.registerCard')} ${p.name}`}>
                    {t('people.registerCard')}
                  </Button>
                  <Button size="small" onClick={() => setResetting(p)} aria-label={`${t('people.resetPassword')} ${p.name}`}>
                    {t('people.resetPassword')}
                  </Button>
                  <Popconfirm
                    title={t('people.deactivateConfirm', { name: p.name })}
                    okText={t('people.deactivate')}
                    cancelText={t('common.cancel')}
                    onConfirm={() =>
                      done(
                        () => api.change('POST', adminPath(ADMIN_API.personDeactivation, { account: p.account }), Separation, {}),
                        (s) => t('people.deactivated', { name: p.name, sessions: s.sessionsEnded }),
                      )
                    }
                  >
                    <Button size="small" danger aria-label={`${t('people.deactivate')} ${p.name}`}>
                      {t('people.deactivate')}
                    </Button>
                  </Popconfirm>
                </Space>
              ),
          },
        ]}
      />
      {editing && (
        <PersonDialog
          person={editing === 'new' ? null : editing}
          unitOptions={unitOptions}
          roleOptions={roleOptions}
          busy={change.busy}
          onCancel={() => setEditing(null)}
          onSave={async (values) => {
            const ok =
              editing === 'new'
                ? await done(
                    () => api.change('POST', ADMIN_API.people, AnyAnswer, { ...values, account: values.account.trim(), roles: values.roles ?? [] }),
                    () => t('people.added', { name: values.name, account: values.account.trim() }),
                  )
                : await done(
                    () =>
                      api.change('POST', adminPath(ADMIN_API.personEdit, { account: editing.account }), AnyAnswer, {
                        name: values.name,
                        title: values.title ?? '',
                        unitId: values.unitId,
                      }),
                    () => t('people.edited', { name: values.name }),
                  );
            if (ok) setEditing(null);
          }}
        />
      )}
      {editingUnit && (
        <UnitDialog
          unit={editingUnit}
          busy={change.busy}
          onCancel={() => setEditingUnit(null)}
          onSave={async (values) => {
            // Only what changed is sent: an unchanged head is not re-appointed.
            const body = { name: values.name, ...(values.head && values.head !== editingUnit.head?.account ? { head: values.head } : {}) };
            const ok = await done(
              () => api.change('POST', adminPath(ADMIN_API.unitEdit, { unitId: editingUnit.id }), AdminUnit, body),
              (unit) => t('people.unitEdited', { name: unit.name }),
            );
            if (ok) setEditingUnit(null);
          }}
        />
      )}
      {resetting && (
        <PasswordDialog
          person={resetting}
          busy={change.busy}
          onCancel={() => setResetting(null)}
          onSave={async (password) => {
            const ok = await done(
              () => api.change('POST', adminPath(ADMIN_API.personPassword, { account: resetting.account }), PasswordReset, { password }),
              (reset) => t('people.passwordReset', { name: resetting.name, sessions: reset.sessionsEnded }),
            );
            if (ok) setResetting(null);
          }}
        />
      )}
      {carding && (
        <CardDialog
          person={carding}
          busy={change.busy}
          onCancel={() => setCarding(null)}
          onSave={async (pem) => {
            const ok = await done(
              () => api.change('POST', adminPath(ADMIN_API.personCards, { account: carding.account }), AnyAnswer, { pem }),
              () => t('people.cardRegistered', { name: carding.name }),
            );
            if (ok) setCarding(null);
          }}
        />
      )}
    </>
  );
}

function PersonDialog(props: {
  person: AdminPerson | null;
  unitOptions: { value: string; label: string }[];
  roleOptions: { value: AdminRole; label: string }[];
  busy: boolean;
  onCancel: () => void;
  onSave: (values: PersonForm) => Promise<void>;
}) {
  const { t } = useTranslation();
  const [form] = Form.useForm<PersonForm>();
  const { person } = props;
  return (
    <FormDialog
      title={person ? t('people.editTitle', { name: person.name }) : t('people.addTitle')}
      busy={props.busy}
      form={form}
      initialValues={person ? { name: person.name, title: person.title, unitId: person.unit.id } : { roles: [] }}
      onCancel={props.onCancel}
      onFinish={(values) => void props.onSave(values)}
    >
      {!person && (
        <Form.Item label={t('people.account')} name="account" rules={[{ required: true, message: t('people.account') }]}>
          <Input autoComplete="off" />
        </Form.Item>
      )}
      <Form.Item label={t('people.name')} name="name" rules={[{ required: true, message: t('people.name') }]}>
        <Input />
      </Form.Item>
      <Form.Item label={t('people.title')} name="title">
        <Input />
      </Form.Item>
      <Form.Item label={t('people.unit')} name="unitId" rules={[{ required: true, message: t('people.unit') }]}>
        <Select options={props.unitOptions} />
      </Form.Item>
      {!person && (
        <>
          <Form.Item label={t('people.password')} name="password" extra={t('people.passwordHelp')} rules={[{ required: true, message: t('people.password') }]}>
            <Input.Password autoComplete="new-password" />
          </Form.Item>
          <Form.Item label={t('people.roles')} name="roles">
            <Select mode="multiple" options={props.roleOptions} />
          </Form.Item>
        </>
      )}
    </FormDialog>
  );
}

/** 登錄憑證卡 from a PEM file the IT staff has (exported from the card or sent by the card's issuer). */
function CardDialog(props: { person: AdminPerson; busy: boolean; onCancel: () => void; onSave: (pem: string) => Promise<void> }) {
  const { t } = useTranslation();
  const [pem, setPem] = useState('');
  return (
    <Dialog
      title={t('people.registerCardTitle', { name: props.person.name })}
      okText={t('people.registerCard')}
      cancelText={t('common.cancel')}
      okButtonProps={{ disabled: !pem }}
      confirmLoading={props.busy}
      onCancel={props.onCancel}
      onOk={() => void props.onSave(pem)}
    >
      <Typography.Paragraph>{t('people.pemHelp')}</Typography.Paragraph>
      <Upload
        accept=".pem,.crt,.cer"
        maxCount={1}
        beforeUpload={(file) => {
          void file.text().then(setPem);
          return false; // read here and sent as JSON, never uploaded as a form
        }}
      >
        <Button>{t('people.pem')}</Button>
      </Upload>
      <Input.TextArea
        aria-label={t('people.pem')}
        value={pem}
        onChange={(e) => setPem(e.target.value)}
        rows={6}
        style={{ marginTop: 12, fontFamily: 'monospace' }}
      />
    </Dialog>
  );
}
