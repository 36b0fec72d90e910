// @vitest-environment jsdom
import '@testing-library/jest-dom/vitest';
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DocumentView, FlowRow } from '../../src-shared/common/api/documents';
import type { TempCertView } from '../../src-shared/common/ipc/outputs';
import { CardIndicator } from '../../src-renderer/components/CardIndicator';
import { FlowTable } from '../../src-renderer/components/FlowTable';
import { SendDialog } from '../../src-renderer/components/SendDialog';
import { initI18n } from '../../src-renderer/i18n';
import { fakeBridge } from './fake-bridge';
import { prepareJsdomForAntd } from './jsdom-antd';
import { messageOf } from '../../src-shared/common/errors';

beforeAll(() => {
  initI18n('zh-TW');
  prepareJsdomForAntd();
});
afterEach(cleanup);

const seedFlow: FlowRow[] = [
  {
    stepId: 's1',
    seq: 1,
    status: '線上簽核',
    unit: '資通建設科',
    holderName: '公文系統廠商',
    holderAccount: 'vendor',
    receivedAt: '2014-05-27T09:24:00Z',
    sentAt: '2014-05-27T09:24:00Z',
    action: '送請簽核',
    opinion: '',
    tempCertUsed: true,
    approver: null,
    signed: true,
    resignedAt: '2014-05-28T01:30:00Z',
    resignNote: '出差返回',
  },
  {
    stepId: 's2',
    seq: 2,
    status: '待核示',
    unit: '資通建設科',
    holderName: '葉彥志',
    holderAccount: 'yeh.yenchih',
    receivedAt: null,
    sentAt: null,
    action: '送請簽核',
    opinion: null,
    tempCertUsed: false,
    approver: null,
    signed: false,
    resignedAt: null,
    resignNote: null,
  },
];

describe('FlowTable', () => {
  it('has exactly the seed’s columns and shows its rows with ROC dates', () => {
    render(<FlowTable flow={seedFlow} />);
    const headers = screen.getAllByRole('columnheader').map((h) => h.textContent);
    expect(headers).toEqual(['序', '公文狀態', '作業單位', '負責人員', '公文接收時間', '公文送出時間', '公文處理時間', '異動別', '是否使用臨時憑證', '核決者']);
    const [first, second] = screen.getAllByRole('row').slice(1);
    expect(
      within(first!)
        .getAllByRole('cell')
        .map((c) => c.textContent),
    ).toEqual([
      '1',
      '線上簽核',
      '資通建設科',
      '公文系統廠商',
      '103/05/27 17:24',
      '103/05/27 17:24',
      '00:00',
      '送請簽核',
      '是 已補簽 103/05/28 09:30補簽註記：出差返回',
      '',
    ]);
    expect(
      within(second!)
        .getAllByRole('cell')
        .map((c) => c.textContent),
    ).toEqual(['2', '待核示', '資通建設科', '葉彥志', '', '', '00:00', '送請簽核', '否', '']);
  });

  it('names who re-signed on behalf or on paper, by which right and when; the reason is in the tag’s name and on hover', () => {
    const byOthers: FlowRow[] = [
      {
        ...seedFlow[0]!,
        resignedAt: '2026-12-01T02:20:00Z',
        resignKind: 'on-behalf',
        resignedBy: '王美玲',
        resignRight: 'unit-head',
        resignReason: '承辦人已離職',
      },
      {
        ...seedFlow[0]!,
        stepId: 's3',
        seq: 3,
        resignedAt: '2026-12-01T02:20:00Z',
        resignKind: 'paper',
        resignedBy: '葉彥志',
        resignRight: 'unit-head',
        resignReason: '紙本',
      },
      {
        ...seedFlow[0]!,
        stepId: 's4',
        seq: 4,
        resignedAt: '2026-12-01T02:20:00Z',
        resignKind: 'on-behalf',
        resignedBy: '陳志明',
        resignRight: 'deputy',
        resignReason: '長假',
      },
    ];
    render(<FlowTable flow={byOthers} />);
    const cells = screen
      .getAllByRole('row')
      .slice(1)
      .map((row) => within(row).getAllByRole('cell')[8]!.textContent);
    expect(cells).toEqual([
      '是 · 代為補簽 王美玲（主管）115/12/01 10:20',
      '是 · 紙本補簽 葉彥志（主管）115/12/01 10:20',
      '是 · 代為補簽 陳志明（代理人）115/12/01 10:20',
    ]);
    expect(screen.getAllByTestId('flow-resigned-by-other')[0]).toHaveAccessibleName('代為補簽 王美玲（主管）115/12/01 10:20，原因：承辦人已離職');
  });
});

