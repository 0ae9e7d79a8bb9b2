import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { AdminApi } from './api';
import type { Auth, SignedIn } from './auth';
import { ACCOUNT_ROLES, type AccountRole, type AccountView } from './types';

export interface ConsoleContext {
  api: AdminApi;
  auth: Auth;
  session: SignedIn;
  /** From discovery: where app clients get tokens. */
  tokenEndpoint: string;
  /** From discovery: every URL an app of this issuer is configured with. */
  endpoints: Endpoints;
  /** The account whose pages these are (the platform console's /a/{id}); undefined on a tenant's or the platform's own. */
  account: AccountView | undefined;
  /** What the signed-in person may do here: their account role, or administrator (gatehouse:admin) on the console's own tenant. */
  role: AccountRole | 'administrator';
}

/** The URLs of this issuer that apps are configured with, as discovery names them. */
export interface Endpoints {
  issuer: string;
  token: string;
  authorization?: string;
  discovery: string;
  jwks?: string;
}

export const Console = createContext<ConsoleContext | null>(null);

export function useConsole(): ConsoleContext {
  const context = useContext(Console);
  if (!context) throw new Error('useConsole outside the console');
  return context;
}

/**
 * Whether the signed-in person may do what needs `needed` here: always as the console's own administrator, else as far
 * as their account role goes (the admin API checks it too; the console only leaves out what would be refused).
 */
export function useCan(needed: AccountRole): boolean {
  const { role } = useConsole();
  return role === 'administrator' || ACCOUNT_ROLES.indexOf(role) >= ACCOUNT_ROLES.indexOf(needed);
}
