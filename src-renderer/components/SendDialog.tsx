import { Alert, Checkbox, Form, Input, Modal, Select, Space } from 'antd';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { UserSummary } from '../../src-shared/api/accounts';
import type { DocumentView } from '../../src-shared/api/documents';
import { closingChangeTypes, type ChangeType } from '../../src-shared/flow';
import type { SendOutcome, TempCertView } from '../../src-shared/ipc/outputs';
import { call, ClerkError, sentenceOf } from '../bridge';
import { CardIndicator } from './CardIndicator';

interface Props {
  doc: DocumentView;
  me: string;
  users: UserSummary[];
  tempCert: TempCertView | null;
  /** The 使用軟體臨時憑證 box as it stands in this login (sticky until logout). */
  tempCertTicked: boolean;
  onClose(): void;
  onSent(outcome: SendOutcome): void;
}

const OPEN_ACTIONS: ChangeType[] = ['送請簽核', '陳核', '會辦', '退回', '決行'];

/**
 * 傳送: change type, next holder, opinion; then either the temp cert (使用軟體臨時憑證; its
 * password only the first time in a login) or the card's PIN, with a warning when the token says
 * the PIN count is low or the next wrong PIN locks the card.
 */
export function SendDialog({ doc, me, users, tempCert, tempCertTicked, onClose, onSent }: Props) {
  const { t } = useTranslation();
  const actions = doc.status === '已決行' ? closingChangeTypes : OPEN_ACTIONS;
  const [action, setAction] = useState<ChangeType>(actions[0]!);
  const [recipient, setRecipient] = useState<string | undefined>(undefined);
  const [opinion, setOpinion] = useState('');
  const tempAvailable = tempCert?.state === 'enabled-here';
  const [useTemp, setUseTemp] = useState(tempAvailable && tempCertTicked);
  const [tempPassword, setTempPassword] = useState('');
  const [pin, setPin] = useState('');
  const [error, setError] = useState<ClerkError | string | null>(null);
  const [busy, setBusy] = useState(false);
  const closing = closingChangeTypes.includes(action);
  const needsTempPassword = useTemp && !tempCert?.unlocked;
  const others = useMemo(() => users.filter((u) => u.account !== me), [users, me]);

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
      setError(e instanceof ClerkError ? e : sentenceOf(e));
      setPin('');
    } finally {
      setBusy(false);
    }
  };

  const pinFlags = error instanceof ClerkError ? error.pin : undefined;
  const canSubmit = (closing || recipient) && (useTemp ? !needsTempPassword || tempPassword.length > 0 : pin.length >= 4);
  return (
    <Modal open title={`${t('send.title')}：${doc.number}`} okText={t('send.ok')} cancelText={t('send.cancel')} onOk={submit} onCancel={onClose} confirmLoading={busy} okButtonProps={{ disabled: !canSubmit, id: 'send-ok' }} destroyOnHidden>
      <Form layout="vertical" onFinish={submit}>
        <Form.Item label={t('send.action')} htmlFor="send-action">
          <Select id="send-action" value={action} onChange={setAction} options={actions.map((a) => ({ value: a, label: a }))} />
        </Form.Item>
        {closing ? (
          <Alert type="info" title={t('send.noRecipient')} showIcon style={{ marginBottom: 16 }} />
        ) : (
          <Form.Item label={t('send.recipient')} htmlFor="send-recipient">
            <Select id="send-recipient" showSearch optionFilterProp="label" value={recipient} onChange={setRecipient} options={others.map((u) => ({ value: u.account, label: `${u.name}（${u.unit} ${u.title}）` }))} />
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
        ) : (
          <Alert type="info" showIcon title={t('send.tempNotHere')} style={{ marginBottom: 16 }} />
        )}
        {useTemp && needsTempPassword && (
          <Form.Item label={t('send.tempPassword')} extra={t('send.tempPasswordHelp')} htmlFor="send-temp-password">
            <Input.Password id="send-temp-password" autoComplete="off" value={tempPassword} onChange={(e) => setTempPassword(e.target.value)} />
          </Form.Item>
        )}
        {!useTemp && (
          <Space orientation="vertical" style={{ width: '100%' }}>
            <CardIndicator />
            <Form.Item label={t('send.pin')} htmlFor="send-pin">
              <Input.Password id="send-pin" inputMode="numeric" autoComplete="off" maxLength={16} value={pin} onChange={(e) => setPin(e.target.value)} />
            </Form.Item>
            {pinFlags?.finalTry && <Alert type="error" showIcon title={t('send.finalTry')} />}
            {pinFlags?.countLow && !pinFlags.finalTry && <Alert type="warning" showIcon title={t('send.countLow')} />}
          </Space>
        )}
        {error && <Alert type="error" showIcon role="alert" title={typeof error === 'string' ? error : error.message} style={{ marginTop: 12 }} />}
      </Form>
    </Modal>
  );
}
