import { safeDescription } from './safe-description.js';
import { InsufficientScopeError, InvalidTokenError } from './verify-access-token.js';

/**
 * The request itself is malformed, e.g. a broken Authorization header (RFC 6750 §3.1 `invalid_request`, 400).
 *
 * @example
 * bearerTokenFrom('Basic dXNlcjpwYXNz'); // throws InvalidBearerRequestError
 */
export class InvalidBearerRequestError extends Error {
  override name = 'InvalidBearerRequestError';
  readonly code = 'invalid_request';
}

const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/**
 * The token of an `Authorization: Bearer …` header (RFC 6750 §2.1; the scheme is case-insensitive).
 * Undefined when there is no Authorization header at all, which RFC 6750 §3.1 answers without an error code;
 * throws `InvalidBearerRequestError` for another scheme or a token with characters §2.1 does not allow.
 *
 * @example
 * const token = bearerTokenFrom(req.headers.authorization); // 'eyJ…' for 'Bearer eyJ…'
 */
export function bearerTokenFrom(authorization: string | undefined): string | undefined {
  if (authorization === undefined) return undefined;
  const match = /^([A-Za-z]+) +(\S+) *$/.exec(authorization);
  if (!match || match[1]!.toLowerCase() !== 'bearer') {
    throw new InvalidBearerRequestError('the Authorization header must use the Bearer scheme with one token');
  }
  if (!B64TOKEN.test(match[2]!)) throw new InvalidBearerRequestError('the bearer token has characters RFC 6750 does not allow');
  return match[2];
}

// RFC 6750 §3: attribute values are limited to %x20-21 / %x23-5B / %x5D-7E, so no quote or backslash to escape.
const quoted = (value: string) => `"${safeDescription(value)}"`;

/** What a protected resource answers when a request is refused: status, `WWW-Authenticate` and, for an error, the body. */
export interface BearerChallenge {
  status: number;
  wwwAuthenticate: string;
  body?: { error: string; error_description: string };
}

export interface BearerChallengeOptions {
  /**
   * The URL of this resource's RFC 9728 metadata document, sent as the challenge's `resource_metadata` parameter
   * (RFC 9728 §5.1) so a client can discover which authorization server to ask; see `protectedResourceMetadataUrl`.
   */
  resourceMetadata?: string | URL;
}

/**
 * The RFC 6750 §3 challenge for an error, or a bare one (401, no error code, §3.1) when the request carried no token:
 * `InvalidTokenError` gives 401 `invalid_token`, `InvalidBearerRequestError` 400 `invalid_request`,
 * `InsufficientScopeError` 403 `insufficient_scope` with the required `scope`. Any other error is rethrown: it is
 * not about the token (a JWKS outage, say) and belongs to the server's own error handling (5xx).
 *
 * @example
 * const challenge = bearerChallenge('orders', error);
 * res.writeHead(challenge.status, { 'www-authenticate': challenge.wwwAuthenticate }).end(JSON.stringify(challenge.body ?? {}));
 */
export function bearerChallenge(realm: string, error?: unknown, options: BearerChallengeOptions = {}): BearerChallenge {
  const params = [`realm=${quoted(realm)}`];
  if (options.resourceMetadata !== undefined) params.push(`resource_metadata=${quoted(String(options.resourceMetadata))}`);
  if (error === undefined) return { status: 401, wwwAuthenticate: `Bearer ${params.join(', ')}` };
  let status: number;
  let code: string;
  if (error instanceof InsufficientScopeError) {
    status = 403;
    code = error.code;
    params.push(`error=${quoted(code)}`, `error_description=${quoted(error.message)}`, `scope=${quoted(error.requiredScopes.join(' '))}`);
  } else if (error instanceof InvalidTokenError || error instanceof InvalidBearerRequestError) {
    status = error instanceof InvalidTokenError ? 401 : 400;
    code = error.code;
    params.push(`error=${quoted(code)}`, `error_description=${quoted(error.message)}`);
  } else {
    throw error;
  }
  return {
    status,
    wwwAuthenticate: `Bearer ${params.join(', ')}`,
    body: { error: code, error_description: safeDescription((error as Error).message) },
  };
}
