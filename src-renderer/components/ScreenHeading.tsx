import { Typography } from 'antd';
import { useEffect, useRef, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

/** The heading's id: after an action removes the control that had focus, focus goes back here. */
export const SCREEN_HEADING_ID = 'screen-heading';

/** After an action removed the control that had focus, focus goes to the screen's heading, never the body. */
export function focusHeadingIfLost(): void {
  // Looked at after the next paint, when React has removed the control.
  requestAnimationFrame(() =>
    setTimeout(() => {
      if (document.activeElement === null || document.activeElement === document.body) document.getElementById(SCREEN_HEADING_ID)?.focus();
    }),
  );
}

/**
 * Every screen's one h1. It takes keyboard focus when the screen opens, so focus never falls to
 * the page body on a screen change and a screen reader starts reading at the new screen; and it
 * names the window (document.title), so the title follows the screen and the language.
 */
export function ScreenHeading({ children, focus = true }: { children: ReactNode; focus?: boolean }) {
  const { t } = useTranslation();
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (focus) ref.current?.focus();
  }, [focus]);
  const text = typeof children === 'string' ? children : '';
  useEffect(() => {
    document.title = text ? `${text} - ${t('app.product')} ${t('app.title')}` : `${t('app.product')} ${t('app.title')}`;
  }, [text, t]);
  return (
    <Typography.Title level={1} ref={ref} id={SCREEN_HEADING_ID} tabIndex={-1} className="gw-screen-heading" style={{ fontSize: 20, margin: 0 }}>
      {children}
    </Typography.Title>
  );
}
