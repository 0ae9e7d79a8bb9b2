import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import * as oauth from 'oauth4webapi';
import * as client from 'openid-client';
import { backends } from './helpers/backends.js';
import { startTestServer, type TestServer } from './helpers/server.js';

for (const backend of backends()) {
  describe(`client_credentials with certified client libraries (${backend.name})`, () => {
    let server: TestServer;
    let clientId: string;
    let clientSecret: string;

    before(async () => {
      server = await startTestServer(backend);
      await server.createRole('reader', ['demo:read', 'orders:read']);
      ({ clientId, clientSecret } = await server.createClient({ name: 'Billing', roles: ['reader'] }));
    });
    after(() => server.close());

    test('openid-client discovers the server and gets a token with client_secret_basic', async () => {
      const config = await client.discovery(new URL(server.issuer), clientId, clientSecret, client.ClientSecretBasic(), {
        execute: [client.allowInsecureRequests],
      });
      assert.equal(config.serverMetadata().token_endpoint, `${server.issuer}/oauth2/token`);
      const tokens = await client.clientCredentialsGrant(config, { scope: 'demo:read' });
      assert.equal(tokens.token_type, 'bearer');
      assert.equal(tokens.expires_in, 1800);
      assert.equal(tokens.scope, 'demo:read');
      assert.equal(tokens.refresh_token, undefined);
      assert.equal(tokens.id_token, undefined);

      const header = decodeProtectedHeader(tokens.access_token);
      assert.equal(header.typ, 'at+jwt');
      assert.equal(header.alg, 'ES256');
      assert.ok(header.kid);
      const jwks = createRemoteJWKSet(new URL(`${server.issuer}/.well-known/jwks.json`));
      const { payload } = await jwtVerify(tokens.access_token, jwks, {
        issuer: server.issuer,
        audience: `${server.issuer}/api`,
        typ: 'at+jwt',
      });
      assert.deepEqual(Object.keys(payload).sort(), ['aud', 'client_id', 'exp', 'iat', 'iss', 'jti', 'scope', 'sub', 'tenant']);
      assert.equal(payload.tenant, 'default', 'the tenant claim names the default tenant');
      assert.equal(payload.sub, clientId);
      assert.equal(payload.client_id, clientId);
      assert.equal(payload.scope, 'demo:read');
      assert.equal(payload.exp! - payload.iat!, 1800);
    });

    test('openid-client with client_secret_post gets every allowed scope when none is requested', async () => {
      const config = await client.discovery(new URL(server.issuer), clientId, clientSecret, client.ClientSecretPost(), {
        execute: [client.allowInsecureRequests],
      });
      const tokens = await client.clientCredentialsGrant(config);
      assert.deepEqual(tokens.scope?.split(' ').sort(), ['demo:read', 'orders:read']);
    });

    test('oauth4webapi: discovery, client_credentials, introspection and revocation', async () => {
      const issuer = new URL(server.issuer);
      const options = { [oauth.allowInsecureRequests]: true };
      const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, options));
      const oauthClient: oauth.Client = { client_id: clientId };
      const auth = oauth.ClientSecretBasic(clientSecret);

      const tokenResponse = await oauth.clientCredentialsGrantRequest(
        as,
        oauthClient,
        auth,
        new URLSearchParams({ scope: 'orders:read' }),
        options,
      );
      const tokens = await oauth.processClientCredentialsResponse(as, oauthClient, tokenResponse);
      assert.equal(tokens.scope, 'orders:read');

      const introspected = await oauth.processIntrospectionResponse(
        as,
        oauthClient,
        await oauth.introspectionRequest(as, oauthClient, auth, tokens.access_token, options),
      );
      assert.equal(introspected.active, true);
      assert.equal(introspected.client_id, clientId);
      assert.equal(introspected.scope, 'orders:read');
      assert.equal(introspected.token_type, 'Bearer');

      await oauth.processRevocationResponse(await oauth.revocationRequest(as, oauthClient, auth, tokens.access_token, options));
      const afterRevocation = await oauth.processIntrospectionResponse(
        as,
        oauthClient,
        await oauth.introspectionRequest(as, oauthClient, auth, tokens.access_token, options),
      );
      assert.deepEqual(afterRevocation, { active: false });
    });

    test('the quick-start request: form body, secret in the body, answer not cacheable', async () => {
      const response = await fetch(`${server.url}/oauth2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `grant_type=client_credentials&client_id=${clientId}&client_secret=${clientSecret}`,
      });
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('cache-control'), 'no-store');
      assert.equal(response.headers.get('pragma'), 'no-cache');
      const body = (await response.json()) as Record<string, unknown>;
      assert.deepEqual(Object.keys(body).sort(), ['access_token', 'expires_in', 'scope', 'token_type']);
      assert.equal(body.token_type, 'Bearer');
    });

    test('single-page apps may call the token endpoint cross-origin: preflight, and errors they can read', async () => {
      const preflight = await fetch(`${server.url}/oauth2/token`, {
        method: 'OPTIONS',
        headers: {
          origin: 'https://app.example',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type',
        },
      });
      assert.equal(preflight.status, 204);
      assert.equal(preflight.headers.get('access-control-allow-origin'), '*');
      assert.equal(preflight.headers.get('access-control-allow-methods'), 'POST');
      assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /Content-Type/);
      const refused = await fetch(`${server.url}/oauth2/token`, {
        method: 'POST',
        headers: { origin: 'https://app.example', 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials&client_id=nobody&client_secret=wrong',
      });
      assert.equal(refused.status, 401);
      assert.equal(refused.headers.get('access-control-allow-origin'), '*');
      assert.deepEqual(await refused.json(), { error: 'invalid_client', error_description: 'client authentication failed' });
    });
  });
}
