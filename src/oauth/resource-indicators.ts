import type { Api } from '../ports/apis.js';
import { OAuthError } from './errors.js';

/** The API a token is for: its identifier becomes `aud`, and its scopes (when it defines any) bound the token's. */
export interface TokenAudience {
  audience: string;
  /** Scopes the API defines; undefined when it accepts any (the default API, or an API that declares none). */
  apiScopes: ReadonlySet<string> | undefined;
}

const invalidTarget = (description: string) => new OAuthError('invalid_target', description);

/**
 * The scopes of `scopes` that a token for `target` may carry: those the API defines, or all of them when it defines
 * none. RFC 8707 §2 and RFC 9700 §2.3: a token is restricted to the one API it is for, and to what that API accepts.
 */
export function withinApi(scopes: Iterable<string>, target: TokenAudience): string[] {
  const { apiScopes } = target;
  return [...scopes].filter((scope) => apiScopes === undefined || apiScopes.has(scope));
}

/**
 * RFC 8707 resource indicators, the same for every grant and for the authorization endpoint. `resource` is an
 * absolute URI without a fragment that names a registered API; without it a token is for the default API. One
 * audience per grant keeps `aud` a single value that every resource server checks.
 */
export class AudienceResolver {
  constructor(
    readonly defaultAudience: string,
    private readonly findApi: (identifier: string) => Promise<Api | undefined>,
  ) {}

  /** The audience a new grant is for: an authorization request's, or a client-credentials token's (§2). */
  async resolve(resource: string | readonly string[] | undefined): Promise<TokenAudience> {
    if (resource === undefined || resource === this.defaultAudience) return { audience: this.defaultAudience, apiScopes: undefined };
    if (typeof resource !== 'string') throw invalidTarget('one resource per request is supported');
    let url: URL;
    try {
      url = new URL(resource);
    } catch {
      throw invalidTarget('the resource parameter must be an absolute URI');
    }
    if (url.hash !== '' || resource.includes('#')) throw invalidTarget('the resource parameter must not have a fragment');
    const api = await this.findApi(resource);
    if (!api) throw invalidTarget('the resource parameter names no registered API');
    return { audience: api.identifier, apiScopes: api.scopes.length > 0 ? new Set(api.scopes) : undefined };
  }

  /**
   * The audience of a token request on an existing grant (a code's or a refresh token's). RFC 8707 §2.2: `resource`
   * may be omitted, which means the grant's, or name it again; it may narrow, never widen, and with one audience
   * per grant the only narrowing is the grant's own. Anything else, registered or not, is `invalid_target`.
   */
  async forGrant(resource: string | readonly string[] | undefined, grantAudience: string): Promise<TokenAudience> {
    const target = await this.resolve(resource ?? grantAudience);
    if (target.audience !== grantAudience) throw invalidTarget('the resource is not the one this grant was authorized for');
    return target;
  }

  /** What the user is told an app asks to access: the API's name, or its identifier when it has none. */
  async nameOf(audience: string): Promise<string> {
    if (audience === this.defaultAudience) return audience;
    return (await this.findApi(audience))?.name || audience;
  }
}
