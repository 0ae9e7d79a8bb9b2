import { DEFAULT_TENANT } from '../ports/tenants.js';
import { ManagementError } from './validation.js';

/** The role that carries the admin API's scope (RoleManagement.ensureAdminRole). */
export const ADMIN_ROLE = 'admin';
export const ADMIN_SCOPE = 'gatehouse:admin';
/**
 * The scope of the platform's console for a person managing the accounts they are members of. Every user of the
 * platform holds it (it grants nothing by itself): what they may do in an account is what their membership allows, read
 * at every request.
 */
export const MEMBER_SCOPE = 'gatehouse:accounts';
/** The scope of the platform's demo API (src/http/routes/demo-api.ts) that its sample data needs. */
export const DEMO_READ_SCOPE = 'demo:read';
export const CONSOLE_CLIENT_ID = 'gatehouse-console';
export const PLAYGROUND_CLIENT_ID = 'gatehouse-playground';
/**
 * The id of a built-in client in a tenant: the default tenant's keep the ids they always had; another tenant's are
 * `gatehouse-console.acme` (client ids are unique in the deployment, and no generated id has a dot).
 */
export const builtinClientId = (base: typeof CONSOLE_CLIENT_ID | typeof PLAYGROUND_CLIENT_ID, tenantId: string): string =>
  tenantId === DEFAULT_TENANT ? base : `${base}.${tenantId}`;

/** The clients this server itself runs (ensureBuiltinClients), in any tenant. */
const BUILTIN_CLIENT_ID = /^gatehouse-(?:console|playground)(?:\.[a-z0-9-]+)?$/;

/** Whether the client is one this server itself runs (the console's, the playground's). */
export const isBuiltinClient = (clientId: string): boolean => BUILTIN_CLIENT_ID.test(clientId);

/**
 * Refuses to revoke or delete a built-in client, by any path (CLI, admin API, console): that would break the console
 * or playground for good. (Rotating needs a secret, which the built-in clients, public ones, do not have.)
 */
export function checkRevocable(clientId: string, change: 'revoked' | 'deleted' = 'revoked'): void {
  if (isBuiltinClient(clientId)) {
    throw new ManagementError(`"${clientId}" is a built-in client of this server and cannot be ${change}`, 'conflict');
  }
}

/** Where the built-in clients' responses go: the console's callback route and the playground's (src/playground). */
export const consoleRedirectUri = (issuer: string): string => `${issuer}/console/callback`;
export const consoleLogoutRedirectUri = (issuer: string): string => `${issuer}/console/`;
export const playgroundRedirectUri = (issuer: string): string => `${issuer}/playground/callback`;
