import { CLAIMS_SUPPORTED } from '../oidc/claims.js';
import { ID_TOKEN_SIGNING_ALGORITHMS } from '../oidc/id-tokens.js';
import { OIDC_SCOPES } from './authorization-request.js';
import { CLIENT_AUTH_METHODS } from './client-auth.js';

/** Where each endpoint lives, relative to the issuer. */
export const ENDPOINT_PATHS = {
  authorization: '/oauth2/authorize',
  token: '/oauth2/token',
  userinfo: '/oauth2/userinfo',
  endSession: '/oauth2/end-session',
  revocation: '/oauth2/revoke',
  introspection: '/oauth2/introspect',
  jwks: '/.well-known/jwks.json',
} as const;

export interface DiscoveryInput {
  issuer: string;
  grantTypes: readonly string[];
}

const ALL_METHODS = CLIENT_AUTH_METHODS.map((method) => method.name);
const CONFIDENTIAL_METHODS = CLIENT_AUTH_METHODS.filter((method) => method.confidential).map((method) => method.name);

/**
 * RFC 8414 / OpenID Connect Discovery 1.0 metadata, built from what this server really does: an endpoint or a value
 * appears only when it is implemented and enabled. No implicit or password grant exists, so none is listed. The grant
 * types are the token endpoint's registered grants, the client authentication methods the registered methods.
 */
export function serverMetadata({ issuer, grantTypes }: DiscoveryInput): Record<string, unknown> {
  const url = (path: string) => issuer + path;
  const userFacing = grantTypes.includes('authorization_code');
  // Public clients (no credential) exist only for the user-facing grants.
  const clientMethods = userFacing ? ALL_METHODS : CONFIDENTIAL_METHODS;
  return {
    issuer,
    ...(userFacing ? { authorization_endpoint: url(ENDPOINT_PATHS.authorization) } : {}),
    token_endpoint: url(ENDPOINT_PATHS.token),
    ...(userFacing ? { userinfo_endpoint: url(ENDPOINT_PATHS.userinfo), end_session_endpoint: url(ENDPOINT_PATHS.endSession) } : {}),
    jwks_uri: url(ENDPOINT_PATHS.jwks),
    revocation_endpoint: url(ENDPOINT_PATHS.revocation),
    introspection_endpoint: url(ENDPOINT_PATHS.introspection),
    grant_types_supported: [...grantTypes],
    response_types_supported: userFacing ? ['code'] : [],
    ...(userFacing
      ? {
          response_modes_supported: ['query', 'form_post'],
          code_challenge_methods_supported: ['S256'],
          authorization_response_iss_parameter_supported: true,
          scopes_supported: [...OIDC_SCOPES],
          subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: [...ID_TOKEN_SIGNING_ALGORITHMS],
          claims_supported: CLAIMS_SUPPORTED,
          claims_parameter_supported: false,
          request_parameter_supported: false,
          request_uri_parameter_supported: false,
          prompt_values_supported: ['none', 'login', 'consent'],
        }
      : {}),
    token_endpoint_auth_methods_supported: clientMethods,
    revocation_endpoint_auth_methods_supported: clientMethods,
    // Introspection is for confidential clients (resource servers) only.
    introspection_endpoint_auth_methods_supported: CONFIDENTIAL_METHODS,
  };
}
