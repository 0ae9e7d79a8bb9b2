import type { ResolvedClient } from '../../ports/clients.js';
import { OAuthError } from '../errors.js';
import type { FormParams } from '../form.js';

export interface ClientAuthInput {
  authorization: string | undefined;
  params: FormParams;
  /** Where the request came from, for the audit log. */
  ip: string;
  /**
   * Aborted when the client has gone away (timed out, disconnected) before its answer was sent. Work that would
   * hand out something new is then rolled back: a client that retries must find the state it left, and an answer
   * no one receives must not retire what the client still holds. A getter at the HTTP edge: the signal is made
   * only for a grant that asks for it, not on the client_credentials hot path.
   */
  readonly signal?: AbortSignal;
}

/** What a request presents to prove which client it is. */
export interface PresentedCredentials {
  clientId: string;
  secret?: string;
}

/**
 * One way a client authenticates at the token, revocation and introspection endpoints (RFC 6749 §2.3; the names are
 * RFC 7591 §2's token_endpoint_auth_method values). Registered once in CLIENT_AUTH_METHODS, from which discovery's
 * *_auth_methods_supported follow.
 */
export interface ClientAuthMethod<Name extends string = string> {
  readonly name: Name;
  /** How the "one method only" refusal names what the client sent, e.g. "HTTP Basic". */
  readonly presentedAs: string;
  /** Whether the method proves the client holds a credential, i.e. is one of a confidential client (RFC 6749 §2.1). */
  readonly confidential: boolean;
  /** Whether a refusal carries the Basic challenge (RFC 6749 §5.2: to a client that tried the Authorization header). */
  readonly challenges: boolean;
  /** Whether the request uses this method, judged by its shape alone; a request may use only one (RFC 6749 §2.3). */
  isUsedBy(input: ClientAuthInput): boolean;
  /** The credentials the request presents this way; invalid_client or invalid_request when they are malformed. */
  credentials(input: ClientAuthInput): PresentedCredentials;
  /**
   * Whether the credentials prove `client`. For no client (unknown or revoked) the answer is false, after the work a
   * real check does, so that a miss costs what a wrong credential costs.
   */
  proves(credentials: PresentedCredentials, client: ResolvedClient | undefined): boolean;
}

const BASIC_CHALLENGE = { 'www-authenticate': 'Basic realm="gatehouse", charset="UTF-8"' };

/**
 * RFC 6749 §5.2 invalid_client, 401. The Basic challenge goes only to a client that tried the Authorization header,
 * where §5.2 requires it; to one that sent its secret in the body (or nothing) it would only make a browser show its
 * native sign-in prompt, so that client gets the JSON error alone.
 */
export const invalidClient = (description = 'client authentication failed', triedAuthorizationHeader = false) =>
  new OAuthError('invalid_client', description, { status: 401, ...(triedAuthorizationHeader ? { headers: BASIC_CHALLENGE } : {}) });

export const isPublicClient = (client: ResolvedClient) => client.client.tokenEndpointAuthMethod === 'none';
