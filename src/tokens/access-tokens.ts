import { randomUUID } from 'node:crypto';
import { type AccessTokenClaims, InvalidTokenError, verifyAccessToken } from '@gatehouse/resource';
import { errors, type JWTVerifyGetKey } from 'jose';
import type { RecordCache, RecordCaches } from '../ports/caches.js';
import type { ClientResolver } from '../ports/clients.js';
import { nowSeconds } from '../ports/clock.js';
import type { AccessTokenRevocations } from '../ports/revocations.js';
import { signCompactJws, type TokenKeys } from './jws.js';

export interface AccessTokenRequest {
  subject: string;
  clientId: string;
  audience: string;
  scopes: readonly string[];
  ttl: number;
  authTime?: number;
}

export interface IssuedAccessToken {
  token: string;
  claims: AccessTokenClaims;
}

/**
 * RFC 9068 JWT access tokens: issued with the active ES256 key, and checked for this server's own endpoints
 * (introspection, revocation, the demo API) with the same verifier resource servers use plus revocation state.
 */
export class AccessTokens {
  readonly keyResolver: JWTVerifyGetKey;
  /**
   * Whether a jti is revoked, remembered until the store's change generation moves: every revocation announces
   * itself, so a resource server introspecting the same token again costs no query. While the store is unavailable
   * a status read recently enough (the bound `caches` keep to) still answers; a status never read (or read longer
   * ago) cannot be answered, and the lookup fails as the store does (a 503), never "not revoked": RFC 7662 §2.2
   * allows `active: true` only for a token known to be valid.
   */
  private readonly revocationStatus: RecordCache<{ revoked: boolean }>;
  /**
   * The claims of tokens whose signature and claims verified, by the exact token, until the store's change generation
   * moves (a key removed or rotated out is a change): a resource server introspecting the same token again costs a
   * lookup instead of an ECDSA verification, the endpoint's largest cost. Only tokens this server signed get in, so
   * made-up ones cannot fill it; expiry, visibility and revocation are still checked on every use.
   */
  private readonly verifiedTokens: RecordCache<AccessTokenClaims>;

  constructor(
    /** The tenant is named in every token (`tenant`), so that a resource server serving every tenant tells whose it is. */
    private readonly identity: { issuer: string; tenant: string },
    private readonly keys: TokenKeys,
    private readonly revocations: AccessTokenRevocations,
    private readonly clients: ClientResolver,
    caches: RecordCaches,
  ) {
    this.revocationStatus = caches(async (jti) => ({ revoked: await this.revocations.isRevoked(jti) }), {
      maxAgeMs: 60_000,
      maxEntries: 50_000,
    });
    this.verifiedTokens = caches((token) => this.verify(token, 0), { maxAgeMs: 60_000, maxEntries: 10_000 });
    this.keyResolver = async (header) => {
      const key = header.kid === undefined ? undefined : await keys.verificationKey(header.kid);
      if (!key || key.alg !== header.alg) throw new errors.JWKSNoMatchingKey();
      return key.publicKey;
    };
  }

  async issue(request: AccessTokenRequest): Promise<IssuedAccessToken> {
    const key = await this.keys.signingKey('ES256');
    const iat = nowSeconds();
    const claims: AccessTokenClaims = {
      iss: this.identity.issuer,
      tenant: this.identity.tenant,
      sub: request.subject,
      aud: request.audience,
      client_id: request.clientId,
      ...(request.scopes.length > 0 ? { scope: request.scopes.join(' ') } : {}),
      ...(request.authTime === undefined ? {} : { auth_time: request.authTime }),
      iat,
      exp: iat + request.ttl,
      // randomUUID draws from a cached pool of entropy: cheaper than randomBytes on the hot path, 122 random bits.
      jti: randomUUID(),
    };
    const token = await signCompactJws(key.alg, { typ: 'at+jwt', kid: key.kid }, claims, key.privateKey);
    return { token, claims };
  }

  /**
   * The claims of a token this server issued that is still valid and not revoked; undefined for anything else.
   * Strict about expiry unless told otherwise. With `visibleTo`, a token it refuses is answered as invalid before
   * its revocation state is looked up.
   */
  async inspect(
    token: string,
    options: { clockTolerance?: number; visibleTo?: (claims: AccessTokenClaims) => boolean } = {},
  ): Promise<AccessTokenClaims | undefined> {
    const { visibleTo } = options;
    const clockTolerance = options.clockTolerance ?? 0;
    const claims = clockTolerance === 0 ? await this.verifiedTokens.get(token) : await this.verify(token, clockTolerance);
    // A remembered token may have expired since (the same test as jose's: exp is the first second it is invalid).
    if (!claims || claims.exp <= nowSeconds() - clockTolerance) return undefined;
    if (visibleTo !== undefined && !visibleTo(claims)) return undefined;
    return (await this.isRevoked(claims)) ? undefined : claims;
  }

  /** The claims of a token this server signed whose claims are valid now (RFC 9068 §4), without its revocation state. */
  private async verify(token: string, clockTolerance: number): Promise<AccessTokenClaims | undefined> {
    try {
      return await verifyAccessToken(token, { issuer: this.identity.issuer, keys: this.keyResolver, clockTolerance });
    } catch (error) {
      if (error instanceof InvalidTokenError) return undefined;
      throw error;
    }
  }

  /** Revoked by its jti, or issued to a client that has since been revoked or removed. */
  async isRevoked(claims: AccessTokenClaims): Promise<boolean> {
    const client = await this.clients.find(claims.client_id);
    if (!client || client.client.revokedAt !== null) return true;
    return (await this.revocationStatus.get(claims.jti))!.revoked;
  }

  /** Records the jti until the token would expire anyway. */
  async revoke(claims: AccessTokenClaims): Promise<void> {
    await this.revocations.revoke(claims.jti, claims.client_id, claims.exp);
  }
}
