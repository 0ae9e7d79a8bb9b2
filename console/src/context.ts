import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { AdminApi } from './api';
import type { Auth, SignedIn } from './auth';

export interface ConsoleContext {
  api: AdminApi;
  auth: Auth;
  session: SignedIn;
  /** From discovery: where app clients get tokens. */
  tokenEndpoint: string;
}

export const Console = createContext<ConsoleContext | null>(null);

export function useConsole(): ConsoleContext {
  const context = useContext(Console);
  if (!context) throw new Error('useConsole outside the console');
  return context;
}
