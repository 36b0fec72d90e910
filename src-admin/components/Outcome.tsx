import { Alert } from 'antd';

/** What happened last on a page: a refusal (role=alert, read at once) or the news of a change (role=status). */
export type Outcome = { kind: 'problem'; text: string } | { kind: 'news'; text: string } | null;

export function OutcomeNotice({ outcome }: { outcome: Outcome }) {
  if (!outcome) return null;
  return (
    <Alert
      showIcon
      type={outcome.kind === 'problem' ? 'error' : 'success'}
      role={outcome.kind === 'problem' ? 'alert' : 'status'}
      title={outcome.text}
      style={{ marginBottom: 16 }}
      data-testid="outcome"
    />
  );
}
