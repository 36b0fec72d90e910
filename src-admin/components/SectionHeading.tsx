import { Typography } from 'antd';

/** A part of a page (the units, the people, a chart): an h2 under the page's one h1. */
export function SectionHeading({ children }: { children: string }) {
  return (
    <Typography.Title level={2} style={{ fontSize: 16 }}>
      {children}
    </Typography.Title>
  );
}
