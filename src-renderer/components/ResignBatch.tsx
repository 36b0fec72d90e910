import { Button, Progress, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import type { ResignProgress, ResignReport } from '../../src-shared/common/ipc/outputs';
import { call } from '../bridge';
import { Notice } from './Notice';

// A 補簽 batch as it runs and ends, one's own or 代為補簽 (both are `resign:*` batches on the card).

/** 取消補簽, shown while a batch runs (src-main/signing/resign-batch.ts stops it). */
export function ResignCancelButton({ running }: { running: boolean }) {
  const { t } = useTranslation();
  if (!running) return null;
  return (
    <Button onClick={() => void call('resign:cancel', {})} style={{ marginLeft: 8 }}>
      {t('ift940.cancel')}
    </Button>
  );
}

/** The batch's progress while it runs, then its report; `testId` names the list it belongs to. */
export function ResignBatchOutcome({ progress, report, testId }: { progress: ResignProgress | null; report: ResignReport | null; testId: string }) {
  const { t } = useTranslation();
  return (
    <>
      {progress && (
        <div data-testid={`${testId}-progress`}>
          <Progress aria-label={t('ift940.progressName')} percent={Math.round((progress.done / Math.max(progress.total, 1)) * 100)} />
          <Typography.Text>
            {t('ift940.progress', { done: progress.done, total: progress.total, current: progress.current?.documentNumber ?? '' })}
          </Typography.Text>
        </div>
      )}
      {report && (
        <Notice
          kind="news"
          type={report.refused.length ? 'warning' : 'success'}
          data-testid={`${testId}-report`}
          title={[
            t('ift940.done', { resigned: report.resigned }),
            report.alreadyResigned ? t('ift940.already', { count: report.alreadyResigned }) : '',
            report.refused.length ? t('ift940.refused', { count: report.refused.length }) : '',
          ]
            .filter(Boolean)
            .join(' ')}
          description={report.refused.length ? report.refused.map((r) => `${r.documentNumber}：${r.code}`).join('\n') : undefined}
        />
      )}
    </>
  );
}
