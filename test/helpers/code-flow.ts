import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { hiddenFields, location, TestBrowser } from './browser.js';
import type { TestServer } from './server.js';
import { type Answer, type Credentials, getWith, introspect, postForm } from './tokens.js';

/** Every scope a user-facing client may ask for: sign-in, refresh tokens, profile and email claims. */
export const FULL_SCOPE = 'openid offline profile email';

/**
 * The authorization code flow as a browser and a client app run it: authorize, sign in, consent, callback. Used by
 * the tests of the token endpoint's user-facing grants, ID tokens, userinfo, logout and consent withdrawal.
 */

export const REDIRECT_URI = 'http://127.0.0.1:9999/cb';
export const OTHER_REDIRECT_URI = 'http://127.0.0.1:9999/cb2';
export const POST_LOGOUT_URI = 'http://127.0.0.1:9999/bye';
export const USERNAME = 'alice';
export const PASSWORD = 'correct horse';
export const SESSION_COOKIE = 'gh_session';
/** RFC 6749 §5.2: error_description is limited to %x20-21 / %x23-5B / %x5D-7E. */
const DESCRIPTION_CHARS = /^[\x20\x21\x23-\x5B\x5D-\x7E]+$/;

/** alice, with every claim the profile and email scopes release; returns her user id. */
export async function createAlice(server: TestServer): Promise<string> {
  const user = await server.server.gatehouse.management.users.createUser({
    username: USERNAME,
    password: PASSWORD,
    email: 'alice@example.com',
    emailVerified: true,
    name: 'Alice',
  });
  return user.id;
}

/** A confidential web app allowed the user-facing grants, with two redirect URIs and a post-logout one. */
export const webApp = (server: TestServer, name = 'Web App', extra: Record<string, unknown> = {}) =>
  server.createClient({
    name,
    grantTypes: ['authorization_code', 'refresh_token'],
    redirectUris: [REDIRECT_URI, OTHER_REDIRECT_URI],
    postLogoutRedirectUris: [POST_LOGOUT_URI],
    ...extra,
  });

/** A public client (token_endpoint_auth_method none); its clientSecret is ''. */
export const publicApp = (server: TestServer, name = 'Single-page app') =>
  server.createClient({ name, public: true, redirectUris: [REDIRECT_URI], postLogoutRedirectUris: [POST_LOGOUT_URI] });

/** openid-client's configuration for an app: HTTP Basic for a confidential one, `none` for a public one. */
export function discover(
  server: TestServer,
  app: Credentials,
  metadata: Partial<client.ClientMetadata> = {},
): Promise<client.Configuration> {
  const auth = app.clientSecret ? client.ClientSecretBasic() : client.None();
  return client.discovery(
    new URL(server.issuer),
    app.clientId,
    { ...(app.clientSecret ? { client_secret: app.clientSecret } : {}), ...metadata },
    auth,
    {
      execute: [client.allowInsecureRequests],
    },
  );
}

export function authorizationUrl(server: TestServer, params: Record<string, string>, issuer = server.issuer): URL {
  const url = new URL(`${issuer}/oauth2/authorize`);
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  return url;
}

export interface FlowOptions {
  clientId: string;
  scope: string;
  redirectUri?: string;
  /** A browser that may already have a session; a new one otherwise. */
  browser?: TestBrowser;
  /** More authorization request parameters. */
  params?: Record<string, string>;
  /** Builds the authorization URL, e.g. with a client library; the URL is built by hand otherwise. */
  buildUrl?: (params: Record<string, string>) => URL;
  /** Who signs in when asked; alice otherwise. */
  username?: string;
  password?: string;
  /** The issuer of the tenant whose pages the flow goes through; the default tenant's otherwise. */
  issuer?: string;
}

/** Whether the browser reached the client's redirect URI (which may be on the server's own origin, as the console's). */
export const isCallback = (url: URL, redirectUri: string) => `${url.origin}${url.pathname}` === redirectUri;

export interface CodeFlow {
  code: string;
  verifier: string;
  state: string;
  nonce: string;
  redirectUri: string;
  callbackUrl: URL;
  browser: TestBrowser;
  /** Whether the user was shown the sign-in page and the consent page on the way. */
  asked: { login: boolean; consent: boolean };
}

