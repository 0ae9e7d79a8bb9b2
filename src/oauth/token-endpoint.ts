import type { ClientResolver, ResolvedClient } from '../ports/clients.js';
import { type AuthenticatedClient, authenticateClient, type ClientAuthInput } from './client-auth.js';
import { OAuthError } from './errors.js';
import { type FormParams, required } from './form.js';
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
    const handler = this.handlerFor(input.params);
    const client = await authenticateClient(this.directory, input);
    return this.issue(handler, client, input);
  }

  /**
   * What the grant named in `input.params` would issue to this client, with no credential presented: for a caller
   * that has proven more than the client's secret would (an administrator asking for a test token). The same checks
   * and handler as a request to the endpoint, after client authentication; a revoked client is the caller's to refuse.
   */
  async issueWithoutCredential(resolved: ResolvedClient, input: Omit<TokenRequest, 'client'>): Promise<TokenResponse> {
    const handler = this.handlerFor(input.params);
    const method: AuthenticatedClient['method'] = resolved.client.tokenEndpointAuthMethod;
    return this.issue(handler, { ...resolved, method, confidential: method !== 'none' }, input);
  }

  private handlerFor(params: FormParams): GrantHandler {
    const handler = this.handlers.get(required(params, 'grant_type'));
    if (!handler) throw new OAuthError('unsupported_grant_type', 'the grant type is not supported');
    return handler;
  }

  private issue(handler: GrantHandler, client: AuthenticatedClient, input: Omit<TokenRequest, 'client'>): Promise<TokenResponse> {
    if (!client.client.grantTypes.includes(handler.grantType)) {
      throw new OAuthError('unauthorized_client', `the client is not allowed the ${handler.grantType} grant`);
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
