import { safeDescription } from '../oauth/errors.js';
import { InsufficientScopeError, InvalidTokenError } from './verify-access-token.js';

/** The request itself is malformed, e.g. a broken Authorization header (RFC 6750 §3.1 `invalid_request`, 400). */
export class InvalidBearerRequestError extends Error {
  override name = 'InvalidBearerRequestError';
  readonly code = 'invalid_request';
}

const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/**
 * The token of an `Authorization: Bearer …` header (RFC 6750 §2.1; the scheme is case-insensitive).
 * Undefined when there is no Authorization header at all, which RFC 6750 §3.1 answers without an error code.
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

/** The RFC 6750 §3 challenge for an error, or a bare one when the request carried no token. */
export function bearerChallenge(realm: string, error?: unknown): { status: number; wwwAuthenticate: string; body?: { error: string; error_description: string } } {
  const params = [`realm=${quoted(realm)}`];
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
  return { status, wwwAuthenticate: `Bearer ${params.join(', ')}`, body: { error: code, error_description: safeDescription((error as Error).message) } };
}