/** Runs authorize → sign-in → consent (as far as needed) → callback, and returns the code and what goes with it. */
export async function authorize(server: TestServer, options: FlowOptions): Promise<CodeFlow> {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const redirectUri = options.redirectUri ?? REDIRECT_URI;
  const params = {
    client_id: options.clientId,
    response_type: 'code',
    redirect_uri: redirectUri,
    scope: options.scope,
    state,
    nonce,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    ...options.params,
  };
  const browser = options.browser ?? new TestBrowser(server.url);
  const asked = { login: false, consent: false };
  const issuer = options.issuer ?? server.issuer;
  // Where the tenant's pages are on the server: '' for the default tenant, `/t/{tenant}` for a path-routed one.
  const base = new URL(issuer).pathname.replace(/\/$/, '');
  let response = await browser.get((options.buildUrl?.(params) ?? authorizationUrl(server, params, issuer)).toString());
  for (let step = 0; step < 4; step++) {
    const next = new URL(location(response), server.url);
    if (isCallback(next, redirectUri)) {
      const code = next.searchParams.get('code');
      if (!code) throw new Error(`the authorization ended without a code: ${next}`);
      return { code, verifier, state, nonce, redirectUri, callbackUrl: next, browser, asked };
    }
    const page = await (await browser.get(next.toString())).text();
    if (next.pathname === `${base}/login`) {
      asked.login = true;
      response = await browser.post(`${base}/login`, {
        ...hiddenFields(page, `${base}/login`),
        username: options.username ?? USERNAME,
        password: options.password ?? PASSWORD,
      });
    } else if (next.pathname === `${base}/consent`) {
      asked.consent = true;
      response = await browser.post(`${base}/consent`, { ...hiddenFields(page, `${base}/consent`), decision: 'allow' });
    } else {
      throw new Error(`unexpected redirect to ${next}`);
    }
  }
  throw new Error('the authorization did not reach the client');
}

/** A form POST to a token-endpoint-like path: HTTP Basic for a confidential app, client_id in the body for a public one. */
export const postAs = (server: TestServer, app: Credentials, path: string, params: Record<string, string>): Promise<Answer> =>
  app.clientSecret ? postForm(server, path, params, app) : postForm(server, path, { client_id: app.clientId, ...params });

/** The token request of RFC 6749 §4.1.3 for the flow's code; `overrides` replace (or, as undefined, drop) parameters. */
export function redeem(
  server: TestServer,
  app: Credentials,
  flow: CodeFlow,
  overrides: Record<string, string | undefined> = {},
): Promise<Answer> {
  const params: Record<string, string | undefined> = {
    grant_type: 'authorization_code',
    code: flow.code,
    redirect_uri: flow.redirectUri,
    code_verifier: flow.verifier,
    ...overrides,
  };
  return postAs(
    server,
    app,
    '/oauth2/token',
    Object.fromEntries(Object.entries(params).filter((entry): entry is [string, string] => entry[1] !== undefined)),
  );
}

export const refresh = (server: TestServer, app: Credentials, refreshToken: string, extra: Record<string, string> = {}) =>
  postAs(server, app, '/oauth2/token', { grant_type: 'refresh_token', refresh_token: refreshToken, ...extra });

export const userinfo = (server: TestServer, accessToken: string, scheme = 'Bearer') =>
  getWith(server, '/oauth2/userinfo', `${scheme} ${accessToken}`);

export interface Tokens {
  access_token: string;
  refresh_token?: string;
  id_token?: string;
  scope?: string;
  token_type: string;
  expires_in: number;
}

/** Redeems the code and insists on success. */
export async function tokensFor(server: TestServer, app: Credentials, flow: CodeFlow): Promise<Tokens> {
  const answer = await redeem(server, app, flow);
  assert.equal(answer.status, 200, answer.text);
  return answer.body as Tokens;
}

/** An RFC 6749 §5.2 error: that status and code, a well-formed description, not cacheable. */
export function assertOAuthError(answer: Answer, status: number, error: string): void {
  const where = `expected ${status} ${error}, got ${answer.status} ${answer.text}`;
  assert.equal(answer.status, status, where);
  const body = answer.body as Record<string, unknown>;
  assert.deepEqual(Object.keys(body).sort(), ['error', 'error_description'], where);
  assert.equal(body.error, error, where);
  assert.match(String(body.error_description), DESCRIPTION_CHARS, where);
  assert.equal(answer.headers.get('cache-control'), 'no-store', where);
}

/**
 * Whether what one redemption yielded still works: the access token at introspection and userinfo, and the refresh
 * token at the token endpoint (which rotates it, so this is the last thing to do with them).
 */
export async function assertTokensUsable(
  server: TestServer,
  app: Credentials,
  introspector: Credentials,
  tokens: Tokens,
  usable: boolean,
): Promise<void> {
  const introspected = await introspect(server, introspector, tokens.access_token);
  assert.equal(introspected.status, 200);
  const info = await userinfo(server, tokens.access_token);
  if (usable) {
    assert.equal((introspected.body as { active: boolean }).active, true, introspected.text);
    assert.equal(info.status, 200, info.text);
  } else {
    assert.deepEqual(introspected.body, { active: false }, 'the access token is still active at introspection');
    assert.equal(info.status, 401, `userinfo still accepts the access token: ${info.text}`);
    assert.match(info.headers.get('www-authenticate') ?? '', /^Bearer realm="gatehouse", error="invalid_token"/);
  }
  if (tokens.refresh_token === undefined) return;
  const refreshed = await refresh(server, app, tokens.refresh_token);
  if (usable) assert.equal(refreshed.status, 200, refreshed.text);
  else assertOAuthError(refreshed, 400, 'invalid_grant');
}
