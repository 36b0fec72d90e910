import { createContext, useContext } from 'react';
import type { AdminMe } from '../src-shared/common/api/admin';
import type { AdminApi } from './api';

/** What every page of a logged-in console uses: the way to the service and who is logged in. */
export interface ConsoleSession {
  api: AdminApi;
  me: AdminMe;
}

export const ConsoleContext = createContext<ConsoleSession | null>(null);

export function useConsole(): ConsoleSession {
  const session = useContext(ConsoleContext);
  if (!session) throw new Error('useConsole outside a logged-in console');
  return session;
}
