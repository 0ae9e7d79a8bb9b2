import { randomBytes } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, generateKeyPair, type JWTHeaderParameters, type JWTPayload, SignJWT } from 'jose';
import type { TestServer } from './server.js';

/** Shortcuts for the tests of tokens, revocation, introspection and the demo API. */

export interface Credentials {
  clientId: string;
  clientSecret: string;
}

export interface Answer {
  status: number;
  headers: Headers;
  /** The raw body text. */
  text: string;
  /** The parsed body, or undefined when it is empty. */
  body: unknown;
}

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** RFC 6749 §2.3.1: form-encode id and secret, join with ":", base64. */
export const basicAuth = ({ clientId, clientSecret }: Credentials) =>
  `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64')}`;

async function answer(response: Response): Promise<Answer> {
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, body: text === '' ? undefined : JSON.parse(text) };
}

/** POSTs a form to an OAuth endpoint, authenticating with HTTP Basic when credentials are given. */
export async function postForm(
  server: TestServer,
  path: string,
  params: Record<string, string>,
  credentials?: Credentials,
): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (credentials) headers.authorization = basicAuth(credentials);
  return answer(await fetch(`${server.url}${path}`, { method: 'POST', headers, body: new URLSearchParams(params).toString() }));
}

/** GETs a path with the given Authorization header (none when undefined). */
export async function getWith(server: TestServer, path: string, authorization?: string): Promise<Answer> {
  return answer(await fetch(`${server.url}${path}`, authorization === undefined ? {} : { headers: { authorization } }));
}

export const introspect = (server: TestServer, credentials: Credentials | undefined, token: string, extra: Record<string, string> = {}) =>
  postForm(server, '/oauth2/introspect', { token, ...extra }, credentials);

export const revoke = (server: TestServer, credentials: Credentials | undefined, token: string, extra: Record<string, string> = {}) =>
  postForm(server, '/oauth2/revoke', { token, ...extra }, credentials);

/** An access token from the token endpoint by client_credentials. */
export async function tokenFor(server: TestServer, credentials: Credentials, params: Record<string, string> = {}): Promise<string> {
  const { status, body } = await postForm(server, '/oauth2/token', { grant_type: 'client_credentials', ...params }, credentials);
  if (status !== 200) throw new Error(`token request failed with ${status}: ${JSON.stringify(body)}`);
  return (body as { access_token: string }).access_token;
}

/** Claims of a token as Gatehouse would issue it to `clientId` for the default API, with overrides. */
export function claimsFor(server: TestServer, clientId: string, overrides: JWTPayload = {}): JWTPayload {
  const now = Math.floor(Date.now() / 1000);
  return {
    iss: server.issuer,
    sub: clientId,
    aud: `${server.issuer}/api`,
    client_id: clientId,
    scope: 'demo:read',
    iat: now,
    exp: now + 300,
    jti: randomBytes(16).toString('base64url'),
    ...overrides,
  };
}

/** Signs with the server's own active ES256 key, so only the claims or the header decide the outcome. */
export async function signWithServerKey(
  server: TestServer,
  claims: JWTPayload,
  header: Partial<JWTHeaderParameters> = {},
): Promise<string> {
  const key = await server.server.gatehouse.keys.signingKey('ES256');
  return new SignJWT(claims).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: key.kid, ...header }).sign(key.privateKey);
}

/** Signs with a freshly generated key the server has never seen. */
export async function signWithForeignKey(claims: JWTPayload, header: JWTHeaderParameters): Promise<string> {
  const { privateKey } = await generateKeyPair(header.alg, { extractable: false });
  return new SignJWT(claims).setProtectedHeader(header).sign(privateKey);
}

/** The same token re-signed by a foreign ES256 key under the original header (same kid). */
export const resignedByForeignKey = (token: string) =>
  signWithForeignKey(decodeJwt(token), decodeProtectedHeader(token) as JWTHeaderParameters);

/** HS256 over the given claims with some secret. */
export const signHs256 = (claims: JWTPayload, header: Partial<JWTHeaderParameters> = {}) =>
  new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', ...header }).sign(randomBytes(32));

/** An unsecured JWT (`alg: none`, empty signature). */
export const unsecured = (claims: JWTPayload, header: Record<string, unknown> = {}) =>
  `${b64url({ alg: 'none', typ: 'at+jwt', ...header })}.${b64url(claims)}.`;

/** The token with its payload changed and its original header and signature kept. */
export function tamper(token: string, change: JWTPayload): string {
  const [header, , signature] = token.split('.');
  return `${header}.${b64url({ ...decodeJwt(token), ...change })}.${signature}`;
}
