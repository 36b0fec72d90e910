import { Form, InputNumber, Select, Table, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { ADMIN_API, PendingResignPage, type PendingResignStep } from '../../src-shared/common/api/admin';
import { formatRocDateTime } from '../../src-shared/common/roc-date';
import { FilterBar } from '../components/FilterBar';
import { OutcomeNotice } from '../components/Outcome';
import { PageHeading } from '../components/PageHeading';
import { SectionHeading } from '../components/SectionHeading';
import { useList } from '../use-list';
import { useUnits } from '../use-units';

const RIGHT = { signer: 'resign.rightSigner', 'unit-head': 'resign.rightHead', deputy: 'resign.rightDeputy' } as const;

/** 補簽: the steps signed with a temp cert and not yet re-signed, by unit and age, and who may re-sign each today. */
export function ResignPage() {
  const { t } = useTranslation();
  const units = useUnits();
  const list = useList(ADMIN_API.pendingResign, PendingResignPage);
  return (
    <>
      <PageHeading>{t('menu.resign')}</PageHeading>
      <OutcomeNotice outcome={list.problem ? { kind: 'problem', text: list.problem } : null} />
      {list.page && <Typography.Paragraph>{t('resign.overdueAfter', { days: list.page.overdueAfterDays })}</Typography.Paragraph>}
      <SectionHeading>{t('resign.byUnit')}</SectionHeading>
      <Table
        size="small"
        rowKey="unitId"
        pagination={false}
        style={{ marginBottom: 24 }}
        dataSource={list.page?.byUnit ?? []}
        data-testid="resign-by-unit"
        columns={[
          { title: t('resign.unit'), dataIndex: 'unitName' },
          { title: t('resign.pending'), dataIndex: 'pending' },
          { title: t('resign.overdue'), dataIndex: 'overdue' },
        ]}
      />
      <FilterBar<{ unit?: string; overdue?: string; minAgeDays?: number }>
        label={t('resign.pending')}
        onApply={(v) => list.applyFilter({ unit: v.unit, overdue: v.overdue, minAgeDays: v.minAgeDays ?? undefined })}
      >
        <Form.Item label={t('resign.unit')} name="unit">
          <Select options={units.map((u) => ({ value: u.id, label: u.name }))} allowClear style={{ width: 160 }} placeholder={t('common.all')} />
        </Form.Item>
        <Form.Item label={t('resign.overdue')} name="overdue">
          <Select
            allowClear
            style={{ width: 140 }}
            placeholder={t('common.all')}
            options={[
              { value: 'true', label: t('resign.overdueOnly') },
              { value: 'false', label: t('resign.pending') },
            ]}
          />
        </Form.Item>
        <Form.Item label={t('resign.minAge')} name="minAgeDays">
          <InputNumber min={0} max={3650} />
        </Form.Item>
      </FilterBar>
      <Table<PendingResignStep>
        rowKey="stepId"
        data-testid="resign-pending"
        loading={list.loading}
        dataSource={list.page?.items ?? []}
        pagination={list.pagination}
        columns={[
          { title: t('resign.number'), dataIndex: 'documentNumber' },
          { title: t('resign.subject'), dataIndex: 'subject' },
          { title: t('resign.seq'), dataIndex: 'seq' },
          { title: t('resign.signer'), render: (_, s) => `${s.signer.name}${s.signer.separated ? t('resign.separated') : ''}` },
          { title: t('resign.unit'), render: (_, s) => s.unit.name },
          { title: t('resign.sentAt'), render: (_, s) => formatRocDateTime(s.sentAt) },
          {
            title: t('resign.age'),
            render: (_, s) => (
              <>
                {t('resign.days', { count: s.ageDays })} {s.overdue && <Tag color="error">{t('resign.overdue')}</Tag>}
              </>
            ),
          },
          { title: t('resign.mayResign'), render: (_, s) => s.mayResign.map((p) => `${p.name}（${t(RIGHT[p.right])}）`).join('、') },
        ]}
      />
    </>
  );
}
