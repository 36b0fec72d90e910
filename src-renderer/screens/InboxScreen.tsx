import { Alert, Input, Select, Space, Table, Typography } from 'antd';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { DocumentSummary } from '../../src-shared/api/documents';
import { documentStatuses, type DocumentStatus } from '../../src-shared/flow';
import { formatRocDateTime } from '../../src-shared/roc-date';
import { call } from '../bridge';
import { useLoad } from '../use-call';

/**
 * 待辦公文 (or every document I took part in): a virtualised table, so thousands of rows scroll
 * smoothly; search by subject or number and filter by status, on the rows already loaded.
 */
export function InboxScreen({ box, onOpen }: { box: 'inbox' | 'involved'; onOpen(id: string): void }) {
  const { t } = useTranslation();
  const [query, setQuery] = useState('');
  const [status, setStatus] = useState<DocumentStatus | ''>('');
  const { data, error, loading } = useLoad(() => call('documents:list', { box }), [box]);
  const rows = useMemo(() => {
    const q = query.trim();
    return (data?.documents ?? []).filter((d) => (!q || d.subject.includes(q) || d.number.includes(q)) && (!status || d.status === status));
  }, [data, query, status]);
  return (
    <Space orientation="vertical" style={{ width: '100%' }} size="middle">
      <Space wrap>
        <Input.Search allowClear placeholder={t('inbox.search')} aria-label={t('inbox.search')} style={{ width: 320 }} value={query} onChange={(e) => setQuery(e.target.value)} />
        <Select<DocumentStatus | ''>
          aria-label={t('inbox.status')}
          style={{ width: 160 }}
          value={status}
          onChange={setStatus}
          options={[{ value: '', label: `${t('inbox.status')}：${t('inbox.all')}` }, ...documentStatuses.map((s) => ({ value: s, label: s }))]}
        />
        <Typography.Text type="secondary">{t('inbox.count', { count: rows.length })}</Typography.Text>
      </Space>
      {error && <Alert type="error" showIcon role="alert" title={error} />}
      <Table<DocumentSummary>
        data-testid="inbox-table"
        rowKey="id"
        size="small"
        virtual
        scroll={{ y: 560, x: 900 }}
        loading={loading}
        pagination={false}
        dataSource={rows}
        locale={{ emptyText: t('inbox.empty') }}
        onRow={(record) => ({ onClick: () => onOpen(record.id), onKeyDown: (e) => e.key === 'Enter' && onOpen(record.id), tabIndex: 0, style: { cursor: 'pointer' } })}
        columns={[
          { title: t('inbox.number'), dataIndex: 'number', width: 130 },
          { title: t('inbox.subject'), dataIndex: 'subject', ellipsis: true },
          { title: t('inbox.status'), dataIndex: 'status', width: 100 },
          { title: t('inbox.change'), dataIndex: 'lastChangeType', width: 100 },
          { title: t('inbox.holder'), dataIndex: 'holder', width: 130 },
          { title: t('inbox.arrived'), dataIndex: 'arrivedAt', width: 150, render: (v: string | null) => formatRocDateTime(v) },
        ]}
      />
    </Space>
  );
}
