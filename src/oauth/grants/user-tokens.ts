import type { IdTokens } from '../../oidc/id-tokens.js';
import { nowSeconds } from '../../ports/clock.js';
import type { GrantContext, GrantRevocation, IssuedTokens } from '../../ports/grants.js';
import type { User } from '../../ports/users.js';
import type { AccessTokens } from '../../tokens/access-tokens.js';
import { sha256Hex } from '../../tokens/hash.js';
import { generateOpaque, OPAQUE_PREFIXES } from '../../tokens/opaque.js';
import { OFFLINE_SCOPES } from '../authorization-request.js';
import type { AuthenticatedClient } from '../client-auth.js';
import { OAuthError } from '../errors.js';
import { familyEndsAt } from '../refresh-lifetime.js';
import { type TokenAudience, withinApi } from '../resource-indicators.js';
import { isPrivilegedScope, withoutUnheldPrivileges } from '../scopes.js';
import type { TokenResponse } from './grant-handler.js';

export interface UserTokenRequest {
  client: AuthenticatedClient;
  grantId: string;
  grant: GrantContext;
  /** Scopes of this token request: the grant's, or fewer on a refresh (RFC 6749 §6). */
  scopes: readonly string[];
  /** The grant's API (RFC 8707 §2.2: a token request on a grant cannot change it): `aud`, and the scopes it defines. */
  target: TokenAudience;
  nonce?: string;
  /** When the grant's refresh-token family began; absent for a new grant, whose family begins now. */
  familyStartedAt?: number;
}

/** A token response ready to send, and what of it the store must record before it is sent. */
export interface SignedUserTokens {
  response: TokenResponse;
  issued: IssuedTokens;
}

export interface UserTokenSettings {
  defaultAccessTokenTtl: number;
  refreshTokenTtl: number;
  /** A refresh token never outlives its family, which ends this many seconds after it began. */
  refreshFamilyLifetime: number;
}

/**
 * Makes what a user's grant yields: an access token (to be listed under the grant, so revoking the grant ends it), a
 * rotated refresh token when offline access was granted, and an ID token when `openid` was. It only signs: the grant
 * handler records the result in the same transaction that decides the grant, so no write lock is held while
 * signing and nothing is recorded for a response that is never sent.
 */
export class UserTokenIssuer {
  constructor(
    private readonly accessTokens: AccessTokens,
    private readonly idTokens: IdTokens,
    private readonly grants: GrantRevocation,
    private readonly findUser: (id: string) => Promise<User | undefined>,
    private readonly roleScopesOf: (userId: string) => Promise<ReadonlySet<string>>,
    private readonly settings: UserTokenSettings,
  ) {}

  async sign(request: UserTokenRequest): Promise<SignedUserTokens> {
    const { client, grant, grantId } = request;
    const user = await this.findUser(grant.userId);
    if (!user || user.disabledAt !== null) {
      await this.grants.revokeGrant(grantId);
      throw new OAuthError('invalid_grant', 'the user is no longer active');
    }
    // A refresh after the user lost a role must not carry that role's privileged scopes on.
    const scopes = request.scopes.some(isPrivilegedScope)
      ? withoutUnheldPrivileges(request.scopes, await this.roleScopesOf(user.id))
      : request.scopes;
    // The access token is for the API alone, so it carries only the scopes that API defines, as a client-credentials
    // token does (RFC 8707 §2, RFC 9700 §2.3). OpenID Connect's scopes stay in the grant, where they decide the ID
    // token, its claims and the refresh token; the default API defines no scopes, so its tokens keep them all and
    // work at userinfo. `scope` in the response is the access token's (RFC 6749 §5.1), omitted when empty.
    const tokenScopes = withinApi(scopes, request.target);
    const ttl = client.client.accessTokenTtl ?? this.settings.defaultAccessTokenTtl;
    const { token, claims } = await this.accessTokens.issue({
      subject: user.id,
      clientId: client.client.clientId,
      audience: request.target.audience,
      scopes: tokenScopes,
      ttl,
      authTime: grant.authTime,
    });
    const issued: IssuedTokens = { accessToken: { jti: claims.jti, expiresAt: claims.exp } };

    // A new refresh token keeps the scope of the grant, whatever this access token was narrowed to (§6): the scope
    // is the grant's, not the token's.
    let refreshToken: string | undefined;
    if (grant.scopes.some((scope) => OFFLINE_SCOPES.has(scope)) && client.client.grantTypes.includes('refresh_token')) {
      refreshToken = generateOpaque(OPAQUE_PREFIXES.refreshToken);
      const issuedAt = nowSeconds();
      const familyEnd = familyEndsAt({ startedAt: request.familyStartedAt ?? issuedAt }, this.settings.refreshFamilyLifetime);
      const expiresAt = Math.min(issuedAt + this.settings.refreshTokenTtl, familyEnd);
      issued.refreshToken = { tokenHash: sha256Hex(refreshToken), issuedAt, expiresAt };
    }
    // On a refresh too, although OpenID Connect Core §12.2 lets it be left out and it is the refresh's largest cost
    // (an RS256 signature, ~0.3 ms): clients renew an expired ID token this way (to present it to their own backends,
    // or for their sign-in state), and the providers they are written against, oidc-provider among them, return one.
    // A client that wants it cheaper registers ES256 (id_token_signed_response_alg).
    const idToken = scopes.includes('openid')
      ? await this.idTokens.issue({
          user,
          clientId: client.client.clientId,
          alg: client.client.idTokenSignedResponseAlg,
          scopes,
          authTime: grant.authTime,
          sessionId: grant.sessionId,
          requestedAt: grant.requestedAt,
          accessToken: token,
          ...(request.nonce === undefined ? {} : { nonce: request.nonce }),
        })
      : undefined;
    const response: TokenResponse = {
      access_token: token,
      token_type: 'Bearer',
      expires_in: ttl,
      ...(tokenScopes.length > 0 ? { scope: tokenScopes.join(' ') } : {}),
      ...(refreshToken === undefined ? {} : { refresh_token: refreshToken }),
      ...(idToken === undefined ? {} : { id_token: idToken }),
    };
    return { response, issued };
  }
}
