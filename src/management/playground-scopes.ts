import type { ExtraScopes } from '../oauth/client-directory.js';
import type { Api } from '../ports/apis.js';
import { builtinClientId, PLAYGROUND_CLIENT_ID } from './builtins.js';
import type { ScopeLimit } from './scope-limit.js';

/**
 * The playground signs people in with its built-in public client to try any API the tenant sees, so that client may
 * ask for every scope those APIs define, within what the platform allows the tenant (`limit`). What a person's token
 * then carries is what they consented to, bounded by the one API it is for (RFC 8707 §2); the `gatehouse:` scopes
 * still need the person's role (withoutUnheldPrivileges).
 */
export function playgroundScopes(tenantId: string, apis: { list(): Promise<Api[]> }, limit: ScopeLimit): ExtraScopes {
  const playground = builtinClientId(PLAYGROUND_CLIENT_ID, tenantId);
  return async (client) => (client.clientId === playground ? limit.usableScopes(await apis.list()) : []);
}
