import { Alert, Button, Space, Typography } from 'antd';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AdminMe } from '../../src-shared/common/api/admin';
import { CONSOLE_CARD_LOGIN_API, ConsoleCardLoginPoll, ConsoleCardLoginStarted } from '../../src-shared/common/api/console-card-login';
import { ConsoleError, type AdminApi } from '../api';

/**
 * 以憑證卡登入: the browser cannot reach the card, so the page asks the service for a login request,
 * shows its code, and asks every few seconds whether the person approved it in GongwenDesk with the
 * card (docs/security.md, "Console login by card"). The request is this browser's by its cookie.
 */
export function CardLoginPanel({ api, onLoggedIn }: { api: AdminApi; onLoggedIn: (me: AdminMe) => void }) {
  const { t } = useTranslation();
  const [started, setStarted] = useState<ConsoleCardLoginStarted | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const stop = () => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = null;
  };
  useEffect(() => stop, []);

  const poll = (every: number) => {
    timer.current = setTimeout(() => {
      api
        .change('POST', CONSOLE_CARD_LOGIN_API.poll, ConsoleCardLoginPoll)
        .then((answer) => {
          if (answer.state === 'approved') onLoggedIn(answer.me);
          else poll(answer.intervalSeconds);
        })
        .catch((e: unknown) => {
          setStarted(null);
          setProblem(e instanceof ConsoleError ? e.message : String(e));
        });
    }, every * 1000);
  };

  const start = async () => {
    stop();
    setBusy(true);
    setProblem(null);
    try {
      const answer = await api.change('POST', CONSOLE_CARD_LOGIN_API.start, ConsoleCardLoginStarted);
      setStarted(answer);
      poll(answer.intervalSeconds);
    } catch (e) {
      setProblem(e instanceof ConsoleError ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-label={t('cardLogin.title')}>
      <Typography.Title level={2} style={{ fontSize: 16 }}>
        {t('cardLogin.title')}
      </Typography.Title>
      {problem && <Alert type="error" showIcon message={problem} style={{ marginBottom: 12 }} />}
      {started ? (
        <Space direction="vertical" style={{ width: '100%' }}>
          <Typography.Paragraph>{t('cardLogin.steps')}</Typography.Paragraph>
          <Typography.Text strong style={{ fontSize: 28, letterSpacing: 4 }} data-testid="console-login-code">
            {started.userCode}
          </Typography.Text>
          <Typography.Text type="secondary">{t('cardLogin.from', { address: started.fromAddress, agent: started.fromAgent })}</Typography.Text>
          <Typography.Text type="secondary" role="status">
            {t('cardLogin.waiting')}
          </Typography.Text>
          <Button onClick={() => void start()}>{t('cardLogin.again')}</Button>
        </Space>
      ) : (
        <Space direction="vertical" style={{ width: '100%' }}>
          <Typography.Paragraph>{t('cardLogin.help')}</Typography.Paragraph>
          <Button onClick={() => void start()} loading={busy} block>
            {t('cardLogin.start')}
          </Button>
        </Space>
      )}
    </section>
  );
}
