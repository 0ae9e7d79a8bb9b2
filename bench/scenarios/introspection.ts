import { decodeProtectedHeader } from 'jose';
import { basicAuth } from '../lib/http.js';
import { type HttpRequest, runLoad } from '../lib/load.js';
import type { IntrospectionSetup, ReadyLine } from '../lib/protocol.js';
import { send, tokenRequest } from './client-credentials.js';
import type { Scenario } from './scenario.js';

function introspectionRequest(
  server: ReadyLine,
  setup: IntrospectionSetup,
  token: string,
  clientSecret = server.clientSecret,
): HttpRequest {
  return {
    method: 'POST',
    url: setup.endpoint,
    headers: {
      authorization: basicAuth(server.clientId, clientSecret),
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    },
    body: new URLSearchParams({ token, token_type_hint: 'access_token' }).toString(),
  };
}

async function issue(server: ReadyLine, params: Record<string, string>): Promise<string> {
  const response = await send(tokenRequest(server, server.clientSecret, params));
  const text = await response.text();
  if (response.status !== 200)
    throw new Error(`token request for the token to introspect answered ${response.status}: ${text.slice(0, 300)}`);
  const token = (JSON.parse(text) as { access_token?: unknown }).access_token;
  if (typeof token !== 'string') throw new Error(`no access_token in ${text.slice(0, 300)}`);
  return token;
}

const isJwt = (token: string) => {
  try {
    return Boolean(decodeProtectedHeader(token));
  } catch {
    return false;
  }
};

/** One introspection: 200, no-store, and its JSON body. */
async function introspect(
  server: ReadyLine,
  setup: IntrospectionSetup,
  token: string,
  clientSecret?: string,
): Promise<{ status: number; text: string; body: Record<string, unknown> | undefined }> {
  const response = await send(introspectionRequest(server, setup, token, clientSecret));
  const text = await response.text();
  let body: Record<string, unknown> | undefined;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = undefined;
  }
  return { status: response.status, text, body };
}

async function expectActive(server: ReadyLine, setup: IntrospectionSetup, token: string): Promise<string> {
  const answer = await introspect(server, setup, token);
  if (answer.status !== 200 || answer.body?.active !== true)
    throw new Error(`introspection answered ${answer.status} ${answer.text.slice(0, 300)}, expected active: true`);
  const body = answer.body;
  if (body.client_id !== server.clientId) throw new Error(`introspection client_id is ${String(body.client_id)}`);
  if (body.scope !== server.scope) throw new Error(`introspection scope is "${String(body.scope)}", expected "${server.scope}"`);
  if (typeof body.exp !== 'number' || body.exp <= Date.now() / 1000) throw new Error(`introspection exp is ${String(body.exp)}`);
  return answer.text;
}

/** RFC 7662 introspection of a valid access token by a confidential client (HTTP Basic). */
export const introspection: Scenario = {
  name: 'introspection',
  description:
    'POST introspection endpoint (RFC 7662), client_secret_basic, token_type_hint=access_token, for a valid access token issued beforehand',
  unit: 'req',
  servers: ['gatehouse', 'oidc-provider'],

  async prepare(server, { connections }) {
    const setup = server.introspection;
    if (!setup) throw new Error('the server does not announce an introspection endpoint');
    const token = await issue(server, setup.tokenParams);
    if (isJwt(token) !== (setup.tokenFormat === 'jwt'))
      throw new Error(`the token to introspect is ${isJwt(token) ? 'a JWT' : 'opaque'}, expected ${setup.tokenFormat}`);
    const activeBody = await expectActive(server, setup, token);

    const notes: string[] = [];
    if (setup.tokenFormat !== 'jwt') {
      // Show, rather than assert, what the server does with the JWT access token the other scenarios issue.
      const jwt = await issue(server, {});
      const probe = await introspect(server, setup, jwt);
      notes.push(`its JWT access token at introspection: ${probe.status} ${probe.text.slice(0, 200)}`);
    }
    const unknown = await introspect(server, setup, `${token.slice(0, -4)}AAAA`);
    if (unknown.status !== 200 || unknown.body?.active !== false)
      throw new Error(`an unknown token was answered ${unknown.status} ${unknown.text.slice(0, 200)}, expected active: false`);
    const refused = await introspect(server, setup, token, `${server.clientSecret}x`);
    if (refused.status !== 401) throw new Error(`introspection with a wrong client secret was answered ${refused.status}, expected 401`);

    const request: HttpRequest = { ...introspectionRequest(server, setup, token), verifyBody: (body) => body.includes('"active":true') };
    return {
      verified:
        `${setup.tokenFormat} access token (${token.length} chars) answered 200 ${activeBody.length} bytes active: true; ` +
        `a tampered token active: false; a wrong client secret 401${notes.length ? `; ${notes.join('; ')}` : ''}`,
      concurrency: `${connections} connections`,
      run: (duration) => runLoad(request, { connections, duration }),
      recheck: async () => void (await expectActive(server, setup, token)),
      note: setup.note ?? `introspects its ${setup.tokenFormat} access token`,
    };
  },
};
