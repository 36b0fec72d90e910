import { Typography } from 'antd';
import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';

/**
 * Each page's one h1: it takes focus when the page opens (a screen reader starts there, focus never
 * falls to the body) and names the browser tab, as the desktop app's ScreenHeading does.
 */
export function PageHeading({ children }: { children: string }) {
  const { t } = useTranslation();
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => ref.current?.focus(), []);
  useEffect(() => {
    document.title = `${children} - ${t('app.product')} ${t('app.title')}`;
  }, [children, t]);
  return (
    <Typography.Title level={1} ref={ref} tabIndex={-1} className="gw-page-heading" style={{ fontSize: 20, marginTop: 0 }}>
      {children}
    </Typography.Title>
  );
}
