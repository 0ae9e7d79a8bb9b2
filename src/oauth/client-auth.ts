import { secretMatchesHash, sha256Hex } from '../tokens/hash.js';
import { nowSeconds } from '../ports/clock.js';
import type { ClientDirectory, ResolvedClient } from './client-directory.js';
import { OAuthError, invalidRequest } from './errors.js';
import { single, type FormParams } from './form.js';

export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none';

export interface AuthenticatedClient extends ResolvedClient {
  method: ClientAuthMethod;
}

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

const BASIC_CHALLENGE = { 'www-authenticate': 'Basic realm="gatehouse", charset="UTF-8"' };

/**
 * RFC 6749 §5.2 invalid_client, 401. The Basic challenge goes only to a client that tried the Authorization header,
 * where §5.2 requires it; to one that sent its secret in the body (or nothing) it would only make a browser show its
 * native sign-in prompt, so that client gets the JSON error alone.
 */
export const invalidClient = (description = 'client authentication failed', triedAuthorizationHeader = false) =>
  new OAuthError('invalid_client', description, { status: 401, ...(triedAuthorizationHeader ? { headers: BASIC_CHALLENGE } : {}) });

// Compared against when the client is unknown, so that a miss costs what a wrong secret costs.
const UNKNOWN_CLIENT_HASH = sha256Hex('gatehouse: no such client');
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

interface PresentedCredentials {
  method: ClientAuthMethod;
  clientId: string;
  secret?: string;
}

function formDecode(value: string): string {
  try {
    return decodeURIComponent(value.replaceAll('+', ' '));
  } catch {
    throw invalidClient('the Basic credentials are not form-encoded', true);
  }
}

/** RFC 6749 §2.3.1: id and secret are form-encoded, then joined by ":" and base64-encoded. */
function parseBasic(authorization: string): { clientId: string; secret: string } {
  const match = /^Basic +(\S+) *$/i.exec(authorization);
  if (!match || !BASE64.test(match[1]!)) throw invalidClient('the Authorization header is not valid HTTP Basic', true);
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1) throw invalidClient('the Basic credentials have no colon separator', true);
  const clientId = formDecode(decoded.slice(0, colon));
  const secret = formDecode(decoded.slice(colon + 1));
  if (clientId === '' || secret === '') throw invalidClient('the Basic credentials are empty', true);
  return { clientId, secret };
}

function presentedCredentials({ authorization, params }: ClientAuthInput): PresentedCredentials {
  const bodyClientId = single(params, 'client_id');
  const bodySecret = single(params, 'client_secret');
  if (authorization !== undefined) {
    if (bodySecret !== undefined) {
      throw invalidRequest('the client used more than one authentication method (HTTP Basic and client_secret)');
    }
    const basic = parseBasic(authorization);
    if (bodyClientId !== undefined && bodyClientId !== basic.clientId) {
      throw invalidRequest('client_id in the body differs from the one in the Authorization header');
    }
    return { method: 'client_secret_basic', ...basic };
  }
  if (bodyClientId === undefined) throw invalidClient('no client authentication was included');
  if (bodySecret !== undefined) return { method: 'client_secret_post', clientId: bodyClientId, secret: bodySecret };
  return { method: 'none', clientId: bodyClientId };
}

function secretIsCurrent(resolved: ResolvedClient, secret: string): boolean {
  const { client } = resolved;
  const matchesCurrent = client.secretHash !== null && secretMatchesHash(secret, client.secretHash);
  const previousValid = client.previousSecretHash !== null && (client.previousSecretExpiresAt ?? 0) > nowSeconds();
  // Both comparisons always run so the answer takes the same time whichever secret matched.
  const matchesPrevious = previousValid && secretMatchesHash(secret, client.previousSecretHash!);
  return matchesCurrent || matchesPrevious;
}

/**
 * Authenticates the client of a token, revocation or introspection request (RFC 6749 §2.3). An unknown client, a
 * revoked one and a wrong secret get the same answer. Confidential clients may send their secret by HTTP Basic or
 * in the body; public clients (`none`) send only their client_id and never a secret.
 */
export async function authenticateClient(directory: ClientDirectory, input: ClientAuthInput): Promise<AuthenticatedClient> {
  const presented = presentedCredentials(input);
  const refused = () => invalidClient(undefined, presented.method === 'client_secret_basic');
  const resolved = await directory.find(presented.clientId);
  if (!resolved || resolved.client.revokedAt !== null) {
    if (presented.secret !== undefined) secretMatchesHash(presented.secret, UNKNOWN_CLIENT_HASH);
    throw refused();
  }
  const isPublic = resolved.client.tokenEndpointAuthMethod === 'none';
  if (presented.secret === undefined) {
    if (!isPublic) throw refused();
    return { ...resolved, method: 'none' };
  }
  if (isPublic || !secretIsCurrent(resolved, presented.secret)) throw refused();
  return { ...resolved, method: presented.method };
}
