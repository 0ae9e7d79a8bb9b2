/** Where each endpoint lives, relative to the issuer. */
export const ENDPOINT_PATHS = {
  token: '/oauth2/token',
  revocation: '/oauth2/revoke',
  introspection: '/oauth2/introspect',
  jwks: '/.well-known/jwks.json',
} as const;

export interface DiscoveryInput {
  issuer: string;
  grantTypes: readonly string[];
}

const SECRET_METHODS = ['client_secret_basic', 'client_secret_post'];

/**
 * RFC 8414 / OpenID Connect Discovery metadata, built from what this server really does: an endpoint or a value
 * appears only when it is implemented and enabled.
 */
export function serverMetadata({ issuer, grantTypes }: DiscoveryInput): Record<string, unknown> {
  const url = (path: string) => issuer + path;
  return {
    issuer,
    token_endpoint: url(ENDPOINT_PATHS.token),
    jwks_uri: url(ENDPOINT_PATHS.jwks),
    grant_types_supported: [...grantTypes],
    // No grant served here goes through the authorization endpoint, so there is no response type to offer.
    response_types_supported: [],
    token_endpoint_auth_methods_supported: SECRET_METHODS,
    revocation_endpoint: url(ENDPOINT_PATHS.revocation),
    revocation_endpoint_auth_methods_supported: SECRET_METHODS,
    introspection_endpoint: url(ENDPOINT_PATHS.introspection),
    introspection_endpoint_auth_methods_supported: SECRET_METHODS,
  };
}
