import { ManagementError } from './validation.js';

/** The role that carries the admin API's scope (RoleManagement.ensureAdminRole). */
export const ADMIN_ROLE = 'admin';
export const ADMIN_SCOPE = 'gatehouse:admin';
export const CONSOLE_CLIENT_ID = 'gatehouse-console';
export const PLAYGROUND_CLIENT_ID = 'gatehouse-playground';
/** The clients this server itself runs (ensureBuiltinClients); revoking one would break the console or playground for good. */
const BUILTIN_CLIENT_IDS: ReadonlySet<string> = new Set([CONSOLE_CLIENT_ID, PLAYGROUND_CLIENT_ID]);

/** Refuses to revoke a built-in client, by any path (CLI, admin API, console). */
export function checkRevocable(clientId: string): void {
  if (BUILTIN_CLIENT_IDS.has(clientId)) {
    throw new ManagementError(`"${clientId}" is a built-in client of this server and cannot be revoked`, 'conflict');
  }
}

/** Where the built-in clients' responses go: the console's callback route and Swagger UI's redirect page. */
export const consoleRedirectUri = (issuer: string): string => `${issuer}/console/callback`;
export const consoleLogoutRedirectUri = (issuer: string): string => `${issuer}/console/`;
export const playgroundRedirectUri = (issuer: string): string => `${issuer}/playground/oauth2-redirect.html`;
