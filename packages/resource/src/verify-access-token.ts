import { createRemoteJWKSet, decodeJwt, errors, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from 'jose';
import { type IssuerRule, type MatchedIssuer, matchIssuer } from './issuers.js';
import type { KeysByIssuer } from './jwks-by-issuer.js';

/** Claims of a Gatehouse access token (RFC 9068 §2.2). */
export interface AccessTokenClaims extends JWTPayload {
  iss: string;
  sub: string;
  aud: string | string[];
  client_id: string;
  scope?: string;
  iat: number;
  exp: number;
  jti: string;
  auth_time?: number;
  /** The Gatehouse tenant that issued the token (`default` for the default tenant). */
  tenant?: string;
}

export interface VerifyAccessTokenOptions {
  /**
   * The authorization server's issuer identifier, compared as an exact string; or the issuers of many tenants
   * (`{ pattern: 'https://auth.example.com/t/{tenant}' }`, `{ issuer, tenant }`), alone or in a list, see `IssuerRule`.
   */
  issuer: IssuerRule | readonly IssuerRule[];
  /** This API's identifier; the token's `aud` must contain it. Omit only for the authorization server itself. */
  audience?: string | string[];
  /**
   * Where the signing keys come from: `remoteJwks(jwksUri)` for a resource server of one issuer,
   * `remoteJwksByIssuer()` for one of many (each issuer's own JWKS), a local resolver in-process.
   */
  keys: JWTVerifyGetKey | KeysByIssuer;
  /**
   * Whether this API serves a tenant, asked with the tenant id of a token's issuer (matched by a tenant rule) before
   * its keys are fetched, so tokens of other tenants are refused without a request to the authorization server.
   */
  servesTenant?: (tenant: string) => Promise<boolean> | boolean;
  /** Accepted signature algorithms; anything else (notably `none` and HMAC) is refused. */
  algorithms?: string[];
  /** Seconds of clock skew allowed on `exp`, `nbf` and `iat`. */
  clockTolerance?: number;
  /** Scopes the token must all carry; a token without them is valid but insufficient (403). */
  requiredScopes?: readonly string[];
  /** Checks revocation, for example by the authorization server's own store or by introspection. */
  isRevoked?: (claims: AccessTokenClaims) => Promise<boolean> | boolean;
}

/**
 * The token is missing, malformed, forged, expired, revoked or not meant for this API (RFC 6750 `invalid_token`).
 *
 * @example
 * if (error instanceof InvalidTokenError) console.warn(error.code, error.message); // 'invalid_token', 'the token has expired'
 */
export class InvalidTokenError extends Error {
  override name = 'InvalidTokenError';
  readonly code = 'invalid_token';
}

/**
 * The token is valid but lacks a required scope (RFC 6750 `insufficient_scope`).
 *
 * @example
 * if (error instanceof InsufficientScopeError) console.warn(error.requiredScopes); // ['orders:read']
 */
export class InsufficientScopeError extends Error {
  override name = 'InsufficientScopeError';
  readonly code = 'insufficient_scope';
  constructor(readonly requiredScopes: readonly string[]) {
    super(`the token lacks a required scope: ${requiredScopes.join(' ')}`);
  }
}

/** The signature algorithms Gatehouse signs access tokens with, accepted unless `algorithms` says otherwise. */
export const DEFAULT_ALGORITHMS = ['ES256', 'RS256'];
/** Seconds of clock skew accepted on `exp`, `nbf` and `iat` unless `clockTolerance` says otherwise. */
export const DEFAULT_CLOCK_TOLERANCE = 5;

/**
 * A JWKS fetched from the authorization server, cached for 10 minutes, and refetched when a token names an unknown
 * key (at most once every 30 s, so forged `kid`s cannot make it hammer the server).
 *
 * @example
 * const keys = remoteJwks('https://auth.example.com/.well-known/jwks.json'); // create once, share across requests
 */
export function remoteJwks(jwksUri: string | URL): JWTVerifyGetKey {
  return createRemoteJWKSet(new URL(jwksUri), { cooldownDuration: 30_000, cacheMaxAge: 10 * 60_000 });
}

/**
 * Space-delimited scope claim as a set (RFC 9068 §2.2.3).
 *
 * @example
 * scopesOf({ scope: 'orders:read orders:write' }).has('orders:write'); // true
 */
export const scopesOf = (claims: { scope?: unknown }): Set<string> =>
  new Set(typeof claims.scope === 'string' ? claims.scope.split(' ').filter(Boolean) : []);

/**
 * Verifies a JWT access token as RFC 9068 §4 requires: `typ` at+jwt, an allowed algorithm, a known key, the exact
 * issuer, this API as audience, `exp`/`nbf` with a small leeway, then revocation and scopes. With tenant issuer rules,
 * the key is the matched issuer's and the `tenant` claim must be the matched tenant's id.
 *
 * @example
 * const keys = remoteJwks('https://auth.example.com/.well-known/jwks.json');
 * const claims = await verifyAccessToken(token, { issuer: 'https://auth.example.com', audience: 'https://api.example.com', keys, requiredScopes: ['orders:read'] });
 */
export async function verifyAccessToken(token: string, options: VerifyAccessTokenOptions): Promise<AccessTokenClaims> {
  const matched = await issuerOf(token, options);
  const keys = typeof options.keys === 'function' ? options.keys : options.keys.keysFor(matched);
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, keys, {
      issuer: matched.issuer,
      ...(options.audience === undefined ? {} : { audience: options.audience }),
      algorithms: options.algorithms ?? DEFAULT_ALGORITHMS,
      typ: 'at+jwt',
      clockTolerance: options.clockTolerance ?? DEFAULT_CLOCK_TOLERANCE,
      requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat', 'jti', 'client_id'],
    }));
  } catch (error) {
    // A JWKS that cannot be fetched or read is an outage at the resource server (5xx), not a bad token.
    const outage = error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid;
    if (error instanceof errors.JOSEError && !outage) throw new InvalidTokenError(describe(error));
    throw error;
  }
  const malformed =
    typeof payload.client_id !== 'string' ||
    (payload.scope !== undefined && typeof payload.scope !== 'string') ||
    (payload.tenant !== undefined && typeof payload.tenant !== 'string');
  if (malformed) throw new InvalidTokenError('the token has malformed claims');
  // A tenant's issuer signs for that tenant only: a token naming another is refused, so `claims.tenant` is whose it is.
  if (matched.tenant !== undefined && payload.tenant !== matched.tenant)
    throw new InvalidTokenError("the token's tenant claim is not accepted");
  const claims = payload as AccessTokenClaims;
  if (options.isRevoked && (await options.isRevoked(claims))) throw new InvalidTokenError('the token has been revoked');
  const required = options.requiredScopes ?? [];
  if (required.length > 0) {
    const granted = scopesOf(claims);
    if (!required.every((scope) => granted.has(scope))) throw new InsufficientScopeError(required);
  }
  return claims;
}

