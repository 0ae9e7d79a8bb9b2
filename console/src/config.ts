import { CONSOLE_BASE } from './base';

/** What GET /console/config.json says: where to sign in and as which client. */
export interface ConsoleConfig {
  issuer: string;
  clientId: string;
  redirectUri: string;
  scope: string;
  /** Registered for the console client; where end-session sends the browser back to. */
  postLogoutRedirectUri?: string;
  /**
   * The default tenant's console: its admins are the platform's operators, the only ones the platform's admin API
   * (/admin/tenants) answers, so only it shows the platform's pages.
   */
  platform: boolean;
  /** People may create accounts of their own here (the platform's sign-up is on). */
  selfService?: boolean;
}

export async function loadConfig(): Promise<ConsoleConfig> {
  const response = await fetch(new URL('config.json', new URL(CONSOLE_BASE, location.origin)), {
    headers: { accept: 'application/json' },
    cache: 'no-store',
  });
  if (!response.ok) throw new Error(`The console settings could not be loaded (HTTP ${response.status}).`);
  return (await response.json()) as ConsoleConfig;
}

export const ADMIN_SCOPE = 'gatehouse:admin';
/** The platform console's scope for the accounts the person is a member of (src/management/builtins.ts). */
export const MEMBER_SCOPE = 'gatehouse:accounts';
