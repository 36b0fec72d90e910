import { formatRocDateTime } from '../../src-shared/common/roc-date';
import { Button, Checkbox, Form, Input, Modal, Select, Space } from 'antd';
import { useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { UserSummary } from '../../src-shared/common/api/accounts';
import type { DocumentView } from '../../src-shared/common/api/documents';
import { closingActions, type Action } from '../../src-shared/common/flow';
import type { SendOutcome, TempCertView } from '../../src-shared/common/ipc/outputs';
import { call, ClerkError, sentenceOf } from '../bridge';
import { keepTabInside } from '../focus-trap';
import { CardIndicator } from './CardIndicator';
import { Notice } from './Notice';

interface Props {
  /** The dialog stays mounted while the document is shown, so focus can return to 傳送 on close. */
  open?: boolean;
  doc: DocumentView;
  me: string;
  users: UserSummary[];
  tempCert: TempCertView | null;
  /** The 使用軟體臨時憑證 box as it stands in this login (sticky until logout). */
  tempCertTicked: boolean;
  onClose(): void;
  onSent(outcome: SendOutcome): void;
  /** After the closing animation: where focus goes next is the screen's call. */
  afterClose?(): void;
}

const OPEN_ACTIONS: Action[] = ['送請簽核', '陳核', '會辦', '退回', '決行'];

/**
 * 傳送: change type, next holder, opinion; then either the temp cert (使用軟體臨時憑證; its
 * password only the first time in a login) or the card's PIN, with a warning when the token says
 * the PIN count is low or the next wrong PIN locks the card.
 *
 * From the keyboard: the first field has focus when it opens; Enter in any field submits; Escape
 * (or 取消, or the close button) asks before throwing away a typed opinion.
 */
export function SendDialog({ open = true, onClose, afterClose, ...props }: Props) {
  const { t } = useTranslation();
  const typed = useRef(false);
  const [modal, holder] = Modal.useModal();
  const askClose = () => {
    if (!typed.current) return onClose();
    void modal.confirm({
      title: t('send.discardTitle'),
      content: t('send.discardText'),
      okText: t('send.discard'),
      cancelText: t('send.keepEditing'),
      okButtonProps: { danger: true },
      onOk: onClose,
      focusable: { autoFocusButton: 'cancel' },
    });
  };
  return (
    <Modal
      open={open}
      title={`${t('send.title')}：${props.doc.number}`}
      footer={null}
      onCancel={askClose}
      // Escape is handled below, so that it asks first and leaves an open drop-down alone.
      keyboard={false}
      destroyOnHidden
      modalRender={(dialog) => <div onKeyDown={keepTabInside}>{dialog}</div>}
      focusable={{ focusTriggerAfterClose: !afterClose }}
      afterClose={afterClose}
      afterOpenChange={(opened) => opened && focusFirstField()}
    >
      {holder}
      <div
        onKeyDown={(e) => {
          const expanded = (e.target as HTMLElement).getAttribute('aria-expanded') === 'true';
          if (e.key !== 'Escape' || expanded) return;
          e.stopPropagation();
          askClose();
        }}
      >
        <SendForm
          {...props}
          onCancel={askClose}
          onTyped={(v) => {
            typed.current = v;
          }}
        />
      </div>
    </Modal>
  );
}

/**
 * The first field takes focus once the dialog is open (Ant Design would leave it on the close
 * button), unless the clerk is already in a field of it (a quick click during the animation).
 */
function focusFirstField(): void {
  const active = document.activeElement;
  const inAField = active instanceof HTMLElement && active.closest('.ant-modal form') !== null;
  if (!inAField) document.getElementById('send-action')?.focus();
}

/** A refusal that belongs to one field: it is shown under the field, linked to it, and focus goes there. */
function refusedField(error: ClerkError | string | null): 'pin' | 'temp-password' | null {
  if (!(error instanceof ClerkError)) return null;
  if (error.code.startsWith('CARD_PIN')) return 'pin';
  if (error.code === 'TEMP_CERT_PASSWORD_WRONG') return 'temp-password';
  return null;
}

function SendForm({
  doc,
  me,
  users,
  tempCert,
  tempCertTicked,
  onSent,
  onCancel,
  onTyped,
}: Omit<Props, 'open' | 'onClose' | 'afterClose'> & { onCancel(): void; onTyped(typed: boolean): void }) {
  const { t } = useTranslation();
  const actions = doc.status === '已決行' ? closingActions : OPEN_ACTIONS;
  const [action, setAction] = useState<Action>(actions[0]!);
  const [recipient, setRecipient] = useState<string | undefined>(undefined);
  const [opinion, setOpinion] = useState('');
  // The agency's period, said before signing: after its end the service refuses the step.
  const periodEnded = !!tempCert?.periodEnd && new Date(tempCert.periodEnd) <= new Date();
  const tempAvailable = tempCert?.state === 'enabled-here' && !periodEnded;
  const [useTemp, setUseTemp] = useState(tempAvailable && tempCertTicked);
  const [tempPassword, setTempPassword] = useState('');
  const [pin, setPin] = useState('');
  const [error, setError] = useState<ClerkError | string | null>(null);
  const [busy, setBusy] = useState(false);
  const closing = closingActions.includes(action);
  const needsTempPassword = useTemp && !tempCert?.unlocked;
  const others = useMemo(() => users.filter((u) => u.account !== me), [users, me]);
  const fieldError = refusedField(error);
  useEffect(() => {
    onTyped(opinion.trim().length > 0);
  }, [opinion, onTyped]);
  // After a refusal, focus goes to what the clerk must fill in again (the PIN is cleared), else 確定.
  useEffect(() => {
    if (!error || busy) return;
    const target = fieldError === 'pin' ? 'send-pin' : fieldError === 'temp-password' ? 'send-temp-password' : 'send-ok';
    document.getElementById(target)?.focus();
  }, [error, busy, fieldError]);

  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      const outcome = await call('step:send', {
        documentId: doc.id,
        // The digest of the content shown here: the main process refuses to sign if it changed since.
        contentSha256: doc.contentSha256,
        action,
        recipient: closing ? null : (recipient ?? null),
        opinion,
        useTempCert: useTemp,
        ...(useTemp && needsTempPassword ? { tempCertPassword: tempPassword } : {}),
        ...(!useTemp ? { pin } : {}),
      });
      onSent(outcome);
    } catch (e) {
      const refusal = e instanceof ClerkError ? e : sentenceOf(e);
      setError(refusal);
      setPin('');
      if (refusedField(refusal) === 'temp-password') setTempPassword('');
    } finally {
      setBusy(false);
    }
  };

  const pinFlags = error instanceof ClerkError ? error.pin : undefined;
  const canSubmit = (closing || recipient) && (useTemp ? !needsTempPassword || tempPassword.length > 0 : pin.length >= 4);
  const message = error === null ? '' : typeof error === 'string' ? error : error.message;
  const pinWarning = pinFlags?.finalTry ? t('send.finalTry') : pinFlags?.countLow ? t('send.countLow') : null;
  return (
    <Form layout="vertical" onFinish={() => canSubmit && !busy && void submit()}>
      <Form.Item label={t('send.action')} htmlFor="send-action">
        <Select id="send-action" value={action} onChange={setAction} options={actions.map((a) => ({ value: a, label: a }))} />
      </Form.Item>
      {closing ? (
        <Notice kind="news" type="info" title={t('send.noRecipient')} style={{ marginBottom: 16 }} />
      ) : (
        <Form.Item label={t('send.recipient')} htmlFor="send-recipient">
          <Select
            id="send-recipient"
            showSearch
            optionFilterProp="label"
            value={recipient}
            onChange={setRecipient}
            options={others.map((u) => ({ value: u.account, label: `${u.name}（${u.unit} ${u.title}）` }))}
          />
        </Form.Item>
      )}
      <Form.Item label={t('send.opinion')} htmlFor="send-opinion">
        <Input.TextArea id="send-opinion" rows={3} maxLength={2000} value={opinion} onChange={(e) => setOpinion(e.target.value)} />
      </Form.Item>
      {tempAvailable ? (
        <Form.Item>
          <Checkbox checked={useTemp} onChange={(e) => setUseTemp(e.target.checked)} data-testid="use-temp-cert">
            {t('send.useTemp')}
          </Checkbox>
        </Form.Item>
      ) : periodEnded ? (
        <Notice kind="news" type="warning" title={t('send.tempPeriodEnded', { end: formatRocDateTime(tempCert!.periodEnd!) })} style={{ marginBottom: 16 }} />
      ) : (
        <Notice kind="news" type="info" title={t('send.tempNotHere')} style={{ marginBottom: 16 }} />
      )}
      {tempAvailable && tempCert?.periodEnd && (
        <Notice kind="news" type="info" title={t('send.tempPeriodUntil', { end: formatRocDateTime(tempCert.periodEnd) })} style={{ marginBottom: 16 }} />
      )}
      {useTemp && needsTempPassword && (
        <Form.Item
          label={t('send.tempPassword')}
          extra={<span id="send-temp-password-help">{t('send.tempPasswordHelp')}</span>}
          htmlFor="send-temp-password"
          validateStatus={fieldError === 'temp-password' ? 'error' : undefined}
          help={fieldError === 'temp-password' ? <span id="send-temp-password-error">{message}</span> : undefined}
        >
          <Input.Password
            id="send-temp-password"
            autoComplete="off"
            value={tempPassword}
            onChange={(e) => setTempPassword(e.target.value)}
            aria-invalid={fieldError === 'temp-password'}
            aria-describedby={fieldError === 'temp-password' ? 'send-temp-password-error send-temp-password-help' : 'send-temp-password-help'}
          />
        </Form.Item>
      )}
      {!useTemp && (
        <Space orientation="vertical" style={{ width: '100%' }}>
          <CardIndicator />
          <Form.Item
            label={t('send.pin')}
            htmlFor="send-pin"
            validateStatus={fieldError === 'pin' ? 'error' : undefined}
            help={
              fieldError === 'pin' ? (
                <span id="send-pin-error" data-testid="send-pin-error">
                  {message}
                  {pinWarning ? ` ${pinWarning}` : ''}
                </span>
              ) : undefined
            }
          >
            <Input.Password
              id="send-pin"
              inputMode="numeric"
              autoComplete="off"
              maxLength={16}
              value={pin}
              onChange={(e) => setPin(e.target.value)}
              aria-invalid={fieldError === 'pin'}
              aria-describedby={fieldError === 'pin' ? 'send-pin-error' : undefined}
            />
          </Form.Item>
          {/* A locked card signs nothing until it is unlocked: the temp cert, when this PC has one, sends now. */}
          {error instanceof ClerkError && error.code === 'CARD_PIN_LOCKED' && tempAvailable && (
            <Button
              data-testid="use-temp-after-lock"
              onClick={() => {
                setUseTemp(true);
                setError(null);
              }}
            >
              {t('send.useTempInstead')}
            </Button>
          )}
        </Space>
      )}
      {error && !fieldError && <Notice kind="problem" title={message} style={{ marginTop: 12 }} />}
      <Space style={{ width: '100%', justifyContent: 'flex-end', marginTop: 12 }}>
        <Button onClick={onCancel}>{t('send.cancel')}</Button>
        <Button id="send-ok" type="primary" htmlType="submit" loading={busy} disabled={!canSubmit}>
          {t('send.ok')}
        </Button>
      </Space>
    </Form>
  );
}
