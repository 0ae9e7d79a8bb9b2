import type { ClientResolver, ResolvedClient } from '../ports/clients.js';
import { clientSecretBasic } from './client-auth/client-secret-basic.js';
import { clientSecretPost } from './client-auth/client-secret-post.js';
import { type ClientAuthInput, invalidClient } from './client-auth/method.js';
import { none } from './client-auth/none.js';
import { invalidRequest } from './errors.js';

export { type ClientAuthInput, type ClientAuthMethod, invalidClient } from './client-auth/method.js';

/**
 * The client authentication methods, in one place: a method is one module in client-auth/ and one line here, and
 * discovery's *_auth_methods_supported list what is registered.
 */
export const CLIENT_AUTH_METHODS = [clientSecretBasic, clientSecretPost, none] as const;

export type ClientAuthMethodName = (typeof CLIENT_AUTH_METHODS)[number]['name'];

export interface AuthenticatedClient extends ResolvedClient {
  method: ClientAuthMethodName;
  /** Whether the method proved a credential (its `confidential`), as introspection requires (RFC 7662 §2.1). */
  confidential: boolean;
}

/** RFC 6749 §2.3: a client uses exactly one method per request. */
function methodOf(input: ClientAuthInput): (typeof CLIENT_AUTH_METHODS)[number] {
  let used: (typeof CLIENT_AUTH_METHODS)[number] | undefined;
  for (const method of CLIENT_AUTH_METHODS) {
    if (!method.isUsedBy(input)) continue;
    if (used) throw invalidRequest(`the client used more than one authentication method (${used.presentedAs} and ${method.presentedAs})`);
    used = method;
  }
  if (!used) throw invalidClient('no client authentication was included');
  return used;
}

/**
 * Authenticates the client of a token, revocation or introspection request (RFC 6749 §2.3). An unknown client, a
 * revoked one and a wrong credential get the same answer, after the same work. Confidential clients may send their
 * secret by HTTP Basic or in the body; public clients (`none`) send only their client_id and never a secret.
 */
export async function authenticateClient(directory: ClientResolver, input: ClientAuthInput): Promise<AuthenticatedClient> {
  const method = methodOf(input);
  const credentials = method.credentials(input);
  const resolved = await directory.find(credentials.clientId);
  const client = resolved && resolved.client.revokedAt === null ? resolved : undefined;
  // Asked for a missing client too: the method then spends what a real check spends.
  if (!method.proves(credentials, client) || client === undefined) throw invalidClient(undefined, method.challenges);
  return { ...client, method: method.name, confidential: method.confidential };
}
