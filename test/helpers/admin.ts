import assert from 'node:assert/strict';
import * as client from 'openid-client';
import type { AuditEvent } from '../../src/store/audit.js';
import { hiddenFields, location, TestBrowser } from './browser.js';
import { authorizationUrl, authorize, type CodeFlow, isCallback } from './code-flow.js';
import type { TestServer } from './server.js';
import { type Answer, type Credentials, tokenFor } from './tokens.js';

/** Shortcuts for the admin API tests: JSON calls with a bearer token, and sign-in as any user to any client. */

export const ADMIN_SCOPE = 'gatehouse:admin';
export const CONSOLE_CLIENT_ID = 'gatehouse-console';
export const consoleRedirect = (server: TestServer) => `${server.issuer}/console/callback`;
/** The console is a public client: the token endpoint sees only its client_id. */
export const consoleApp: Credentials = { clientId: CONSOLE_CLIENT_ID, clientSecret: '' };

export type AdminApi = (method: string, path: string, body?: unknown) => Promise<Answer>;

/** The admin API as a caller holding `token` (none when undefined) sees it: JSON in, JSON out (an export's CSV as text). */
export function adminApi(server: TestServer, token: string | undefined): AdminApi {
  return async (method, path, body) => {
    const headers: Record<string, string> = {};
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    const json = text !== '' && /json/.test(response.headers.get('content-type') ?? '');
    return { status: response.status, headers: response.headers, text, body: json ? JSON.parse(text) : undefined };
  };
}

/** A confidential client holding the built-in admin role, and a client_credentials token with gatehouse:admin. */
export async function adminMachine(server: TestServer, name: string): Promise<Credentials & { token: string }> {
  const role = await server.server.gatehouse.management.roles.ensureAdminRole();
  const credentials = await server.createClient({ name, roles: [role] });
  return { ...credentials, token: await tokenFor(server, credentials, { scope: ADMIN_SCOPE }) };
}

/**
 * The admin API's own errors: that status, `{error, error_description}` and, when the error is about one request
 * field, its JSON pointer as `field`; nothing else, not cacheable.
 */
export function assertAdminError(answer: Answer, status: number, error: string, description?: RegExp): void {
  const where = `expected ${status} ${error}, got ${answer.status} ${answer.text}`;
  assert.equal(answer.status, status, where);
  const { field, ...rest } = answer.body as { field?: unknown };
  assert.deepEqual(Object.keys(rest).sort(), ['error', 'error_description'], where);
  if (field !== undefined) assert.match(String(field), /^(\/[^/]+)*$/, where);
  const body = answer.body as { error: string; error_description: string };
  assert.equal(body.error, error, where);
  assert.ok(body.error_description.length > 0, where);
  if (description) assert.match(body.error_description, description, where);
  assert.equal(answer.headers.get('cache-control'), 'no-store', where);
}

/** An RFC 6750 §3 refusal in the realm gatehouse-admin: challenge, body and status agree. */
export function assertBearerError(answer: Answer, status: 401 | 403, error: 'invalid_token' | 'insufficient_scope'): void {
  const where = `expected ${status} ${error}, got ${answer.status} ${answer.text}`;
  assert.equal(answer.status, status, where);
  const scope = error === 'insufficient_scope' ? `, scope="${ADMIN_SCOPE}"` : '';
  assert.match(
    answer.headers.get('www-authenticate') ?? '',
    new RegExp(`^Bearer realm="gatehouse-admin", error="${error}", error_description="[^"]+"${scope}$`),
    where,
  );
  assert.equal((answer.body as { error: string }).error, error, where);
  assert.equal(answer.headers.get('cache-control'), 'no-store', where);
}

export interface SignInOptions {
  clientId: string;
  redirectUri: string;
  scope: string;
  username: string;
  password: string;
  /** A browser that may already be signed in; a new one otherwise. */
  browser?: TestBrowser;
}

async function authorizationRequest(
  server: TestServer,
  clientId: string,
  redirectUri: string,
  scope: string,
  extra: Record<string, string> = {},
) {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = authorizationUrl(server, {
    client_id: clientId,
    response_type: 'code',
    redirect_uri: redirectUri,
    scope,
    state,
    nonce,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    ...extra,
  });
  return { url, verifier, state, nonce };
}

/**
 * The authorization code flow as `username` in a browser: authorize, sign in, consent (as far as needed), and the
 * callback — which may be on the server's own origin (the console's). Returns what code-flow's redeem() takes.
 */
export function signIn(server: TestServer, options: SignInOptions): Promise<CodeFlow> {
  const { redirectUri, ...rest } = options;
  return authorize(server, { ...rest, redirectUri });
}

/** An authorization request with prompt=none in `browser`; the parameters the client's callback receives. */
export async function silentAuthorization(
  server: TestServer,
  browser: TestBrowser,
  clientId: string,
  redirectUri: string,
): Promise<URLSearchParams> {
  const { url } = await authorizationRequest(server, clientId, redirectUri, 'openid', { prompt: 'none' });
  const next = new URL(location(await browser.get(url.toString())), server.url);
  assert.ok(isCallback(next, redirectUri), `prompt=none did not answer at the redirect URI: ${next}`);
  return next.searchParams;
}

/** A sign-in at the stand-alone login page (no authorization request); the page's status. */
export async function loginPage(
  server: TestServer,
  username: string,
  password: string,
  browser = new TestBrowser(server.url),
): Promise<number> {
  const page = await (await browser.get('/login')).text();
  return (await browser.post('/login', { ...hiddenFields(page, '/login'), username, password })).status;
}

/** Signs the browser out through the logout page's form. */
export async function logout(browser: TestBrowser): Promise<Response> {
  const page = await (await browser.get('/logout')).text();
  return browser.post('/logout', hiddenFields(page, '/logout'));
}

/** A call that must answer `status` with a JSON body, not cacheable; returns the body's `key`. */
export async function expectOk<T>(call: Promise<Answer>, status: number, key: string): Promise<T> {
  const answer = await call;
  assert.equal(answer.status, status, answer.text);
  assert.equal(answer.headers.get('cache-control'), 'no-store');
  assert.match(answer.headers.get('content-type') ?? '', /^application\/json/);
  return (answer.body as Record<string, T>)[key]!;
}

/** The whole audit log, newest first, read page by page. */
export async function auditEvents(api: AdminApi): Promise<AuditEvent[]> {
  const events: AuditEvent[] = [];
  for (let before = ''; ; ) {
    const answer = await api('GET', `/admin/audit?limit=200${before ? `&before=${before}` : ''}`);
    assert.equal(answer.status, 200, answer.text);
    const page = answer.body as { events: AuditEvent[]; next: string | null };
    events.push(...page.events);
    if (page.next === null) return events;
    before = page.next;
  }
}
