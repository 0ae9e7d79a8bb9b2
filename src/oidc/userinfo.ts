import { InsufficientScopeError, InvalidTokenError, scopesOf } from '@gatehouse/resource';
import type { User } from '../ports/users.js';
import type { AccessTokens } from '../tokens/access-tokens.js';
import { userClaims } from './claims.js';

/**
 * OpenID Connect Core §5.3: the claims of the user an access token speaks for, as far as its scopes allow. Only a
 * valid, unrevoked access token of a user with `openid` will do — not an ID token, not a client's own token.
 */
export class UserInfo {
  constructor(
    private readonly accessTokens: AccessTokens,
    private readonly findUser: (id: string) => Promise<User | undefined>,
  ) {}

  async claims(token: string): Promise<Record<string, unknown>> {
    const claims = await this.accessTokens.inspect(token);
    if (!claims) throw new InvalidTokenError('the access token is invalid, expired or revoked');
    // Client-credentials tokens speak for the client itself and have no auth_time.
    if (claims.auth_time === undefined) throw new InvalidTokenError('the access token does not speak for a user');
    const scopes = scopesOf(claims);
    if (!scopes.has('openid')) throw new InsufficientScopeError(['openid']);
    const user = await this.findUser(claims.sub);
    if (!user || user.disabledAt !== null) throw new InvalidTokenError('the user is no longer active');
    return userClaims(user, [...scopes]);
  }
}
