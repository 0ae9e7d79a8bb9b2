import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { basicAuth } from '../lib/http.js';
import { type HttpRequest, runLoad } from '../lib/load.js';
import type { ReadyLine } from '../lib/protocol.js';
import type { Scenario } from './scenario.js';

/** The client_credentials request of `server`'s client (or any client and token endpoint of that shape). */
export function tokenRequest(
  server: Pick<ReadyLine, 'tokenEndpoint' | 'clientId' | 'clientSecret' | 'scope'>,
  clientSecret = server.clientSecret,
  extra: Record<string, string> = {},
): HttpRequest {
  return {
    method: 'POST',
    url: server.tokenEndpoint,
    headers: {
      authorization: basicAuth(server.clientId, clientSecret),
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    },
    // The scope is named explicitly so every server puts the same claims in the token (without it Gatehouse grants
    // all the client's scopes and oidc-provider none), and every server runs its scope check.
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: server.scope, ...extra }).toString(),
  };
}

export async function send(request: HttpRequest): Promise<Response> {
  return fetch(request.url, {
    method: request.method,
    headers: request.headers,
    ...(request.body === undefined ? {} : { body: request.body }),
  });
}

const EXPECTED_TTL = 1800;

/** client_credentials at the token endpoint: client authentication, scope check, one ES256-signed JWT. */
export const clientCredentials: Scenario = {
  name: 'client_credentials',
  description: 'POST /token grant_type=client_credentials with client_secret_basic; ES256 JWT access token (RFC 9068)',
  unit: 'req',
  servers: ['gatehouse', 'oidc-provider', 'floor'],

  async prepare(server, { authenticates, connections }) {
    const verified = await verify(server, authenticates);
    const request = tokenRequest(server);
    return {
      verified,
      concurrency: `${connections} connections`,
      run: (duration) => runLoad(request, { connections, duration }),
      // Still answering correctly after the load, not just answering.
      recheck: async () => void (await verify(server, authenticates)),
    };
  },
};

async function verify(server: ReadyLine, authenticates: boolean): Promise<string> {
  const response = await send(tokenRequest(server));
  const text = await response.text();
  if (response.status !== 200) throw new Error(`token request answered ${response.status}: ${text.slice(0, 500)}`);
  const cacheControl = response.headers.get('cache-control') ?? '';
  if (!/no-store/i.test(cacheControl)) throw new Error(`token response lacks Cache-Control: no-store (got "${cacheControl}")`);
  const body = JSON.parse(text) as Record<string, unknown>;
  if (typeof body.access_token !== 'string') throw new Error(`no access_token in ${text.slice(0, 500)}`);
  if (typeof body.token_type !== 'string' || body.token_type.toLowerCase() !== 'bearer')
    throw new Error(`token_type is ${String(body.token_type)}`);
  if (body.expires_in !== EXPECTED_TTL) throw new Error(`expires_in is ${String(body.expires_in)}, expected ${EXPECTED_TTL}`);

  const header = decodeProtectedHeader(body.access_token);
  const { payload } = await jwtVerify(body.access_token, createRemoteJWKSet(new URL(server.jwksUri)), {
    algorithms: ['ES256'],
    typ: 'at+jwt',
    issuer: server.issuer,
    audience: server.audience,
    requiredClaims: ['iss', 'sub', 'aud', 'client_id', 'iat', 'exp', 'jti'],
  });
  if (payload.client_id !== server.clientId || payload.sub !== server.clientId) throw new Error('client_id / sub is not the client');
  if (payload.scope !== server.scope) throw new Error(`scope claim is "${String(payload.scope)}", expected "${server.scope}"`);
  if (payload.exp! - payload.iat! !== EXPECTED_TTL)
    throw new Error(`token lives ${payload.exp! - payload.iat!} s, expected ${EXPECTED_TTL}`);

  if (authenticates) {
    const refused = await send(tokenRequest(server, `${server.clientSecret}x`));
    await refused.arrayBuffer();
    if (refused.status !== 401) throw new Error(`a wrong client secret was answered ${refused.status}, expected 401`);
  }
  return `200, ${header.alg} ${String(header.typ)} JWT (kid ${String(header.kid)}), signature verified against ${server.jwksUri}, ${text.length} bytes`;
}
