import { Badge, Tooltip } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { CardStatus } from '../../src-shared/card-status';
import { call, subscribe } from '../bridge';

const COLOR: Record<CardStatus['state'], 'success' | 'warning' | 'error' | 'default'> = { ready: 'success', 'no-card': 'warning', 'no-reader': 'warning', 'no-module': 'error' };

/** On every screen: no reader / no card / ready, with the token's label. */
export function CardIndicator() {
  const { t } = useTranslation();
  const [status, setStatus] = useState<CardStatus | null>(null);
  useEffect(() => {
    void call('card:status', {}).then(setStatus, () => {});
    return subscribe('card:status-changed', setStatus);
  }, []);
  if (!status) return <Badge status="processing" text={t('card.checking')} />;
  const label = status.state === 'ready' ? `${t('card.ready')}：${status.token?.label ?? ''}` : t(`card.${status.state}`);
  return (
    <Tooltip title={status.certificate?.subject.replace(/\n/g, ', ') ?? status.problem ?? ''}>
      <span role="status" aria-live="polite" data-testid="card-indicator" data-state={status.state}>
        <Badge status={COLOR[status.state]} text={label} />
      </span>
    </Tooltip>
  );
}
