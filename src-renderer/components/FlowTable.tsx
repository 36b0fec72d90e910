import { Table, Tag, Tooltip } from 'antd';
import { useTranslation } from 'react-i18next';
import type { FlowRow } from '../../src-shared/common/api/documents';
import { formatProcessingTime, formatRocDateTime } from '../../src-shared/common/roc-date';
import { tagTone } from '../theme';

/**
 * The flow table exactly as the source document shows it: 序, 公文狀態, 作業單位, 負責人員,
 * 公文接收時間, 公文送出時間, 公文處理時間, 異動別, 是否使用臨時憑證, 核決者. A temp-signed step says
 * whether and when it was re-signed (補簽), and the 補簽 note in words (not only on hover).
 * A step re-signed by someone else says so: "是 · 代為補簽 王美玲（主管）115/12/01 10:20", or 紙本補簽.
 */
export function FlowTable({ flow }: { flow: FlowRow[] }) {
  const { t } = useTranslation();
  return (
    <Table<FlowRow>
      rowKey="stepId"
      size="small"
      pagination={false}
      dataSource={flow}
      caption={<span className="gw-visually-hidden">{t('doc.flow')}</span>}
      columns={[
        { title: t('flow.seq'), dataIndex: 'seq', width: 48 },
        { title: t('flow.status'), dataIndex: 'status' },
        { title: t('flow.unit'), dataIndex: 'unit' },
        { title: t('flow.holder'), dataIndex: 'holderName' },
        { title: t('flow.received'), dataIndex: 'receivedAt', render: (v: string | null) => formatRocDateTime(v) },
        { title: t('flow.sent'), dataIndex: 'sentAt', render: (v: string | null) => formatRocDateTime(v) },
        { title: t('flow.processing'), key: 'processing', render: (_: unknown, r) => formatProcessingTime(r.receivedAt, r.sentAt) },
        { title: t('flow.change'), dataIndex: 'action' },
        {
          title: t('flow.temp'),
          key: 'temp',
          render: (_: unknown, r) =>
            r.tempCertUsed ? (
              r.resignedAt && (r.resignKind === 'on-behalf' || r.resignKind === 'paper') ? (
                <ResignedByOther row={r} />
              ) : (
                <span>
                  {t('flow.yes')}{' '}
                  {r.resignedAt ? (
                    <>
                      <Tag style={tagTone.done}>{t('flow.resigned', { at: formatRocDateTime(r.resignedAt) })}</Tag>
                      {r.resignNote && <span>{t('flow.resignNote', { note: r.resignNote })}</span>}
                    </>
                  ) : (
                    <Tag style={tagTone.pending}>{t('flow.notResigned')}</Tag>
                  )}
                </span>
              )
            ) : (
              t('flow.no')
            ),
        },
        { title: t('flow.approver'), dataIndex: 'approver', render: (v: string | null) => v ?? '' },
      ]}
    />
  );
}

/**
 * 代為補簽 or 紙本補簽: who did it, by which right, when; the reason on hover, and on focus for the
 * keyboard (the tag takes focus), and in the accessible name for a screen reader.
 */
function ResignedByOther({ row }: { row: FlowRow }) {
  const { t } = useTranslation();
  const right = t(row.resignRight === 'deputy' ? 'flow.rightDeputy' : 'flow.rightHead');
  const what = t(row.resignKind === 'paper' ? 'flow.paper' : 'flow.onBehalf', { by: row.resignedBy ?? '', right, at: formatRocDateTime(row.resignedAt) });
  const reason = t('flow.reason', { reason: row.resignReason ?? '' });
  return (
    <span>
      {t('flow.yes')} ·{' '}
      <Tooltip title={reason}>
        <Tag style={tagTone.done} tabIndex={0} aria-label={`${what}，${reason}`} data-testid="flow-resigned-by-other">
          {what}
        </Tag>
      </Tooltip>
    </span>
  );
}
