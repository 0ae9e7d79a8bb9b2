import type { Api } from '../../store/apis.js';
import type { AccessTokens } from '../../tokens/access-tokens.js';
import { OAuthError } from '../errors.js';
import { single } from '../form.js';
import { resolveAudience } from '../resource-indicators.js';
import { grantScopes, parseScopeParameter } from '../scopes.js';
import type { GrantHandler, TokenRequest, TokenResponse } from './grant-handler.js';

export interface ClientCredentialsDependencies {
  accessTokens: AccessTokens;
  defaultAudience: string;
  defaultAccessTokenTtl: number;
  findApi: (identifier: string) => Promise<Api | undefined>;
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
    const target = await resolveAudience(params.resource, this.deps.defaultAudience, this.deps.findApi);
    let allowed = client.allowedScopes;
    if (target.apiScopes) allowed = new Set([...allowed].filter((scope) => target.apiScopes!.has(scope)));
    const scopes = grantScopes(parseScopeParameter(single(params, 'scope')), allowed);
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
