import { Badge, Select, Tooltip } from 'antd';
import { useEffect, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { CardInReader, CardStatus } from '../../src-shared/common/card-status';
import { call, sentenceOf, subscribe } from '../bridge';

const COLOR: Record<CardStatus['state'], 'success' | 'warning' | 'error' | 'default'> = {
  ready: 'success',
  choose: 'warning',
  'no-card': 'warning',
  'no-reader': 'warning',
  'no-module': 'error',
};

/**
 * On every screen: no reader / no card / ready, with the token's label and the holder's name. The
 * details (the certificate's subject, or the card problem) show on hover and on keyboard focus, and
 * a screen reader hears them as the indicator's description. Only the header's indicator is
 * `live`, so a change of card is announced once, not once per copy on the screen.
 *
 * With more than one card present (a reader in the keyboard and a USB one) the clerk chooses
 * which here; the main process remembers it. When the chosen card is pulled out while another is
 * in, the state is `choose` again: the other card is never used without the clerk saying so.
 */
export function CardIndicator({ live = false }: { live?: boolean }) {
  const { t } = useTranslation();
  const detailsId = useId();
  const chooserId = useId();
  const [status, setStatus] = useState<CardStatus | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
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
  const cards = status.cards ?? [];
  const inUse = cards.find((c) => c.serial === status.token?.serial);
  const holder = inUse?.holder ? `（${inUse.holder}）` : '';
  // A locked card is present but signs nothing until it is unlocked: say so before the PIN is typed.
  const locked = status.state === 'ready' && status.token?.pin.locked === true;
  const label = status.state === 'ready' ? `${locked ? t('card.locked') : t('card.ready')}：${status.token?.label ?? ''}${holder}` : t(`card.${status.state}`);
  const details = status.certificate?.subject.replace(/\n/g, ', ') ?? status.problem ?? '';
  const choose = async (serial: string) => {
    setProblem(null);
    try {
      setStatus(await call('card:choose', { serial }));
    } catch (e) {
      setProblem(sentenceOf(e));
    }
  };
  return (
    <>
      <span {...liveProps}>
        <Tooltip title={details} trigger={['hover', 'focus']}>
          <span
            tabIndex={details ? 0 : undefined}
            data-testid="card-indicator"
            data-state={status.state}
            data-locked={locked ? 'true' : undefined}
            aria-describedby={details ? detailsId : undefined}
            style={{ whiteSpace: 'nowrap' }}
          >
            <Badge status={locked ? 'error' : COLOR[status.state]} text={label} />
          </span>
        </Tooltip>
      </span>
      {details && (
        <span id={detailsId} className="gw-visually-hidden">
          {t('card.details')}：{details}
        </span>
      )}
      {(cards.length > 1 || status.state === 'choose') && (
        <span data-testid="card-chooser" style={{ marginInlineStart: 8, whiteSpace: 'nowrap' }}>
          <label htmlFor={chooserId} className="gw-visually-hidden">
            {t('card.chooseLabel')}
          </label>
          <Select
            id={chooserId}
            size="small"
            // A fixed width: the header keeps its layout whichever card is chosen (the list shows each whole).
            style={{ width: 240 }}
            // The reader's name is what tells two cards of one holder apart: show it whole.
            popupMatchSelectWidth={false}
            placeholder={t('card.choosePlaceholder')}
            value={status.state === 'ready' ? status.token?.serial : undefined}
            onChange={(serial: string) => void choose(serial)}
            options={cards.map((c) => ({ value: c.serial, label: cardName(c, t('card.unknownHolder')) }))}
            status={status.state === 'choose' ? 'warning' : undefined}
          />
          {problem && (
            <span role="alert" style={{ marginInlineStart: 8 }}>
              {problem}
            </span>
          )}
        </span>
      )}
    </>
  );
}

/** How a card reads in the list: the holder first (what tells two government cards apart), then the reader. */
export function cardName(card: CardInReader, unknownHolder: string): string {
  return `${card.holder ?? unknownHolder}｜${card.label}｜${card.reader}`;
}
