/**
 * Benchmark server: node-oidc-provider (v9) set up for the same work as Gatehouse, scenario by scenario:
 *
 * - client_credentials: client_secret_basic, an RFC 8707 resource with a default, and an RFC 9068 JWT access token
 *   signed with ES256 that lives 30 minutes. JWT access tokens are not stored by oidc-provider (its in-memory adapter
 *   is never written per token), so like Gatehouse it does no storage write per token.
 * - introspection (features.introspection): oidc-provider refuses to introspect JWT access tokens (its
 *   rejectStructuredTokens step answers 400 unsupported_token_type), so the scenario introspects the opaque access
 *   token it issues by client_credentials for a second resource whose accessTokenFormat is 'opaque' (stored in the
 *   in-memory adapter), authenticated by the same confidential client.
 * - authorization code flow: interactions.url points at minimal login and consent handlers below (the shape of
 *   oidc-provider's own devInteractions and example: interactionDetails, interactionFinished, the Grant API), the
 *   user is in memory with an argon2id hash made with Gatehouse's parameters (m = 19 MiB, t = 2, p = 1), PKCE is
 *   required, the access token is the same ES256 JWT for the default resource, the ID token RS256 (Gatehouse's
 *   default), and a refresh token is issued for offline_access (which oidc-provider grants only with prompt=consent).
 * - refresh: rotateRefreshToken: true.
 * - a returning user (code_flow_returning): the login and consent above once, then the session cookie and the grant
 *   it saved (session.grantIdFor the client) let the next authorization request through without a page, as with
 *   consent remembered in production; asked without prompt=consent, for openid alone.
 *
 * Everything oidc-provider stores goes to its default in-memory adapter (an LRU of 1000 entries per process).
 * Served by a plain node:http listener that hands everything but /interaction/* to provider.callback().
 */
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import argon2 from 'argon2';
import Provider, { type ClientMetadata } from 'oidc-provider';
import { freePort } from '../lib/net.js';
import { ARGON2ID_OPTIONS, announceReady, BENCH_REDIRECT_URI, BENCH_SCOPE, BENCH_USER, failStart, listenHttp } from '../lib/protocol.js';

const TTL = 1800;
const CLIENT_ID = 'bench-client';
const WEB_CLIENT_ID = 'bench-web';
const DAY = 24 * 60 * 60;

interface User {
  id: string;
  username: string;
  name: string;
  passwordHash: string;
}

