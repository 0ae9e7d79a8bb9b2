/**
 * Benchmark server: node-oidc-provider (v9) set up for the same work as Gatehouse's client_credentials hot path:
 * client_secret_basic, an RFC 8707 resource with a default, and an RFC 9068 JWT access token signed with ES256 that
 * lives 30 minutes. JWT access tokens are not stored by oidc-provider (its in-memory adapter is never written per
 * token), so like Gatehouse it does no storage write per token. Served by a plain node:http listener.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import Provider from 'oidc-provider';
import { freePort } from '../lib/net.js';
import { BENCH_SCOPE, announceReady, failStart, listenHttp } from '../lib/protocol.js';

const TTL = 1800;
const CLIENT_ID = 'bench-client';

async function main(): Promise<void> {
  try {
    const port = await freePort();
    const issuer = `http://127.0.0.1:${port}`;
    const audience = `${issuer}/api`;
    const clientSecret = randomBytes(32).toString('base64url');
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'bench-es256', alg: 'ES256', use: 'sig' };

    const provider = new Provider(issuer, {
      clients: [
        {
          client_id: CLIENT_ID,
          client_secret: clientSecret,
          token_endpoint_auth_method: 'client_secret_basic',
          grant_types: ['client_credentials'],
          response_types: [],
          redirect_uris: [],
          scope: BENCH_SCOPE,
          // The only key is ES256, so the client's default (RS256) would make oidc-provider refuse its metadata.
          id_token_signed_response_alg: 'ES256',
        },
      ],
      jwks: { keys: [signingKey] },
      scopes: ['openid', 'offline_access', ...BENCH_SCOPE.split(' ')],
      cookies: { keys: [randomBytes(32).toString('base64url')] },
      ttl: { ClientCredentials: TTL },
      features: {
        devInteractions: { enabled: false },
        clientCredentials: { enabled: true },
        resourceIndicators: {
          enabled: true,
          // No `resource` parameter means the default API, as in Gatehouse.
          defaultResource: () => audience,
          useGrantedResource: () => true,
          getResourceServerInfo: (_ctx, resourceIndicator) => {
            if (resourceIndicator !== audience) throw new Error(`unknown resource ${resourceIndicator}`);
            return {
              scope: BENCH_SCOPE,
              audience,
              accessTokenTTL: TTL,
              accessTokenFormat: 'jwt',
              jwt: { sign: { alg: 'ES256' } },
            };
          },
        },
      },
    });
    provider.on('server_error', (_ctx, error) => process.stderr.write(`oidc-provider server_error: ${String(error)}\n`));
    await listenHttp(createServer(provider.callback()), port);
    announceReady({
      ready: true,
      url: issuer,
      tokenEndpoint: `${issuer}/token`,
      jwksUri: `${issuer}/jwks`,
      issuer,
      clientId: CLIENT_ID,
      clientSecret,
      audience,
      scope: BENCH_SCOPE,
    });
  } catch (error) {
    failStart(error);
  }
}

await main();
