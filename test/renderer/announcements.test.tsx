// @vitest-environment jsdom
import '@testing-library/jest-dom/vitest';
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DocumentView } from '../../src-shared/common/api/documents';
import { progressQuarter } from '../../src-renderer/calm-progress';
import { CardIndicator } from '../../src-renderer/components/CardIndicator';
import { Notice } from '../../src-renderer/components/Notice';
import { SendDialog } from '../../src-renderer/components/SendDialog';
import { initI18n } from '../../src-renderer/i18n';
import { DocumentScreen } from '../../src-renderer/screens/DocumentScreen';
import { ResignScreen } from '../../src-renderer/screens/ResignScreen';
import { fakeBridge } from './fake-bridge';
import { prepareJsdomForAntd } from './jsdom-antd';

// The announcement rules (docs/accessibility.md): what is live, what interrupts, and that one
// event is said once.

beforeAll(() => {
  initI18n('zh-TW');
  prepareJsdomForAntd();
});
afterEach(cleanup);

const LIVE = ['alert', 'status', 'log'];
const liveTexts = () => LIVE.flatMap((role) => screen.queryAllByRole(role).map((el) => el.textContent ?? ''));

const doc: DocumentView = {
  id: '6f1c0a59-3d1e-4a43-9f55-2f4c1e7d0b11',
  number: '1033151119',
  subject: '公告測試',
  status: '簽核中',
  holderName: '公文系統廠商',
  holderAccount: 'vendor',
  currentSeq: 1,
  updatedAt: '',
  arrivedAt: null,
  lastAction: null,
  body: '請核示。',
  contentSha256: 'x',
  createdBy: '公文系統廠商',
  createdAt: '',
  attachments: [],
  flow: [],
  stepToken: 'tttttttttttttttttttttt',
};
const users = [
  { account: 'vendor', name: '公文系統廠商', unit: '資通建設科', unitId: 'ict', title: '廠商' },
  { account: 'yeh.yenchih', name: '葉彥志', unit: '資通建設科', unitId: 'ict', title: '科長' },
];
const ready = () => ({
  state: 'ready',
  modulePath: '',
  token: { label: 'HiCOS PKI Smart Card', serial: '1', model: '', manufacturer: '', pin: { countLow: false, finalTry: false, locked: false } },
  certificate: { subject: 'CN=公文系統廠商\nO=資通建設科' },
});

describe('Notice', () => {
  it('a problem interrupts (alert), news waits its turn (status), a reminder is not live (note)', () => {
    render(
      <>
        <Notice kind="problem" title="壞了" />
        <Notice kind="news" type="success" title="好了" />
        <Notice kind="reminder" type="warning" title="還有一件" />
      </>,
    );
    expect(screen.getByRole('alert')).toHaveTextContent('壞了');
    expect(screen.getByRole('status')).toHaveTextContent('好了');
    expect(screen.getByRole('note')).toHaveTextContent('還有一件');
    expect(liveTexts()).toEqual(['壞了', '好了']);
  });
});

describe('a wrong PIN', () => {
  it('is said on the PIN field (focus, aria-invalid, description with the count warning), not shouted as an alert', async () => {
    fakeBridge({
      'card:status': ready,
      'step:send': () => {
        throw { code: 'CARD_PIN_INCORRECT', message: '憑證卡密碼（PIN 碼）錯誤，請重新輸入。', pin: { countLow: true, finalTry: false, locked: false } };
      },
    });
    render(
      <SendDialog doc={{ ...doc, status: '已決行' }} me="vendor" users={users} tempCert={null} tempCertTicked={false} onClose={() => {}} onSent={() => {}} />,
    );
    const pin = screen.getByLabelText('憑證卡密碼（PIN 碼）');
    expect(pin).not.toHaveAttribute('aria-invalid', 'true');
    fireEvent.change(pin, { target: { value: '000000' } });
    await act(async () => fireEvent.click(document.getElementById('send-ok')!));
    await waitFor(() => expect(pin).toHaveAttribute('aria-invalid', 'true'));
    await waitFor(() => expect(pin).toHaveFocus());
    expect(pin).toHaveAccessibleDescription('憑證卡密碼（PIN 碼）錯誤，請重新輸入。 先前曾輸入錯誤的 PIN 碼，請小心輸入。');
    expect(liveTexts().filter((t) => t.includes('PIN'))).toEqual([]);
  });
});

