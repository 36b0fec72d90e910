import { Alert, Button, Form, Input, Table } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ADMIN_API, AuditPage as AuditPageSchema, AuditVerification, type AdminAuditEntry } from '../../src-shared/common/api/admin';
import { formatRocDateTime, parseRocDateTime } from '../../src-shared/common/roc-date';
import { FilterBar } from '../components/FilterBar';
import { OutcomeNotice } from '../components/Outcome';
import { PageHeading } from '../components/PageHeading';
import { useConsole } from '../console-context';
import { useChange } from '../use-change';
import { useList } from '../use-list';

type Filter = { actor?: string; action?: string; from?: string; to?: string; document?: string };

/** `115/11/30` or `115/11/30 09:00` → an ISO instant; undefined for an empty field, null for a wrong one. */
function instantOf(text: string | undefined): string | null | undefined {
  if (!text?.trim()) return undefined;
  return parseRocDateTime(text)?.toISOString() ?? null;
}

/** 稽核紀錄: the audit log, newest first, paged and filtered in the database; 驗證稽核鏈 names the first broken entry. */
export function AuditPage() {
  const { t } = useTranslation();
  const { api } = useConsole();
  const list = useList(ADMIN_API.audit, AuditPageSchema, {}, 50);
  const [verification, setVerification] = useState<AuditVerification | null>(null);
  const verify = useChange();
  const [filterProblem, setFilterProblem] = useState<string | null>(null);
  const problem = filterProblem ?? list.problem;
  return (
    <>
      <PageHeading>{t('menu.audit')}</PageHeading>
      <OutcomeNotice outcome={verify.outcome?.kind === 'problem' ? verify.outcome : problem ? { kind: 'problem', text: problem } : null} />
      <Button
        loading={verify.busy}
        style={{ marginBottom: 16 }}
        onClick={() =>
          void verify.run(
            () => api.get(ADMIN_API.auditVerification, AuditVerification),
            (v) => {
              setVerification(v);
              return '';
            },
          )
        }
      >
        {t('audit.verify')}
      </Button>
      {verification && (
        <Alert
          showIcon
          role="status"
          data-testid="audit-chain"
          type={!verification.ok ? 'error' : verification.stalePending ? 'warning' : 'success'}
          style={{ marginBottom: 16 }}
          description={
            verification.stalePending &&
            t('audit.stalePending', { count: verification.stalePending.count, at: formatRocDateTime(verification.stalePending.oldestAt) })
          }
          title={
            verification.ok || !verification.firstBroken
              ? t('audit.chainOk', { count: verification.entries })
              : t('audit.chainBroken', {
                  seq: verification.firstBroken.seq,
                  action: verification.firstBroken.action ?? '',
                  at: formatRocDateTime(verification.firstBroken.at),
                  reason: verification.firstBroken.reason,
                  count: verification.entries,
                })
          }
        />
      )}
      <FilterBar<Filter>
        label={t('menu.audit')}
        onApply={(v) => {
          const from = instantOf(v.from);
          const to = instantOf(v.to);
          if (from === null || to === null) return setFilterProblem(t('audit.dateInvalid'));
          setFilterProblem(null);
          list.applyFilter({ actor: v.actor?.trim(), action: v.action?.trim(), document: v.document?.trim(), from, to });
        }}
      >
        <Form.Item label={t('audit.actor')} name="actor">
          <Input allowClear style={{ width: 140 }} />
        </Form.Item>
        <Form.Item label={t('audit.action')} name="action">
          <Input allowClear style={{ width: 160 }} placeholder={t('audit.actionHelp')} />
        </Form.Item>
        <Form.Item label={t('audit.from')} name="from">
          <Input allowClear style={{ width: 150 }} placeholder="115/11/30 09:00" />
        </Form.Item>
        <Form.Item label={t('audit.to')} name="to">
          <Input allowClear style={{ width: 150 }} placeholder="115/11/30 18:00" />
        </Form.Item>
        <Form.Item label={t('audit.document')} name="document">
          <Input allowClear style={{ width: 130 }} />
        </Form.Item>
      </FilterBar>
      <Table<AdminAuditEntry>
        rowKey="seq"
        size="small"
        data-testid="audit"
        loading={list.loading}
        dataSource={list.page?.items ?? []}
        pagination={list.pagination}
        columns={[
          { title: t('audit.seq'), dataIndex: 'seq' },
          { title: t('audit.at'), render: (_, e) => formatRocDateTime(e.at) },
          { title: t('audit.actor'), render: (_, e) => e.actor ?? '' },
          { title: t('audit.action'), dataIndex: 'action' },
          { title: t('audit.subject'), render: (_, e) => e.subject ?? '' },
          { title: t('audit.detail'), render: (_, e) => <code style={{ wordBreak: 'break-all' }}>{JSON.stringify(e.detail)}</code> },
        ]}
      />
    </>
  );
}
