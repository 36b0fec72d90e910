import { Alert, Button, Input, Select, Space, Table, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { DocumentSummary } from '../../src-shared/common/api/documents';
import { documentStatuses, type DocumentStatus } from '../../src-shared/common/flow';
import { formatRocDateTime } from '../../src-shared/common/roc-date';
import { call } from '../bridge';
import { ScreenHeading } from '../components/ScreenHeading';
import { useLoad } from '../use-call';

/** Rows per page: enough for a day's work at a glance, few enough to read a page with a screen reader. */
export const INBOX_PAGE_SIZE = 50;

/**
 * 待辦公文 (or every document I took part in): a real table (column headers announced), paged
 * and searched by the service, so thousands of documents cost one page; the clerk is told the
 * total. Each row's subject is a button: Tab reaches it, Enter or Space opens the document.
 */
export function InboxScreen({ box, onOpen }: { box: 'inbox' | 'involved'; onOpen(id: string): void }) {
  const { t } = useTranslation();
  const [draft, setDraft] = useState('');
  const [query, setQuery] = useState('');
  const [status, setStatus] = useState<DocumentStatus | ''>('');
  const [page, setPage] = useState(1);
  const { data, error, loading } = useLoad(
    () =>
      call('documents:list', {
        box,
        limit: INBOX_PAGE_SIZE,
        offset: (page - 1) * INBOX_PAGE_SIZE,
        ...(query ? { q: query } : {}),
        ...(status ? { status } : {}),
      }),
    [box, query, status, page],
  );
  const title = t(`menu.${box}`);
  return (
    <Space orientation="vertical" style={{ width: '100%' }} size="middle">
      <ScreenHeading>{title}</ScreenHeading>
      <Space wrap>
        <Input.Search
          allowClear
          placeholder={t('inbox.search')}
          aria-label={t('inbox.search')}
          enterButton={t('inbox.searchButton')}
          style={{ width: 360 }}
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
          onSearch={(value) => {
            setQuery(value.trim());
            setPage(1);
          }}
        />
        <Select<DocumentStatus | ''>
          aria-label={t('inbox.status')}
          style={{ width: 160 }}
          value={status}
          onChange={(value) => {
            setStatus(value);
            setPage(1);
          }}
          options={[{ value: '', label: `${t('inbox.status')}：${t('inbox.all')}` }, ...documentStatuses.map((s) => ({ value: s, label: s }))]}
        />
        <Typography.Text type="secondary" role="status" data-testid="inbox-count">
          {data ? t('inbox.count', { count: data.total }) : ''}
        </Typography.Text>
      </Space>
      {error && <Alert type="error" showIcon role="alert" title={error} />}
      <Table<DocumentSummary>
        data-testid="inbox-table"
        rowKey="id"
        size="small"
        caption={<span className="gw-visually-hidden">{title}</span>}
        loading={loading}
        dataSource={data?.documents ?? []}
        pagination={{ current: page, pageSize: INBOX_PAGE_SIZE, total: data?.total ?? 0, showSizeChanger: false, hideOnSinglePage: true, onChange: setPage }}
        locale={{ emptyText: t('inbox.empty') }}
        onRow={(record) => ({ onClick: () => onOpen(record.id), style: { cursor: 'pointer' } })}
        columns={[
          { title: t('inbox.number'), dataIndex: 'number', width: 130 },
          {
            title: t('inbox.subject'),
            dataIndex: 'subject',
            render: (subject: string, record) => (
              <Button
                type="link"
                style={{ padding: 0, height: 'auto', whiteSpace: 'normal', textAlign: 'left' }}
                onClick={(e) => {
                  e.stopPropagation();
                  onOpen(record.id);
                }}
              >
                {subject}
              </Button>
            ),
          },
          { title: t('inbox.status'), dataIndex: 'status', width: 100 },
          { title: t('inbox.change'), dataIndex: 'lastAction', width: 100 },
          { title: t('inbox.holder'), dataIndex: 'holderName', width: 130 },
          { title: t('inbox.arrived'), dataIndex: 'arrivedAt', width: 150, render: (v: string | null) => formatRocDateTime(v) },
        ]}
      />
    </Space>
  );
}