const escapeHtml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body><main>${body}</main></body></html>`;
}

function readForm(request: IncomingMessage): Promise<URLSearchParams> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > 64 * 1024) request.destroy(new Error('form too large'));
      else chunks.push(chunk);
    });
    request.on('end', () => resolve(new URLSearchParams(Buffer.concat(chunks).toString('utf8'))));
    request.on('error', reject);
  });
}

function sendHtml(response: ServerResponse, status: number, html: string): void {
  response.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(html),
  });
  response.end(html);
}

/** Login and consent, as oidc-provider's example and devInteractions do them, with a real password check. */
function interactions(provider: Provider, users: Map<string, User>) {
  const loginPage = (uid: string, clientName: string, error?: string) =>
    page(
      'Sign in',
      `<h1>Sign in</h1><p>to continue to <strong>${escapeHtml(clientName)}</strong></p>` +
        (error ? `<p role="alert">${escapeHtml(error)}</p>` : '') +
        `<form method="post" action="/interaction/${escapeHtml(uid)}/login">` +
        '<label for="username">Username</label><input id="username" name="username" type="text" autocomplete="username" required>' +
        '<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>' +
        '<button type="submit">Sign in</button></form>',
    );

  return async (request: IncomingMessage, response: ServerResponse, path: string): Promise<void> => {
    const [uid, action] = path.split('/').slice(2);
    if (!uid) return sendHtml(response, 404, page('Not found', 'Not found'));
    const details = await provider.interactionDetails(request, response);
    if (details.uid !== uid) return sendHtml(response, 400, page('Expired', 'This sign-in link has expired.'));
    const client = await provider.Client.find(String(details.params.client_id));
    const clientName = client?.clientName ?? String(details.params.client_id);

    if (request.method === 'GET' && action === undefined) {
      if (details.prompt.name === 'login') return sendHtml(response, 200, loginPage(uid, clientName));
      if (details.prompt.name === 'consent') {
        const scopes = String(details.params.scope ?? '')
          .split(' ')
          .filter(Boolean);
        return sendHtml(
          response,
          200,
          page(
            'Allow access',
            `<h1>${escapeHtml(clientName)} wants to access your account</h1><ul>${scopes.map((s) => `<li>${escapeHtml(s)}</li>`).join('')}</ul>` +
              `<form method="post" action="/interaction/${escapeHtml(uid)}/confirm">` +
              '<button type="submit" name="decision" value="deny">Deny</button><button type="submit" name="decision" value="allow">Allow</button></form>',
          ),
        );
      }
      return sendHtml(response, 501, page('Not implemented', `prompt ${escapeHtml(details.prompt.name)}`));
    }

    if (request.method === 'POST' && action === 'login' && details.prompt.name === 'login') {
      const form = await readForm(request);
      const user = users.get((form.get('username') ?? '').slice(0, 64));
      const ok = user ? await argon2.verify(user.passwordHash, form.get('password') ?? '') : false;
      if (!user || !ok) return sendHtml(response, 401, loginPage(uid, clientName, 'Incorrect username or password.'));
      return provider.interactionFinished(request, response, { login: { accountId: user.id } }, { mergeWithLastSubmission: false });
    }

    if (request.method === 'POST' && action === 'confirm' && details.prompt.name === 'consent') {
      const form = await readForm(request);
      if (form.get('decision') !== 'allow') {
        return provider.interactionFinished(
          request,
          response,
          { error: 'access_denied', error_description: 'the user denied the request' },
          { mergeWithLastSubmission: false },
        );
      }
      const { prompt, grantId, session, params } = details;
      const grant = grantId
        ? await provider.Grant.find(grantId)
        : new provider.Grant({ accountId: session!.accountId, clientId: String(params.client_id) });
      if (!grant) return sendHtml(response, 400, page('Expired', 'This sign-in link has expired.'));
      const missing = prompt.details as {
        missingOIDCScope?: string[];
        missingOIDCClaims?: string[];
        missingResourceScopes?: Record<string, string[]>;
      };
      if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
      if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
      for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {}))
        grant.addResourceScope(indicator, scopes.join(' '));
      const saved = await grant.save();
      return provider.interactionFinished(request, response, { consent: { grantId: saved } }, { mergeWithLastSubmission: true });
    }
    return sendHtml(response, 400, page('Bad request', 'This step does not fit the sign-in request.'));
  };
}

async function main(): Promise<void> {
  try {
    const port = await freePort();
    const issuer = `http://127.0.0.1:${port}`;
    const audience = `${issuer}/api`;
    // Its access tokens are opaque: the only kind oidc-provider introspects.
    const opaqueAudience = `${issuer}/opaque-api`;
    const clientSecret = randomBytes(32).toString('base64url');
    const webClientSecret = randomBytes(32).toString('base64url');
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'bench-es256', alg: 'ES256', use: 'sig' };
    // ID tokens: RS256 with a 2048-bit key, as Gatehouse signs them by default.
    const { privateKey: rsaKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const idTokenKey = { ...rsaKey.export({ format: 'jwk' }), kid: 'bench-rs256', alg: 'RS256', use: 'sig' };

    const user: User = {
      id: randomUUID(),
      username: BENCH_USER.username,
      name: 'Alice',
      passwordHash: await argon2.hash(BENCH_USER.password, { type: argon2.argon2id, ...ARGON2ID_OPTIONS }),
    };
    const users = new Map([[user.username, user]]);
    const usersById = new Map([[user.id, user]]);

    const clients: ClientMetadata[] = [
      {
        client_id: CLIENT_ID,
        client_secret: clientSecret,
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        scope: BENCH_SCOPE,
        // Its tokens carry no ID token; ES256 keeps the client's metadata independent of the RSA key.
        id_token_signed_response_alg: 'ES256',
      },
      {
        client_id: WEB_CLIENT_ID,
        client_name: 'bench web app',
        client_secret: webClientSecret,
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        redirect_uris: [BENCH_REDIRECT_URI],
        id_token_signed_response_alg: 'RS256',
      },
    ];

    const provider = new Provider(issuer, {
      clients,
      jwks: { keys: [signingKey, idTokenKey] },
      scopes: ['openid', 'offline_access', ...BENCH_SCOPE.split(' ')],
      cookies: { keys: [randomBytes(32).toString('base64url')] },
      // Gatehouse's lifetimes: access 30 min, code 60 s, ID token 1 h, refresh 30 days, session 1 day, interaction 30 min.
      ttl: {
        ClientCredentials: TTL,
        AccessToken: TTL,
        AuthorizationCode: 60,
        IdToken: 3600,
        RefreshToken: 30 * DAY,
        Grant: 30 * DAY,
        Session: DAY,
        Interaction: 30 * 60,
      },
      findAccount: (_ctx: unknown, sub: string) => {
        const found = usersById.get(sub);
        return found ? { accountId: found.id, claims: () => ({ sub: found.id }) } : undefined;
      },
      interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
      pkce: { required: () => true },
      rotateRefreshToken: true,
      // A refresh token for the web app whenever offline_access was granted (as oidc-provider's default, spelt out).
      issueRefreshToken: (_ctx: unknown, client: { grantTypeAllowed(type: string): boolean }, code: { scopes: Set<string> }) =>
        client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access'),
      features: {
        devInteractions: { enabled: false },
        clientCredentials: { enabled: true },
        // As in Gatehouse for a client that is no resource server: a confidential client introspects its own tokens
        // (the scenario's client asks about its own token). Spelt out, it also silences the notice.
        introspection: {
          enabled: true,
          allowedPolicy: (_ctx: unknown, client: { clientAuthMethod: string; clientId: string }, token: { clientId?: string }) =>
            client.clientAuthMethod !== 'none' && token.clientId === client.clientId,
        },
        resourceIndicators: {
          enabled: true,
          // No `resource` parameter means the default API, as in Gatehouse.
          defaultResource: () => audience,
          useGrantedResource: () => true,
          getResourceServerInfo: (_ctx, resourceIndicator) => {
            if (resourceIndicator === audience) {
              return { scope: BENCH_SCOPE, audience, accessTokenTTL: TTL, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'ES256' } } };
            }
            if (resourceIndicator === opaqueAudience)
              return { scope: BENCH_SCOPE, audience: opaqueAudience, accessTokenTTL: TTL, accessTokenFormat: 'opaque' };
            throw new Error(`unknown resource ${resourceIndicator}`);
          },
        },
      },
    });
    provider.on('server_error', (_ctx, error) => process.stderr.write(`oidc-provider server_error: ${String(error)}\n`));
    const handleInteraction = interactions(provider, users);
    const callback = provider.callback();
    const server = createServer((request, response) => {
      const path = (request.url ?? '/').split('?')[0]!;
      if (!path.startsWith('/interaction/')) return callback(request, response);
      handleInteraction(request, response, path).catch((error: unknown) => {
        process.stderr.write(`interaction failed: ${error instanceof Error ? error.stack : String(error)}\n`);
        if (!response.headersSent) sendHtml(response, 400, page('Error', 'This sign-in request cannot be completed.'));
        else response.end();
      });
    });
    await listenHttp(server, port);
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
      introspection: {
        endpoint: `${issuer}/token/introspection`,
        tokenParams: { resource: opaqueAudience },
        tokenFormat: 'opaque',
        note:
          'oidc-provider cannot introspect JWT access tokens (its introspection endpoint answers 400 unsupported_token_type, ' +
          '"Structured JWT Tokens cannot be introspected"), so its scenario introspects an opaque client_credentials access ' +
          'token (accessTokenFormat opaque for a second resource), looked up in its in-memory adapter; Gatehouse verifies ' +
          'its ES256 JWT and checks the client and the jti revocation list',
      },
      codeFlow: {
        authorizationEndpoint: `${issuer}/auth`,
        clientId: WEB_CLIENT_ID,
        clientSecret: webClientSecret,
        redirectUri: BENCH_REDIRECT_URI,
        scope: 'openid offline_access',
        params: { prompt: 'consent' },
        username: BENCH_USER.username,
        password: BENCH_USER.password,
        audience,
      },
    });
  } catch (error) {
    failStart(error);
  }
}

await main();
