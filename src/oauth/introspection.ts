import type { AccessTokenClaims } from '@gatehouse/resource';
import type { ClientResolver } from '../ports/clients.js';
import { nowSeconds } from '../ports/clock.js';
import type { RefreshTokens } from '../ports/refresh-tokens.js';
import type { AccessTokens } from '../tokens/access-tokens.js';
import { sha256Hex } from '../tokens/hash.js';
import { isWellFormedOpaque, OPAQUE_PREFIXES } from '../tokens/opaque.js';
import { type AuthenticatedClient, authenticateClient, type ClientAuthInput, invalidClient } from './client-auth.js';
import { required, single } from './form.js';
import { refreshTokenEndsAt } from './refresh-lifetime.js';

/** An active access token: its claims (RFC 7662 §2.2 takes the JWT claim names) and the type it is used with. */
export interface ActiveAccessToken {
  active: true;
  scope?: string;
  client_id: string;
  sub: string;
  aud: string | string[];
  iss: string;
  exp: number;
  iat: number;
  jti: string;
  token_type: 'Bearer';
  auth_time?: number;
}

/**
 * An active refresh token. `token_type` is left out: §2.2 means the type the token is used with at a resource server
 * (RFC 6749 §7.1), which a refresh token has none of; oidc-provider leaves it out likewise. It has no `jti` or `aud`
 * of its own, and no `iat` when it was issued before the store recorded that (migration 0008).
 */
export interface ActiveRefreshToken {
  active: true;
  scope?: string;
  client_id: string;
  sub: string;
  iss: string;
  exp: number;
  iat?: number;
  auth_time: number;
}

export type IntrospectionResponse = { active: false } | ActiveAccessToken | ActiveRefreshToken;

const INACTIVE = { active: false } as const;

/**
 * RFC 7662. Only confidential clients may ask (§2.1 requires authorization, which also stops token scanning). A
 * client learns about its own tokens; a resource server (a client with the introspection right) also about the
 * access tokens of every other client (§4: the server decides who may see what). Refresh tokens are their own
 * client's business alone: no resource server ever receives one. Anything else — unknown, expired, revoked, or not
 * the caller's to see — is exactly `{"active":false}` (§2.2), so the answer does not tell that a token exists.
 */
export class IntrospectionEndpoint {
  constructor(
    private readonly issuer: string,
    private readonly directory: ClientResolver,
    private readonly accessTokens: AccessTokens,
    private readonly refreshTokens: Pick<RefreshTokens, 'findRefreshToken'>,
    /** Refresh-token families end this long after they began (GATEHOUSE_REFRESH_FAMILY_LIFETIME). */
    private readonly refreshFamilyLifetime: number,
  ) {}

  async handle(input: ClientAuthInput): Promise<IntrospectionResponse> {
    const client = await authenticateClient(this.directory, input);
    if (!client.confidential) throw invalidClient('introspection requires client authentication');
    const token = required(input.params, 'token');
    // Only a hint (§2.1): the token's own shape says which kind it is, so every kind is searched whatever it says.
    single(input.params, 'token_type_hint');
    if (isWellFormedOpaque(token, OPAQUE_PREFIXES.refreshToken)) return this.refreshToken(client, token);
    return this.accessToken(client, token);
  }

  private async accessToken(client: AuthenticatedClient, token: string): Promise<IntrospectionResponse> {
    // Decided before the revocation lookup, so a caller that may not see the token learns nothing of its state.
    const visible = (claims: AccessTokenClaims) => client.client.introspection || claims.client_id === client.client.clientId;
    const claims = await this.accessTokens.inspect(token, { visibleTo: visible });
    if (!claims) return INACTIVE;
    return {
      active: true,
      ...(claims.scope === undefined ? {} : { scope: claims.scope }),
      client_id: claims.client_id,
      sub: claims.sub,
      aud: claims.aud,
      iss: claims.iss,
      exp: claims.exp,
      iat: claims.iat,
      jti: claims.jti,
      token_type: 'Bearer',
      ...(claims.auth_time === undefined ? {} : { auth_time: claims.auth_time }),
    };
  }

  /**
   * Active only for the family's live token: a rotated one is retired even while the reuse window would take it
   * back as a retry (that window recovers a lost token response, it does not keep the old token valid), and reading
   * it here never revokes anything — only the token endpoint treats a retired token as reuse.
   */
  private async refreshToken(client: AuthenticatedClient, token: string): Promise<IntrospectionResponse> {
    const stored = await this.refreshTokens.findRefreshToken(sha256Hex(token));
    if (!stored || stored.grant.clientId !== client.client.clientId) return INACTIVE;
    const { family, grant } = stored;
    // The exp in force: a token issued before the family lifetime existed (or was shortened) ends with its family.
    const exp = refreshTokenEndsAt(stored, this.refreshFamilyLifetime);
    if (family.revoked || family.liveTokenHash !== stored.tokenHash || exp <= nowSeconds()) return INACTIVE;
    return {
      active: true,
      ...(grant.scopes.length === 0 ? {} : { scope: grant.scopes.join(' ') }),
      client_id: grant.clientId,
      sub: grant.userId,
      iss: this.issuer,
      exp,
      ...(stored.issuedAt === undefined ? {} : { iat: stored.issuedAt }),
      auth_time: grant.authTime,
    };
  }
}
