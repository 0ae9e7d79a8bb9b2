import type { GrantHandler, TokenRequest, TokenResponse } from '../../src/oauth/grants/grant-handler.js';
import type { GrantModule, GrantServices } from '../../src/oauth/grants/index.js';

export const ECHO_GRANT = 'urn:gatehouse:test:echo';
export const ECHO_HEADER = 'x-gatehouse-echo';
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

/** What the echo grant was told about the request, sent back in its `echo` member. */
export interface Echo {
  method: string;
  url: string;
  header: string | null;
  client_auth_method: string;
}

/**
 * A grant that exists only in the tests: it issues the client a real access token for the default API, as
 * client_credentials would, and adds members a built-in grant never sends: RFC 8693's issued_token_type and what it
 * saw of the request.
 */
class EchoGrant implements GrantHandler {
  readonly grantType = ECHO_GRANT;

  constructor(private readonly services: GrantServices) {}

  async handle({ client, params, method, url, headers }: TokenRequest): Promise<TokenResponse> {
    const target = await this.services.audiences.resolve(params.resource);
    const ttl = 60;
    const { clientId } = client.client;
    const { token } = await this.services.accessTokens.issue({ subject: clientId, clientId, audience: target.audience, scopes: [], ttl });
    const header = headers[ECHO_HEADER];
    const echo: Echo = { method, url, header: typeof header === 'string' ? header : null, client_auth_method: client.method };
    return { access_token: token, token_type: 'Bearer', expires_in: ttl, issued_token_type: ACCESS_TOKEN_TYPE, echo };
  }
}

export const echoGrant: GrantModule = (services) => new EchoGrant(services);
