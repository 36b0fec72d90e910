import { Badge, Tooltip } from 'antd';
import { useEffect, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { CardStatus } from '../../src-shared/common/card-status';
import { call, subscribe } from '../bridge';

const COLOR: Record<CardStatus['state'], 'success' | 'warning' | 'error' | 'default'> = {
  ready: 'success',
  'no-card': 'warning',
  'no-reader': 'warning',
  'no-module': 'error',
};

/**
 * On every screen: no reader / no card / ready, with the token's label. The details (the
 * certificate's subject, or the card problem) show on hover and on keyboard focus, and a screen
 * reader hears them as the indicator's description. Only the header's indicator is `live`, so a
 * change of card is announced once, not once per copy on the screen.
 */
export function CardIndicator({ live = false }: { live?: boolean }) {
  const { t } = useTranslation();
  const detailsId = useId();
  const [status, setStatus] = useState<CardStatus | null>(null);
  useEffect(() => {
    void call('card:status', {}).then(setStatus, () => {});
    return subscribe('card:status-changed', setStatus);
  }, []);
  const liveProps = live ? { role: 'status', 'aria-live': 'polite' as const } : {};
  if (!status) {
    return (
      <span {...liveProps}>
        <Badge status="processing" text={t('card.checking')} />
      </span>
    );
  }
  const label = status.state === 'ready' ? `${t('card.ready')}：${status.token?.label ?? ''}` : t(`card.${status.state}`);
  const details = status.certificate?.subject.replace(/\n/g, ', ') ?? status.problem ?? '';
  return (
    <>
      <span {...liveProps}>
        <Tooltip title={details} trigger={['hover', 'focus']}>
          <span tabIndex={details ? 0 : undefined} data-testid="card-indicator" data-state={status.state} aria-describedby={details ? detailsId : undefined}>
            <Badge status={COLOR[status.state]} text={label} />
          </span>
        </Tooltip>
      </span>
      {details && (
        <span id={detailsId} className="gw-visually-hidden">
          {t('card.details')}：{details}
        </span>
      )}
    </>
  );
}