const doc: DocumentView = {
  id: '6f1c0a59-3d1e-4a43-9f55-2f4c1e7d0b11',
  number: '1033151119',
  subject: '測試',
  status: '簽核中',
  holderName: '公文系統廠商',
  holderAccount: 'vendor',
  currentSeq: 1,
  updatedAt: '',
  arrivedAt: null,
  lastAction: null,
  body: '',
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
const enabled = (unlocked: boolean): TempCertView => ({ state: 'enabled-here', reason: '出差', appliedAt: '', local: null, unlocked });

describe('SendDialog', () => {
  it('offers 使用軟體臨時憑證 when the temp cert is enabled here, and asks its password only while locked', () => {
    fakeBridge({ 'card:status': () => ({ state: 'ready', modulePath: '' }) });
    const { unmount } = render(
      <SendDialog doc={doc} me="vendor" users={users} tempCert={enabled(false)} tempCertTicked={false} onClose={() => {}} onSent={() => {}} />,
    );
    const box = screen.getByRole('checkbox', { name: '使用軟體臨時憑證' });
    expect(box).not.toBeChecked();
    expect(screen.getByLabelText('憑證卡密碼（PIN 碼）')).toBeInTheDocument();
    fireEvent.click(box);
    expect(screen.getByLabelText('軟體憑證密碼')).toBeInTheDocument();
    unmount();
    // Sticky: ticked from the last send of this login, and already unlocked: no password, no PIN.
    render(<SendDialog doc={doc} me="vendor" users={users} tempCert={enabled(true)} tempCertTicked={true} onClose={() => {}} onSent={() => {}} />);
    expect(screen.getByRole('checkbox', { name: '使用軟體臨時憑證' })).toBeChecked();
    expect(screen.queryByLabelText('軟體憑證密碼')).toBeNull();
    expect(screen.queryByLabelText('憑證卡密碼（PIN 碼）')).toBeNull();
  });

  it('says when the temp cert is not enabled on this PC, and warns of the final PIN try', async () => {
    const bridge = fakeBridge({
      'card:status': () => ({ state: 'ready', modulePath: '' }),
      'step:send': () => {
        throw { code: 'CARD_PIN_FINAL_TRY', message: '憑證卡密碼錯誤。再錯一次，憑證卡就會被鎖住。', pin: { countLow: true, finalTry: true, locked: false } };
      },
    });
    render(
      <SendDialog
        doc={{ ...doc, status: '已決行' }}
        me="vendor"
        users={users}
        tempCert={{ ...enabled(false), state: 'applied' }}
        tempCertTicked={false}
        onClose={() => {}}
        onSent={() => {}}
      />,
    );
    expect(screen.getByText('這台電腦尚未啟用臨時憑證（可至 IFT930 啟用）。')).toBeInTheDocument();
    expect(screen.getByText('歸檔與發文不需選擇下一關負責人員。')).toBeInTheDocument();
    fireEvent.change(screen.getByLabelText('憑證卡密碼（PIN 碼）'), { target: { value: '000000' } });
    await act(async () => fireEvent.click(document.getElementById('send-ok')!));
    await waitFor(() => expect(screen.getAllByText('注意：再輸入錯誤一次，憑證卡就會被鎖住。', { exact: false }).length).toBeGreaterThan(0));
    expect(screen.getByLabelText('憑證卡密碼（PIN 碼）')).toHaveAccessibleDescription(/再錯一次/);
    expect(bridge.calls.find((c) => c.channel === 'step:send')?.input).toMatchObject({ action: '歸檔', recipient: null, pin: '000000' });
    expect((screen.getByLabelText('憑證卡密碼（PIN 碼）') as HTMLInputElement).value).toBe(''); // the PIN is not kept
  });
});

describe('SendDialog with a locked card', () => {
  const locked = () => {
    throw { code: 'CARD_PIN_LOCKED', message: messageOf('CARD_PIN_LOCKED', 'zh-TW'), pin: { countLow: true, finalTry: false, locked: true } };
  };

  it('says what to do next and, with a temp cert enabled here, offers it: one click and the PIN gives way to the temp cert', async () => {
    fakeBridge({ 'card:status': () => ({ state: 'ready', modulePath: '' }), 'step:send': locked });
    render(
      <SendDialog
        doc={{ ...doc, status: '已決行' }}
        me="vendor"
        users={users}
        tempCert={enabled(false)}
        tempCertTicked={false}
        onClose={() => {}}
        onSent={() => {}}
      />,
    );
    fireEvent.change(screen.getByLabelText('憑證卡密碼（PIN 碼）'), { target: { value: '123456' } });
    await act(async () => fireEvent.click(document.getElementById('send-ok')!));
    const pinField = await screen.findByLabelText('憑證卡密碼（PIN 碼）');
    await waitFor(() => expect(pinField).toHaveAccessibleDescription(/PIN 碼已被鎖住.*內政部憑證管理中心.*戶政事務所.*卡片解鎖/));
    fireEvent.click(screen.getByRole('button', { name: '改用軟體臨時憑證傳送' }));
    expect(screen.getByRole('checkbox', { name: '使用軟體臨時憑證' })).toBeChecked();
    expect(screen.queryByLabelText('憑證卡密碼（PIN 碼）')).toBeNull();
    expect(screen.getByLabelText('軟體憑證密碼')).toBeInTheDocument();
  });

  it('without a temp cert on this PC offers none, and says where one is enabled', async () => {
    fakeBridge({ 'card:status': () => ({ state: 'ready', modulePath: '' }), 'step:send': locked });
    render(
      <SendDialog
        doc={{ ...doc, status: '已決行' }}
        me="vendor"
        users={users}
        tempCert={{ ...enabled(false), state: 'applied' }}
        tempCertTicked={false}
        onClose={() => {}}
        onSent={() => {}}
      />,
    );
    fireEvent.change(screen.getByLabelText('憑證卡密碼（PIN 碼）'), { target: { value: '123456' } });
    await act(async () => fireEvent.click(document.getElementById('send-ok')!));
    await waitFor(() => expect(screen.getByLabelText('憑證卡密碼（PIN 碼）')).toHaveAccessibleDescription(/PIN 碼已被鎖住/));
    expect(screen.queryByRole('button', { name: '改用軟體臨時憑證傳送' })).toBeNull();
    expect(screen.getByText('這台電腦尚未啟用臨時憑證（可至 IFT930 啟用）。')).toBeInTheDocument();
  });
});

const pinOk = { countLow: false, finalTry: false, locked: false };
const twoCards = [
  { reader: 'EZ100PU 0', label: 'HiCOS PKI Smart Card', serial: '0000000011111111', holder: '葉彥志' },
  { reader: 'Keyboard reader 1', label: 'HiCOS PKI Smart Card', serial: '0000000022222222', holder: '陳啟明' },
];

describe('CardIndicator with several cards', () => {
  it('asks which card when several are present, lists them by holder, card and reader, and sends the choice', async () => {
    const bridge = fakeBridge({
      'card:status': () => ({ state: 'choose', modulePath: '', cards: twoCards }),
      'card:choose': (input) => ({
        state: 'ready',
        modulePath: '',
        cards: twoCards,
        reader: 'Keyboard reader 1',
        chosenBy: 'clerk',
        token: { label: 'HiCOS PKI Smart Card', serial: (input as { serial: string }).serial, model: '', manufacturer: '', pin: pinOk },
      }),
    });
    render(<CardIndicator live />);
    await waitFor(() => expect(screen.getByTestId('card-indicator')).toHaveAttribute('data-state', 'choose'));
    expect(screen.getByText('請選擇要使用的憑證卡')).toBeInTheDocument();
    const chooser = screen.getByRole('combobox', { name: '使用的憑證卡' });
    fireEvent.mouseDown(chooser);
    fireEvent.click(await screen.findByTitle('陳啟明｜HiCOS PKI Smart Card｜Keyboard reader 1'));
    await waitFor(() => expect(screen.getByTestId('card-indicator')).toHaveAttribute('data-state', 'ready'));
    expect(bridge.calls.find((c) => c.channel === 'card:choose')?.input).toEqual({ serial: '0000000022222222' });
    expect(screen.getByText('憑證卡就緒：HiCOS PKI Smart Card（陳啟明）')).toBeInTheDocument();
  });

  it('with one card shows no chooser; a refused choice is said beside the list', async () => {
    const bridge = fakeBridge({
      'card:status': () => ({
        state: 'ready',
        modulePath: '',
        cards: [twoCards[0]],
        chosenBy: 'only-card',
        token: { label: 'HiCOS PKI Smart Card', serial: '0000000011111111', model: '', manufacturer: '', pin: pinOk },
      }),
      'card:choose': () => {
        throw { code: 'CARD_NOT_IN_READER', message: '選擇的憑證卡已不在讀卡機中，請重新選擇。' };
      },
    });
    render(<CardIndicator />);
    await waitFor(() => expect(screen.getByText('憑證卡就緒：HiCOS PKI Smart Card（葉彥志）')).toBeInTheDocument());
    expect(screen.queryByTestId('card-chooser')).toBeNull();
    act(() => bridge.emit('card:status-changed', { state: 'choose', modulePath: '', cards: twoCards }));
    fireEvent.mouseDown(await screen.findByRole('combobox', { name: '使用的憑證卡' }));
    fireEvent.click(await screen.findByTitle('葉彥志｜HiCOS PKI Smart Card｜EZ100PU 0'));
    expect(await screen.findByRole('alert')).toHaveTextContent('選擇的憑證卡已不在讀卡機中，請重新選擇。');
  });
});

describe('CardIndicator', () => {
  it('shows the card state and follows status events', async () => {
    const bridge = fakeBridge({ 'card:status': () => ({ state: 'no-card', modulePath: '/usr/lib/softhsm/libsofthsm2.so' }) });
    render(<CardIndicator />);
    await waitFor(() => expect(screen.getByTestId('card-indicator')).toHaveAttribute('data-state', 'no-card'));
    expect(screen.getByText('未插入憑證卡')).toBeInTheDocument();
    act(() =>
      bridge.emit('card:status-changed', {
        state: 'ready',
        modulePath: '',
        token: { label: 'HiCOS PKI Smart Card', serial: '1', model: '', manufacturer: '', pin: { countLow: false, finalTry: false, locked: false } },
      }),
    );
    await waitFor(() => expect(screen.getByText('憑證卡就緒：HiCOS PKI Smart Card')).toBeInTheDocument());
  });
});

describe('SendDialog under an agency period (issue 17)', () => {
  it('says when the period ends, and after it, before signing, that the temp cert cannot send', () => {
    fakeBridge({ 'card:status': () => ({ state: 'ready', modulePath: '' }) });
    const ahead = new Date(Date.now() + 2 * 24 * 3600 * 1000).toISOString();
    const { unmount } = render(
      <SendDialog
        doc={doc}
        me="vendor"
        users={users}
        tempCert={{ ...enabled(true), periodEnd: ahead }}
        tempCertTicked={true}
        onClose={() => {}}
        onSent={() => {}}
      />,
    );
    expect(screen.getByRole('checkbox', { name: '使用軟體臨時憑證' })).toBeChecked();
    expect(screen.getByText(/臨時憑證使用期間至 .*，期滿後不能再以臨時憑證傳送。/)).toBeInTheDocument();
    unmount();
    const past = new Date(Date.now() - 60_000).toISOString();
    render(
      <SendDialog
        doc={doc}
        me="vendor"
        users={users}
        tempCert={{ ...enabled(true), periodEnd: past }}
        tempCertTicked={true}
        onClose={() => {}}
        onSent={() => {}}
      />,
    );
    expect(screen.queryByRole('checkbox', { name: '使用軟體臨時憑證' })).toBeNull();
    expect(screen.getByText(/臨時憑證使用期間已於 .* 結束，不能再以臨時憑證傳送/)).toBeInTheDocument();
    expect(screen.getByLabelText('憑證卡密碼（PIN 碼）')).toBeInTheDocument(); // the card is asked instead
  });
});
