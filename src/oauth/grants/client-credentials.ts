import type { AccessTokens } from '../../tokens/access-tokens.js';
import { OAuthError } from '../errors.js';
import { single } from '../form.js';
import { type AudienceResolver, withinApi } from '../resource-indicators.js';
import { grantScopes, parseScopeParameter } from '../scopes.js';
import type { GrantHandler, TokenRequest, TokenResponse } from './grant-handler.js';

export interface ClientCredentialsDependencies {
  accessTokens: AccessTokens;
  audiences: AudienceResolver;
  defaultAccessTokenTtl: number;
}

/**
 * RFC 6749 §4.4. The token is for the client itself (`sub` = client_id) and carries no refresh token (§4.4.3).
 * Scope = requested ∩ what the client's roles allow, further bounded by the scopes of the API it is for.
 */
export class ClientCredentialsGrant implements GrantHandler {
  readonly grantType = 'client_credentials';

  constructor(private readonly deps: ClientCredentialsDependencies) {}

  async handle({ client, params }: TokenRequest): Promise<TokenResponse> {
    if (client.method === 'none') {
      throw new OAuthError('unauthorized_client', 'public clients may not use the client_credentials grant');
    }
    const target = await this.deps.audiences.resolve(params.resource);
    // A scope the API does not define is refused when asked for, and left out of the default (RFC 8707 §2).
    const scopes = grantScopes(parseScopeParameter(single(params, 'scope')), new Set(withinApi(client.allowedScopes, target)));
    const ttl = client.client.accessTokenTtl ?? this.deps.defaultAccessTokenTtl;
    const { token } = await this.deps.accessTokens.issue({
      subject: client.client.clientId,
      clientId: client.client.clientId,
      audience: target.audience,
      scopes,
      ttl,
    });
    return {
      access_token: token,
      token_type: 'Bearer',
      expires_in: ttl,
      ...(scopes.length > 0 ? { scope: scopes.join(' ') } : {}),
    };
  }
}

export const clientCredentialsGrant = (services: ClientCredentialsDependencies): GrantHandler => new ClientCredentialsGrant(services);
