// @vitest-environment jsdom
import '@testing-library/jest-dom/vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConsoleLoginDialog } from '../../src-renderer/components/ConsoleLoginDialog';
import { initI18n } from '../../src-renderer/i18n';
import { messageOf } from '../../src-shared/common/errors';
import { fakeBridge } from './fake-bridge';
import { prepareJsdomForAntd } from './jsdom-antd';

beforeAll(() => {
  initI18n('zh-TW');
  prepareJsdomForAntd();
});
afterEach(cleanup);

const elsewhere = {
  userCode: 'BCDF-GHJK',
  fromAddress: '10.9.8.7',
  fromAgent: 'Chrome/131',
  requestedAt: '2026-11-30T09:24:00.000Z',
  expiresAt: '2026-11-30T09:26:00.000Z',
  sameAddress: false,
};

describe('ConsoleLoginDialog', () => {
  it('looks the code up, shows where the request came from with a warning when not this PC, then approves with the PIN', async () => {
    const bridge = fakeBridge({
      'consoleLogin:lookup': () => elsewhere,
      'consoleLogin:approve': () => ({ userCode: 'BCDF-GHJK', fromAddress: '10.9.8.7', fromAgent: 'Chrome/131' }),
    });
    render(<ConsoleLoginDialog />);
    fireEvent.click(screen.getByRole('button', { name: '核准主控台登入' }));
    fireEvent.change(await screen.findByLabelText('代碼'), { target: { value: 'bcdf-ghjk' } });
    fireEvent.click(screen.getByRole('button', { name: '查詢登入要求' }));
    expect(await screen.findByText('10.9.8.7')).toBeInTheDocument();
    expect(screen.getByText('Chrome/131')).toBeInTheDocument();
    expect(screen.getByText('115/11/30 17:24')).toBeInTheDocument();
    expect(screen.getByText(/不是來自這台電腦/)).toBeInTheDocument();
    fireEvent.change(screen.getByLabelText('憑證卡密碼（PIN 碼）'), { target: { value: '123456' } });
    fireEvent.click(screen.getByRole('button', { name: '以憑證卡核准' }));
    expect(await screen.findByText('已核准來自 10.9.8.7 的主控台登入。')).toBeInTheDocument();
    expect(bridge.calls.map((c) => [c.channel, c.input])).toEqual([
      ['consoleLogin:lookup', { userCode: 'bcdf-ghjk' }],
      ['consoleLogin:approve', { userCode: 'BCDF-GHJK', pin: '123456' }],
    ]);
  });

  it('says a refusal in the catalogue’s sentence and asks for no PIN', async () => {
    fakeBridge({
      'consoleLogin:lookup': () => {
        throw { code: 'CONSOLE_CARD_LOGIN_EXPIRED', message: messageOf('CONSOLE_CARD_LOGIN_EXPIRED', 'zh-TW') };
      },
    });
    render(<ConsoleLoginDialog />);
    fireEvent.click(screen.getByRole('button', { name: '核准主控台登入' }));
    fireEvent.change(await screen.findByLabelText('代碼'), { target: { value: 'BCDFGHJK' } });
    fireEvent.click(screen.getByRole('button', { name: '查詢登入要求' }));
    await waitFor(() => expect(screen.getByText(/已逾時/)).toBeInTheDocument());
    expect(screen.queryByLabelText('憑證卡密碼（PIN 碼）')).toBeNull();
  });
});