describe('a send that is queued (service down)', () => {
  it('is one message, a warning in a status region, and no success', async () => {
    fakeBridge({
      'documents:get': () => doc,
      'users:list': () => users,
      'tempCert:view': () => ({ state: 'none', reason: null, appliedAt: null, local: null, unlocked: false }),
      'card:status': ready,
      'step:send': () => ({ status: 'queued', reason: 'SERVICE_UNREACHABLE', key: 'k1' }),
    });
    render(<DocumentScreen id={doc.id} me="vendor" tempCertTicked={false} onBack={() => {}} onSent={() => {}} />);
    await screen.findByText('請核示。');
    await act(async () => fireEvent.click(await screen.findByTestId('open-send')));
    fireEvent.mouseDown(await screen.findByLabelText('下一關負責人員'));
    fireEvent.click(await screen.findByTitle('葉彥志（資通建設科 科長）'));
    fireEvent.change(screen.getByLabelText('憑證卡密碼（PIN 碼）'), { target: { value: '123456' } });
    await act(async () => fireEvent.click(document.getElementById('send-ok')!));
    const queued = '已簽章並保存，目前無法連線，恢復連線後會自動送出。';
    await waitFor(() => expect(liveTexts().filter((t) => t.includes(queued))).toHaveLength(1));
    const region = screen.getAllByRole('status').find((el) => el.textContent?.includes(queued))!;
    expect(region).toHaveClass('ant-alert-warning');
    expect(document.querySelector('.ant-alert-success, .ant-message-success')).toBeNull();
    expect(screen.queryByTestId('open-send')).toBeNull(); // not offered twice
  });
});

describe('CardIndicator', () => {
  it('is live only where asked (the header), and its details are reachable from the keyboard', async () => {
    fakeBridge({ 'card:status': ready });
    render(
      <>
        <CardIndicator live />
        <CardIndicator />
      </>,
    );
    await waitFor(() => expect(screen.getAllByTestId('card-indicator')).toHaveLength(2));
    expect(screen.getAllByRole('status')).toHaveLength(1); // a change of card is said once
    for (const indicator of screen.getAllByTestId('card-indicator')) {
      expect(indicator).toHaveAttribute('tabindex', '0');
      expect(indicator).toHaveAccessibleDescription('憑證卡詳細資訊：CN=公文系統廠商, O=資通建設科');
    }
  });
});

describe('補簽 progress', () => {
  it('is spoken at the start and at each quarter, not at every step', () => {
    const spokenAt = Array.from({ length: 21 }, (_, done) => progressQuarter(done, 20))
      .map((q, i, all) => (i === 0 || q !== all[i - 1] ? i : null))
      .filter((i) => i !== null);
    expect(spokenAt).toEqual([0, 5, 10, 15, 20]);
    expect(progressQuarter(3, 0)).toBe(0);
    expect(progressQuarter(30, 20)).toBe(4);
  });

  it('has a named progress bar and a polite region that changes only at a new quarter', async () => {
    const bridge = fakeBridge({
      'resign:pending': () => [
        {
          stepId: 's1',
          documentId: doc.id,
          documentNumber: '1033151119',
          subject: '補簽測試',
          seq: 1,
          action: '送請簽核',
          sentAt: '2014-05-27T09:24:00Z',
          signatureValue: 'AA==',
        },
      ],
      'card:status': ready,
      'resign:start': () => new Promise(() => {}), // still running while the test looks
    });
    render(<ResignScreen />);
    await screen.findByText('補簽測試');
    fireEvent.change(screen.getByLabelText('補簽註記'), { target: { value: '出差返回' } });
    fireEvent.change(screen.getByLabelText('憑證卡密碼（PIN 碼）'), { target: { value: '123456' } });
    await act(async () => fireEvent.click(screen.getByRole('button', { name: /^補\s?簽$/ })));
    await waitFor(() => expect(bridge.calls.some((c) => c.channel === 'resign:start')).toBe(true));
    const spoken = screen.getByTestId('resign-progress-spoken');
    expect(spoken).toHaveAttribute('role', 'status');
    const said: string[] = [];
    for (let done = 0; done <= 8; done++) {
      act(() => bridge.emit('resign:progress', { done, total: 8 }));
      if (said.at(-1) !== spoken.textContent) said.push(spoken.textContent ?? '');
    }
    expect(screen.getByRole('progressbar', { name: '補簽進度' })).toBeInTheDocument();
    expect(said).toEqual([
      '補簽中：已完成 0 件，共 8 件。',
      '補簽中：已完成 2 件，共 8 件。',
      '補簽中：已完成 4 件，共 8 件。',
      '補簽中：已完成 6 件，共 8 件。',
      '補簽中：已完成 8 件，共 8 件。',
    ]);
  });
});