/**
 * The issuer the token's keys are looked up for. One exact issuer needs no look at the token (jwtVerify compares it);
 * otherwise `iss` is read from the unverified token only to pick the rule it matches, and is verified with that
 * issuer's keys right after. A tenant `servesTenant` refuses ends here, before any key is fetched.
 */
async function issuerOf(token: string, options: VerifyAccessTokenOptions): Promise<MatchedIssuer> {
  if (typeof options.issuer === 'string') return { issuer: options.issuer };
  let iss: unknown;
  try {
    ({ iss } = decodeJwt(token));
  } catch {
    throw new InvalidTokenError('the token is malformed');
  }
  const matched = matchIssuer(options.issuer, iss);
  if (!matched) throw new InvalidTokenError("the token's iss claim is not accepted");
  if (matched.tenant !== undefined && options.servesTenant && !(await options.servesTenant(matched.tenant))) {
    throw new InvalidTokenError("the token's tenant is not served by this API");
  }
  return matched;
}

function describe(error: Error): string {
  if (error instanceof errors.JWTExpired) return 'the token has expired';
  if (error instanceof errors.JWTClaimValidationFailed) return `the token's ${error.claim} claim is not accepted`;
  if (error instanceof errors.JWKSNoMatchingKey) return 'the token was not signed by a known key';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'the token signature is invalid';
  if (error instanceof errors.JOSEAlgNotAllowed) return 'the token is signed with an algorithm that is not accepted';
  // jose's plain JOSEError comes only from a JWKS answered with no key set (not 200, not JSON): for a tenant issuer,
  // a tenant the platform does not have (404).
  if (error.constructor === errors.JOSEError) return "no keys were found for the token's issuer";
  return 'the token is malformed';
}
