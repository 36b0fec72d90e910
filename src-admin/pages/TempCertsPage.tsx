import { Button, Form, Input, Select, Space, Table, Tabs, Tag } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import {
  ADMIN_API,
  TempCertApplicationState,
  TempCertApplicationsPage,
  TempCertRevocation,
  TempCertificateState,
  TempCertificatesPage,
  adminPath,
  type AdminTempCertificate,
} from '../../src-shared/common/api/admin';
import { formatRocDateTime } from '../../src-shared/common/roc-date';
import { Dialog } from '../components/Dialog';
import { FilterBar } from '../components/FilterBar';
import { OutcomeNotice } from '../components/Outcome';
import { PageHeading } from '../components/PageHeading';
import { useConsole } from '../console-context';
import { useChange } from '../use-change';
import { useList } from '../use-list';
import { useUnits } from '../use-units';

type Revoking = { kind: 'one'; certificate: AdminTempCertificate } | { kind: 'all'; account: string; name: string };
type Filter = { text?: string; unit?: string; state?: string };

/** 臨時憑證: every certificate (who, reason, PC, state, issued, revoked) and every application; revoke one or all of a person's. */
export function TempCertsPage() {
  const { t } = useTranslation();
  const { api } = useConsole();
  const units = useUnits();
  const certificates = useList(ADMIN_API.tempCertificates, TempCertificatesPage);
  const applications = useList(ADMIN_API.tempCertApplications, TempCertApplicationsPage);
  const change = useChange();
  const [revoking, setRevoking] = useState<Revoking | null>(null);
  const unitOptions = units.map((u) => ({ value: u.id, label: u.name }));
  const filters = (states: readonly string[], placeholder: string) => (
    <>
      <Form.Item label={t('common.search')} name="text">
        <Input placeholder={placeholder} allowClear />
      </Form.Item>
      <Form.Item label={t('tempCerts.unit')} name="unit">
        <Select options={unitOptions} allowClear style={{ width: 160 }} placeholder={t('common.all')} />
      </Form.Item>
      <Form.Item label={t('tempCerts.state')} name="state">
        <Select options={states.map((s) => ({ value: s, label: t(`tempCerts.${s}`) }))} allowClear style={{ width: 140 }} placeholder={t('common.all')} />
      </Form.Item>
    </>
  );
  const apply = (list: { applyFilter: (f: Filter) => void }) => (v: Filter) => list.applyFilter({ text: v.text?.trim(), unit: v.unit, state: v.state });

  return (
    <>
      <PageHeading>{t('menu.tempCerts')}</PageHeading>
      <OutcomeNotice outcome={change.outcome ?? (certificates.problem ? { kind: 'problem', text: certificates.problem } : null)} />
      <Tabs
        items={[
          {
            key: 'certificates',
            label: t('tempCerts.certificates'),
            children: (
              <>
                <FilterBar<Filter> label={t('tempCerts.certificates')} onApply={apply(certificates)}>
                  {filters(TempCertificateState.options, t('tempCerts.search'))}
                </FilterBar>
                <Table<AdminTempCertificate>
                  rowKey="serial"
                  data-testid="temp-certificates"
                  loading={certificates.loading}
                  dataSource={certificates.page?.items ?? []}
                  pagination={certificates.pagination}
                  columns={[
                    { title: t('tempCerts.person'), render: (_, c) => `${c.person.name}（${c.person.account}）` },
                    { title: t('tempCerts.unit'), render: (_, c) => c.unit.name },
                    { title: t('tempCerts.reason'), dataIndex: 'reason' },
                    { title: t('tempCerts.pcLabel'), dataIndex: 'pcLabel' },
                    { title: t('tempCerts.state'), render: (_, c) => <Tag>{t(`tempCerts.${c.state}`)}</Tag> },
                    { title: t('tempCerts.issuedAt'), render: (_, c) => formatRocDateTime(c.issuedAt) },
                    { title: t('tempCerts.notAfter'), render: (_, c) => formatRocDateTime(c.notAfter) },
                    { title: t('tempCerts.revokedAt'), render: (_, c) => formatRocDateTime(c.revokedAt) },
                    {
                      title: '',
                      key: 'actions',
                      render: (_, c) =>
                        c.state === 'valid' ? (
                          <Space wrap>
                            <Button
                              size="small"
                              danger
                              onClick={() => setRevoking({ kind: 'one', certificate: c })}
                              aria-label={`${t('tempCerts.revoke')} ${c.person.name} ${c.pcLabel}`}
                            >
                              {t('tempCerts.revoke')}
                            </Button>
                            <Button size="small" onClick={() => setRevoking({ kind: 'all', account: c.person.account, name: c.person.name })}>
                              {t('tempCerts.revokeAll')}
                            </Button>
                          </Space>
                        ) : null,
                    },
                  ]}
                />
              </>
            ),
          },
          {
            key: 'applications',
            label: t('tempCerts.applications'),
            children: (
              <>
                <FilterBar<Filter> label={t('tempCerts.applications')} onApply={apply(applications)}>
                  {filters(TempCertApplicationState.options, t('tempCerts.searchApplications'))}
                </FilterBar>
                <Table
                  rowKey={(a) => `${a.person.account} ${a.appliedAt}`}
                  loading={applications.loading}
                  dataSource={applications.page?.items ?? []}
                  pagination={applications.pagination}
                  columns={[
                    { title: t('tempCerts.person'), render: (_, a) => `${a.person.name}（${a.person.account}）` },
                    { title: t('tempCerts.unit'), render: (_, a) => a.unit.name },
                    { title: t('tempCerts.reason'), dataIndex: 'reason' },
                    { title: t('tempCerts.state'), render: (_, a) => <Tag>{t(`tempCerts.${a.state}`)}</Tag> },
                    { title: t('tempCerts.appliedAt'), render: (_, a) => formatRocDateTime(a.appliedAt) },
                    { title: t('tempCerts.decidedAt'), render: (_, a) => formatRocDateTime(a.decidedAt) },
                    { title: t('tempCerts.periodEnd'), render: (_, a) => formatRocDateTime(a.periodEnd) },
                    { title: t('tempCerts.active'), dataIndex: 'certificates' },
                  ]}
                />
              </>
            ),
          },
        ]}
      />
      {revoking && (
        <RevokeDialog
          busy={change.busy}
          title={
            revoking.kind === 'all'
              ? `${t('tempCerts.revokeAll')}：${revoking.name}`
              : `${t('tempCerts.revokeTitle')}：${revoking.certificate.person.name} ${revoking.certificate.pcLabel}`
          }
          onCancel={() => setRevoking(null)}
          onRevoke={async (reason) => {
            const path =
              revoking.kind === 'all'
                ? adminPath(ADMIN_API.personTempCertRevocation, { account: revoking.account })
                : adminPath(ADMIN_API.tempCertRevocation, { serial: revoking.certificate.serial });
            const ok = await change.run(
              () => api.change('POST', path, TempCertRevocation, { reason }),
              (r) => (revoking.kind === 'all' ? t('tempCerts.revokedAll', { count: r.revoked }) : t('tempCerts.revokedOne')),
            );
            if (ok) {
              setRevoking(null);
              certificates.reload();
              applications.reload();
            }
          }}
        />
      )}
    </>
  );
}

function RevokeDialog(props: { title: string; busy: boolean; onCancel: () => void; onRevoke: (reason: string) => Promise<void> }) {
  const { t } = useTranslation();
  const [form] = Form.useForm<{ reason: string }>();
  return (
    <Dialog
      title={props.title}
      okText={t('tempCerts.revoke')}
      okButtonProps={{ danger: true }}
      cancelText={t('common.cancel')}
      confirmLoading={props.busy}
      onCancel={props.onCancel}
      onOk={() => form.submit()}
    >
      <Form form={form} layout="vertical" onFinish={(v) => void props.onRevoke(v.reason.trim())}>
        <Form.Item label={t('tempCerts.revokeReason')} name="reason" rules={[{ required: true, whitespace: true, message: t('tempCerts.revokeReason') }]}>
          <Input />
        </Form.Item>
      </Form>
    </Dialog>
  );
}
