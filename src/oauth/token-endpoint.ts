import type { ClientResolver } from '../ports/clients.js';
import { authenticateClient, type ClientAuthInput } from './client-auth.js';
import { OAuthError } from './errors.js';
import { required } from './form.js';
import type { GrantHandler, TokenRequest, TokenResponse } from './grants/grant-handler.js';

/** What the HTTP edge hands the token endpoint: the client's authentication and the request's context. */
export type TokenEndpointInput = ClientAuthInput & Pick<TokenRequest, 'method' | 'url' | 'headers'>;

/**
 * The token endpoint as a list of small steps (RFC 6749 §3.2, §4): the grant type must be present and supported,
 * the client must authenticate and be allowed the grant; then its handler issues the tokens.
 */
export class TokenEndpoint {
  private readonly handlers: Map<string, GrantHandler>;

  constructor(
    private readonly directory: ClientResolver,
    handlers: readonly GrantHandler[],
  ) {
    this.handlers = new Map(handlers.map((handler) => [handler.grantType, handler]));
    if (this.handlers.size !== handlers.length) throw new Error('two grants are registered for the same grant type');
  }

  /** The registered grant types: discovery's grant_types_supported and what a client may be allowed. */
  get grantTypes(): string[] {
    return [...this.handlers.keys()];
  }

  async handle(input: TokenEndpointInput): Promise<TokenResponse> {
    const grantType = required(input.params, 'grant_type');
    const handler = this.handlers.get(grantType);
    if (!handler) throw new OAuthError('unsupported_grant_type', 'the grant type is not supported');
    const client = await authenticateClient(this.directory, input);
    if (!client.client.grantTypes.includes(grantType)) {
      throw new OAuthError('unauthorized_client', `the client is not allowed the ${grantType} grant`);
    }
    return handler.handle({
      client,
      params: input.params,
      ip: input.ip,
      method: input.method,
      url: input.url,
      headers: input.headers,
      get signal() {
        return input.signal;
      },
    });
  }
}
