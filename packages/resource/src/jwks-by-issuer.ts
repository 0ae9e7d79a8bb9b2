import type { JWTVerifyGetKey } from 'jose';
import type { MatchedIssuer } from './issuers.js';
import { remoteJwks } from './verify-access-token.js';

/** Keys per issuer: what `verifyAccessToken` takes as `keys` when every tenant signs with its own. */
export interface KeysByIssuer {
  /** The key resolver of an issuer the token's `iss` matched. */
  keysFor(issuer: MatchedIssuer): JWTVerifyGetKey;
}

export interface RemoteJwksByIssuerOptions {
  /** How many issuers' key sets are kept; the one used least recently is dropped beyond it, and fetched again when needed. */
  maxIssuers?: number;
  /** Where an issuer's JWKS is; by default `{issuer}/.well-known/jwks.json`, where Gatehouse publishes each tenant's keys. */
  jwksUri?: (issuer: MatchedIssuer) => string | URL;
}

/** Issuers whose keys are kept unless `maxIssuers` says otherwise. */
export const DEFAULT_MAX_ISSUERS = 1000;

const wellKnownJwks = ({ issuer }: MatchedIssuer) => `${issuer.replace(/\/$/, '')}/.well-known/jwks.json`;

/**
 * One `remoteJwks` per issuer, created on the first token of that issuer and kept in a bounded LRU. The JWKS location
 * comes from the issuer the token's `iss` matched (or `jwksUri` of it), never from the token's `jku` or `x5u`, so a
 * token cannot point the resource server anywhere its issuer rules do not allow.
 *
 * @example
 * const keys = remoteJwksByIssuer(); // create once, share across requests
 * await verifyAccessToken(token, { issuer: { pattern: 'https://auth.example.com/t/{tenant}' }, audience, keys });
 */
export function remoteJwksByIssuer(options: RemoteJwksByIssuerOptions = {}): KeysByIssuer {
  const maxIssuers = options.maxIssuers ?? DEFAULT_MAX_ISSUERS;
  if (!Number.isInteger(maxIssuers) || maxIssuers < 1) throw new TypeError('maxIssuers must be a positive integer');
  const jwksUri = options.jwksUri ?? wellKnownJwks;
  // A Map iterates in insertion order: re-inserting on every use keeps the least recently used issuer first.
  const byIssuer = new Map<string, JWTVerifyGetKey>();
  return {
    keysFor(matched) {
      let keys = byIssuer.get(matched.issuer);
      if (keys) {
        byIssuer.delete(matched.issuer);
      } else {
        keys = remoteJwks(jwksUri(matched));
        if (byIssuer.size >= maxIssuers) byIssuer.delete(byIssuer.keys().next().value!);
      }
      byIssuer.set(matched.issuer, keys);
      return keys;
    },
  };
}
