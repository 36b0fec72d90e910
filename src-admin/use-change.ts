import { useState } from 'react';
import { ConsoleError } from './api';
import type { Outcome } from './components/Outcome';

/**
 * A page's changes: each one runs, then says what happened in the page's notice: the news on
 * success, the catalogue's sentence on a refusal. `run` answers whether the change was made.
 */
export function useChange() {
  const [outcome, setOutcome] = useState<Outcome>(null);
  const [busy, setBusy] = useState(false);
  const run = async <T>(change: () => Promise<T>, news: (answer: T) => string): Promise<boolean> => {
    setBusy(true);
    try {
      const answer = await change();
      setOutcome({ kind: 'news', text: news(answer) });
      return true;
    } catch (e) {
      setOutcome({ kind: 'problem', text: e instanceof ConsoleError ? e.message : String(e) });
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { outcome, busy, run, setOutcome };
}
