import { Alert, type AlertProps } from 'antd';

/**
 * What the app says, and how loudly. One rule for every screen:
 * - `problem`: something went wrong just now: role=alert, read at once (red).
 * - `news`: the outcome of what the clerk just did, or a note on the screen: role=status, read when
 *   the reader is free. A queued send is news with a warning colour, never a success.
 * - `reminder`: a standing banner that is not the event itself (the outbox waiting): role=note, read
 *   when reached, so one event is announced once.
 */
export type NoticeKind = 'problem' | 'news' | 'reminder';

const ROLE: Record<NoticeKind, string> = { problem: 'alert', news: 'status', reminder: 'note' };

export function Notice({ kind, type, ...props }: Omit<AlertProps, 'role'> & { kind: NoticeKind }) {
  return <Alert showIcon {...props} type={type ?? (kind === 'problem' ? 'error' : 'info')} role={ROLE[kind]} />;
}
