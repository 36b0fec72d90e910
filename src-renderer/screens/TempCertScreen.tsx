import { Button, Card, Descriptions, Form, Input, Modal, Space } from 'antd';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { TempCertView } from '../../src-shared/common/ipc/outputs';
import { formatRocDateTime } from '../../src-shared/common/roc-date';
import { call, sentenceOf } from '../bridge';
import { Notice } from '../components/Notice';
import { TempCertApprovals } from '../components/TempCertApprovals';
import { focusHeadingIfLost, SCREEN_HEADING_ID, ScreenHeading } from '../components/ScreenHeading';
import { useLoad } from '../use-call';

/** IFT930 臨時憑證申請發放啟用作業: apply, enable and download on this PC, delete. */
export function TempCertScreen() {
  const { t } = useTranslation();
  const view = useLoad(() => call('tempCert:view', {}), []);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // A new object each time, so the same target asked twice is focused twice.
  const [focusNext, setFocusNext] = useState<{ id: string } | null>(null);
  const deleteButton = useRef<HTMLButtonElement>(null);
  // Once the new form is on the screen (same render as the new state), focus its field.
  useEffect(() => {
    if (focusNext) (document.getElementById(focusNext.id) ?? document.getElementById(SCREEN_HEADING_ID))?.focus();
  }, [focusNext]);
  const [deleting, setDeleting] = useState(false);
  /** Runs one action; then focus goes to `next` (the next thing to fill in), since the form that had it is replaced. */
  const run = async (work: () => Promise<TempCertView>, done: string | undefined, next: string): Promise<boolean> => {
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      view.setData(await work());
      if (done) setNotice(done);
      setFocusNext({ id: next });
      return true;
    } catch (e) {
      setError(sentenceOf(e));
      focusHeadingIfLost();
      return false;
    } finally {
      setBusy(false);
    }
  };
  const state = view.data?.state;
  const approval = view.data?.policy?.approval === 'unit-head';
  const periodDays = view.data?.policy?.periodDays ?? null;
  return (
    <Space orientation="vertical" style={{ width: '100%', maxWidth: 720 }} size="middle">
      <ScreenHeading>{t('menu.ift930')}</ScreenHeading>
      {view.error && <Notice kind="problem" title={view.error} />}
      {view.data && (
        <Descriptions bordered size="small" column={1}>
          <Descriptions.Item label={t('ift930.state')}>
            <span data-testid="temp-cert-state">{t(`ift930.states.${view.data.state}`)}</span>
          </Descriptions.Item>
          {view.data.reason && <Descriptions.Item label={t('ift930.reason')}>{view.data.reason}</Descriptions.Item>}
          {view.data.periodEnd && view.data.state !== 'none' && (
            <Descriptions.Item label={t('ift930.period')}>
              <span data-testid="temp-cert-period">{t('ift930.periodUntil', { end: formatRocDateTime(view.data.periodEnd) })}</span>
            </Descriptions.Item>
          )}
          {view.data.decision && (
            <Descriptions.Item label={t('ift930.decision')}>
              <span data-testid="temp-cert-decision">
                {t(view.data.decision.approved ? 'ift930.approvedBy' : 'ift930.rejectedBy', {
                  by: view.data.decision.by,
                  at: formatRocDateTime(view.data.decision.at),
                  comment: view.data.decision.comment || t('ift930.noComment'),
                })}
              </span>
            </Descriptions.Item>
          )}
          {view.data.local && (
            <Descriptions.Item label="PC">
              {t('ift930.pc', { pc: view.data.local.pcLabel, until: formatRocDateTime(view.data.local.notAfter) })}
            </Descriptions.Item>
          )}
        </Descriptions>
      )}
      {notice && <Notice kind="news" type="success" title={notice} />}
      {error && <Notice kind="problem" title={error} />}
      {state === 'pending-approval' && <Notice kind="news" type="info" title={t('ift930.pendingHelp')} />}
      {state === 'rejected' && <Notice kind="news" type="warning" title={t('ift930.rejectedHelp')} />}
      {state === 'none' && (
        <Card>
          <Form
            name="apply"
            layout="vertical"
            scrollToFirstError={{ focus: true }}
            onFinish={(v: { password: string; reason: string; loginPassword: string; periodEndDate?: string }) => {
              const { periodEndDate, ...rest } = v;
              // The end of the chosen day in Taiwan time.
              const periodEnd = periodEndDate ? `${periodEndDate}T23:59:59+08:00` : undefined;
              return run(
                () => call('tempCert:apply', { ...rest, ...(periodEnd ? { periodEnd } : {}) }),
                t(approval ? 'ift930.appliedAwaiting' : 'ift930.applied'),
                approval ? SCREEN_HEADING_ID : 'enable_password',
              );
            }}
          >
            {approval && <Notice kind="news" type="info" title={t('ift930.approvalNeeded')} style={{ marginBottom: 16 }} />}
            <Form.Item label={t('ift930.password')} name="password" rules={[{ required: true, min: 8 }]}>
              <Input.Password autoComplete="new-password" />
            </Form.Item>
            <Form.Item label={t('ift930.reason')} name="reason" rules={[{ required: true }]}>
              <Input.TextArea rows={2} maxLength={500} />
            </Form.Item>
            {periodDays !== null && (
              <Form.Item
                label={t('ift930.periodEnd')}
                name="periodEndDate"
                extra={t('ift930.periodEndHelp', { days: periodDays })}
                rules={[{ required: true }]}
              >
                <Input type="date" min={taiwanDate(0)} max={taiwanDate(periodDays - 1)} />
              </Form.Item>
            )}
            <LoginPasswordItem />
            <Button type="primary" htmlType="submit" loading={busy}>
              {t('ift930.apply')}
            </Button>
          </Form>
        </Card>
      )}
      {(state === 'applied' || state === 'disabled' || state === 'enabled-elsewhere') && (
        <Card>
          <Form
            name="enable"
            layout="vertical"
            scrollToFirstError={{ focus: true }}
            onFinish={(v: { password: string; loginPassword: string }) => run(() => call('tempCert:enable', v), t('ift930.enabled'), SCREEN_HEADING_ID)}
          >
            <Form.Item label={t('ift930.enablePassword')} name="password" rules={[{ required: true }]}>
              <Input.Password autoComplete="off" />
            </Form.Item>
            <LoginPasswordItem />
            <Button type="primary" htmlType="submit" loading={busy}>
              {t('ift930.enable')}
            </Button>
          </Form>
        </Card>
      )}
      {state && state !== 'none' && (
        <Button danger disabled={busy} ref={deleteButton} onClick={() => setDeleting(true)}>
          {t('ift930.delete')}
        </Button>
      )}
      <TempCertApprovals />
      <Modal
        open={deleting}
        title={t('ift930.delete')}
        okText={t('common.confirm')}
        cancelText={t('common.cancel')}
        okButtonProps={{ danger: true, htmlType: 'submit', form: 'delete', loading: busy }}
        onCancel={() => setDeleting(false)}
        afterClose={() => (document.getElementById('apply_password') ?? deleteButton.current)?.focus()}
        destroyOnHidden
      >
        <Form
          name="delete"
          layout="vertical"
          scrollToFirstError={{ focus: true }}
          onFinish={async (v: { loginPassword: string }) => {
            if (await run(() => call('tempCert:delete', v), undefined, 'apply_password')) setDeleting(false);
          }}
        >
          <p>{t('ift930.deleteWarn')}</p>
          <LoginPasswordItem autoFocus />
        </Form>
      </Modal>
    </Space>
  );
}

/** The date `days` from today in Taiwan (YYYY-MM-DD), the bounds of the end date asked for. */
function taiwanDate(days: number): string {
  return new Date(Date.now() + 8 * 3600 * 1000 + days * 24 * 3600 * 1000).toISOString().slice(0, 10);
}

/**
 * The login password, asked again for apply, enable and delete: these change who can sign as the
 * clerk, so a borrowed session is not enough (the service checks it and rate-limits it like a login).
 */
function LoginPasswordItem({ autoFocus }: { autoFocus?: boolean }) {
  const { t } = useTranslation();
  return (
    <Form.Item label={t('ift930.loginPassword')} name="loginPassword" extra={t('ift930.loginPasswordWhy')} rules={[{ required: true }]}>
      <Input.Password autoComplete="current-password" autoFocus={autoFocus} />
    </Form.Item>
  );
}
