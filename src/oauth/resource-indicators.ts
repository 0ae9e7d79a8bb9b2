import type { Api } from '../store/apis.js';
import { OAuthError } from './errors.js';

/** The API a token is for: its identifier becomes `aud`, and its scopes (when it defines any) bound the token's. */
export interface TokenAudience {
  audience: string;
  /** Scopes the API defines; undefined when it accepts any. */
  apiScopes: ReadonlySet<string> | undefined;
}

const invalidTarget = (description: string) => new OAuthError('invalid_target', description);

/**
 * RFC 8707 §2: `resource` is an absolute URI without a fragment that names a registered API; without it the token
 * is for the default API. One audience per token keeps `aud` a single value that every resource server checks.
 */
export async function resolveAudience(
  resource: string | string[] | undefined,
  defaultAudience: string,
  findApi: (identifier: string) => Promise<Api | undefined>,
): Promise<TokenAudience> {
  if (resource === undefined || resource === defaultAudience) return { audience: defaultAudience, apiScopes: undefined };
  if (Array.isArray(resource)) throw invalidTarget('one resource per token request is supported');
  let url: URL;
  try {
    url = new URL(resource);
  } catch {
    throw invalidTarget('the resource parameter must be an absolute URI');
  }
  if (url.hash !== '' || resource.includes('#')) throw invalidTarget('the resource parameter must not have a fragment');
  const api = await findApi(resource);
  if (!api) throw invalidTarget('the resource parameter names no registered API');
  return { audience: api.identifier, apiScopes: api.scopes.length > 0 ? new Set(api.scopes) : undefined };
}
