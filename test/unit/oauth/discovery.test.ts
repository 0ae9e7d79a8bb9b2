import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OIDC_SCOPES } from '../../../src/oauth/authorization-request.js';
import { ENDPOINT_PATHS, serverMetadata } from '../../../src/oauth/discovery.js';
import { CLAIMS_SUPPORTED } from '../../../src/oidc/claims.js';

const ISSUER = 'https://issuer.example/tenant';
const ALL_GRANTS = ['authorization_code', 'refresh_token', 'client_credentials'];

test('with the user-facing grants: every endpoint under the issuer, PKCE S256, and the OpenID Connect members', () => {
  assert.deepEqual(serverMetadata({ issuer: ISSUER, grantTypes: ALL_GRANTS }), {
    issuer: ISSUER,
    authorization_endpoint: `${ISSUER}/oauth2/authorize`,
    token_endpoint: `${ISSUER}/oauth2/token`,
    userinfo_endpoint: `${ISSUER}/oauth2/userinfo`,
    end_session_endpoint: `${ISSUER}/oauth2/end-session`,
    jwks_uri: `${ISSUER}/.well-known/jwks.json`,
    revocation_endpoint: `${ISSUER}/oauth2/revoke`,
    introspection_endpoint: `${ISSUER}/oauth2/introspect`,
    grant_types_supported: ALL_GRANTS,
    response_types_supported: ['code'],
    response_modes_supported: ['query', 'form_post'],
    code_challenge_methods_supported: ['S256'],
    authorization_response_iss_parameter_supported: true,
    scopes_supported: [...OIDC_SCOPES],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256', 'ES256'],
    claims_supported: CLAIMS_SUPPORTED,
    claims_parameter_supported: false,
    request_parameter_supported: false,
    request_uri_parameter_supported: false,
    prompt_values_supported: ['none', 'login', 'consent'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
  });
});

test('without authorization_code: no user-facing endpoint, no response type, no public clients', () => {
  const metadata = serverMetadata({ issuer: ISSUER, grantTypes: ['client_credentials'] });
  for (const member of [
    'authorization_endpoint',
    'userinfo_endpoint',
    'end_session_endpoint',
    'code_challenge_methods_supported',
    'scopes_supported',
  ]) {
    assert.equal(member in metadata, false, member);
  }
  assert.deepEqual(metadata.response_types_supported, []);
  assert.deepEqual(metadata.grant_types_supported, ['client_credentials']);
  assert.deepEqual(metadata.token_endpoint_auth_methods_supported, ['client_secret_basic', 'client_secret_post']);
  assert.equal(metadata.token_endpoint, `${ISSUER}${ENDPOINT_PATHS.token}`);
});

test('the grant types listed are a copy of the registered ones, in their order', () => {
  const grantTypes = ['client_credentials', 'authorization_code'];
  const metadata = serverMetadata({ issuer: ISSUER, grantTypes });
  (metadata.grant_types_supported as string[]).push('password');
  assert.deepEqual(grantTypes, ['client_credentials', 'authorization_code']);
  assert.deepEqual(serverMetadata({ issuer: ISSUER, grantTypes }).grant_types_supported, grantTypes);
});
